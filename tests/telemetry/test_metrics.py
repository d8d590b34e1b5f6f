"""Request ids, JSON log lines, metrics and readiness, in-process."""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from bench.pages import route_operation
from gateway.security_settings import SecuritySettings
from gateway.settings import Settings
from gateway.telemetry import metrics
from gateway.telemetry.logging import JsonFormatter
from reference_services.faults import FaultSpec
from tests.fault_support import BUCKETS_PAGE
from tests.idempotency_support import LAUNCH_COMPUTE, codes, compute_input, harness_with, key
from tests.processes import free_port
from tests.support import PERSONA_USERS, GatewayHarness, build_harness

TOKEN = "Bearer tok-SECRET-do-not-log-5c1d"


async def post(harness: GatewayHarness, query: str, variables: dict[str, object] | None = None, **headers: str):
    async with harness.client() as client:
        return await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"x-dev-viewer": PERSONA_USERS["tenant-admin"], **headers},
        )


def request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "gateway.requests"]


async def test_request_ids_are_echoed_or_made_up(harness: GatewayHarness) -> None:
    echoed = await post(harness, "{ viewer { persona } }", **{"x-request-id": "trace-me_01:abc"})
    assert echoed.headers["x-request-id"] == "trace-me_01:abc"
    made_up = await post(harness, "{ viewer { persona } }", **{"x-request-id": "no spaces; or <tags>"})
    assert made_up.headers["x-request-id"] != "no spaces; or <tags>" and len(made_up.headers["x-request-id"]) == 32
    too_long = await post(harness, "{ viewer { persona } }", **{"x-request-id": "a" * 129})
    assert len(too_long.headers["x-request-id"]) == 32
    absent = await post(harness, "{ viewer { persona } }")
    assert len(absent.headers["x-request-id"]) == 32
    assert absent.headers["x-request-id"] != made_up.headers["x-request-id"]


async def test_one_json_line_per_request_with_its_outcome(
    harness: GatewayHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gateway")
    harness.services["storage"].state.faults.set(FaultSpec(down=True))
    await post(harness, "query Shell { viewer { persona } }", **{"x-request-id": "req-1"})
    page = "query Wl { workloads(first: 2) { edges { node { tabs { storage { mounts { mountPath } } } } } } }"
    await post(harness, page, **{"x-request-id": "req-2"})
    await post(harness, "{ nope }", **{"x-request-id": "req-3"})
    lines = {line["request_id"]: line for line in request_lines(caplog)}
    assert lines["req-1"]["operation"] == "Shell" and lines["req-1"]["outcome"] == "ok"
    assert lines["req-1"]["viewer_id"] == PERSONA_USERS["tenant-admin"] and lines["req-1"]["error_codes"] == []
    assert lines["req-2"]["outcome"] == "partial" and lines["req-2"]["error_codes"] == ["BACKEND_UNAVAILABLE"]
    assert lines["req-3"]["outcome"] == "error" and lines["req-3"]["error_codes"] == ["GRAPHQL_VALIDATION_FAILED"]
    assert all(isinstance(line["duration_ms"], float) and line["status"] == 200 for line in lines.values())
    failures = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "gateway.backends"]
    assert failures and all(f["domain"] == "storage" and f["request_id"] == "req-2" for f in failures)
    assert all(f["endpoint"].startswith("/v1/") and f["code"] == "BACKEND_UNAVAILABLE" for f in failures)


async def test_no_token_or_backend_secret_reaches_the_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    harness = build_harness()
    # Secret-bearing documents (workload env, connect details) flow through; storage answers garbage
    # with a SEEDSECRET marker in its body; one request carries a bearer token.
    first = await post(harness, "{ workloads(first: 1) { edges { node { id } } } }")
    workload_id = first.json()["data"]["workloads"]["edges"][0]["node"]["id"]
    await post(harness, route_operation("/workloads/{id}"), {"id": workload_id})
    harness.services["storage"].state.faults.set(FaultSpec(malformed=True))
    await post(harness, BUCKETS_PAGE)
    harness.services["storage"].state.faults.set(FaultSpec(error_rate=1.0))
    await post(harness, BUCKETS_PAGE)
    await post(harness, "{ viewer { persona } }", authorization=TOKEN)
    real_token = harness.token("tenant-admin")
    async with harness.client() as client:
        signed_in = await client.post(
            "/graphql", json={"query": "{ viewer { persona } }"}, headers={"authorization": f"Bearer {real_token}"}
        )
    assert signed_in.status_code == 200
    text = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    assert "gateway.requests" in text and "gateway.backends" in text
    assert "SEEDSECRET" not in text
    assert "tok-SECRET" not in text and real_token not in text and real_token.split(".")[2] not in text


async def test_metrics_endpoint_serves_the_prometheus_text(harness: GatewayHarness) -> None:
    await post(harness, "query MetricsProbe { viewer { persona projects { name } } }")
    async with harness.client() as client:
        response = await client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert 'gateway_requests_total{operation="MetricsProbe",outcome="ok"}' in response.text
    assert "_created" not in response.text


async def test_metrics_can_be_switched_off() -> None:
    harness = build_harness(settings=Settings.from_env({}, viewer_cache_seconds=0, metrics=False))
    async with harness.client() as client:
        assert (await client.get("/metrics")).status_code == 404


def test_label_values_stay_bounded() -> None:
    assert metrics.bounded_operation(None) == "anonymous"
    assert metrics.bounded_operation("not a name!") == "invalid"
    metrics._seen_operations.update(f"Op{i}" for i in range(metrics.MAX_OPERATION_LABELS))
    try:
        assert metrics.bounded_operation("BrandNewOperationName") == "other"
    finally:
        metrics._seen_operations.clear()
    assert metrics.endpoint_template("/v1/workloads/wl-0001/stop") == "/v1/workloads/{id}/stop"
    assert metrics.endpoint_template("/v1/notifications:mark-read") == "/v1/notifications:mark-read"
    assert metrics.endpoint_template("/v1/buckets/bk-1/grants/gr-2") == "/v1/buckets/{id}/grants/{id}"


def test_error_code_labels_stay_bounded() -> None:
    assert metrics.bounded_error_code("not a code") == "INVALID"
    seen = set(metrics._seen_error_codes)
    metrics._seen_error_codes.update(f"CODE_{i}" for i in range(metrics.MAX_ERROR_CODE_LABELS))
    try:
        assert metrics.bounded_error_code("BRAND_NEW_CODE") == "OTHER"
    finally:
        metrics._seen_error_codes.clear()
        metrics._seen_error_codes.update(seen)


async def test_errors_are_counted_by_code_once_per_request(harness: GatewayHarness) -> None:
    def count(code: str) -> float:
        return REGISTRY.get_sample_value("gateway_request_errors_total", {"code": code}) or 0.0

    validation, refused = count("GRAPHQL_VALIDATION_FAILED"), count("NOT_ACCEPTABLE")
    await post(harness, "{ nope alsoNope }")  # two validation errors, one request
    async with harness.client() as client:  # refused before execution: counted by its code too
        response = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"accept": "text/xml"})
    assert response.status_code == 406
    assert count("GRAPHQL_VALIDATION_FAILED") == validation + 1
    assert count("NOT_ACCEPTABLE") == refused + 1


async def test_dataloader_batches_are_measured(harness: GatewayHarness) -> None:
    before = REGISTRY.get_sample_value("gateway_dataloader_batch_size_sum", {"loader": "platform.nodes"}) or 0.0
    await post(harness, "{ workloads(first: 20) { edges { node { node { id } } } } }")
    after = REGISTRY.get_sample_value("gateway_dataloader_batch_size_sum", {"loader": "platform.nodes"}) or 0.0
    assert after - before > 1  # many workloads, their nodes fetched in one batch


async def test_readyz_reports_a_failing_store_and_what_readiness_requires() -> None:
    async def broken() -> None:
        raise ConnectionError("store down")

    base = Settings.from_env({}, viewer_cache_seconds=0)
    # A store counts toward readiness only when named: "all" is every domain service (reads can be served).
    for required, status in (("all", 200), ("redis", 503), ("workloads,storage", 200)):
        harness = build_harness(settings=dataclasses.replace(base, readiness_required=required))
        harness.app.state.store_checks["redis"] = broken
        async with harness.client() as client:
            response = await client.get("/readyz")
        body = response.json()
        assert response.status_code == status, body
        assert body["stores"]["redis"] == {"ok": False, "error": "ConnectionError"}
        assert body["backends"]["workloads"]["ok"] is True


def outcome_count(outcome: str) -> float:
    return REGISTRY.get_sample_value("gateway_idempotency_outcomes_total", {"outcome": outcome}) or 0.0


async def test_idempotency_outcomes_are_counted(tmp_path: Path) -> None:
    harness, _ = harness_with({"GATEWAY_IDEMPOTENCY_STORE": f"sqlite:///{tmp_path}/idempotency.sqlite3"})
    before = {o: outcome_count(o) for o in ("executed", "replayed", "key_reused", "key_required")}
    same = key("metrics")
    async with harness.client() as client:
        for name, sent_key in (("box-1", same), ("box-1", same), ("box-2", same), ("box-3", None)):
            headers = {"x-dev-viewer": "u-marco", **({"idempotency-key": sent_key} if sent_key else {})}
            await client.post(
                "/graphql", json={"query": LAUNCH_COMPUTE, "variables": {"input": compute_input(name)}}, headers=headers
            )
    assert {o: outcome_count(o) - n for o, n in before.items()} == {
        "executed": 1,
        "replayed": 1,
        "key_reused": 1,
        "key_required": 1,
    }
    await harness.app.state.idempotency_store.aclose()


async def test_rate_limit_refusals_are_counted() -> None:
    security = dataclasses.replace(SecuritySettings(), rate_limit="1/min burst 2")
    harness = build_harness(settings=Settings.from_env({}, viewer_cache_seconds=0, security=security))
    before = REGISTRY.get_sample_value("gateway_rate_limit_rejections_total", {"key": "user"}) or 0.0
    statuses = [(await harness.query("{ viewer { persona } }", persona="member")) for _ in range(3)]
    assert [bool(body.get("data")) for body in statuses] == [True, True, False]
    assert REGISTRY.get_sample_value("gateway_rate_limit_rejections_total", {"key": "user"}) == before + 1


def _answers(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.socket  # a redis-server process of its own
@pytest.mark.redis
async def test_with_redis_stopped_reads_go_on_mutations_fail_closed_and_operators_see_it(tmp_path: Path) -> None:
    server = shutil.which("redis-server")
    assert server, "redis-server is required (.ci/run installs and starts Redis)"
    port = free_port()  # a Redis of this test's own, never the shared one on 6379
    process = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not _answers(port):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        harness, commands = harness_with(
            {
                "GATEWAY_IDEMPOTENCY_STORE": f"redis://127.0.0.1:{port}/0",
                "GATEWAY_IDEMPOTENCY_STORE_TIMEOUT_SECONDS": "0.5",
            }
        )
        async with harness.client() as client:
            assert (await client.get("/readyz")).json()["stores"]["idempotency"]["ok"] is True
            process.kill()
            process.wait(timeout=10)
            unavailable = outcome_count("store_unavailable")
            mutation = await client.post(
                "/graphql",
                json={"query": LAUNCH_COMPUTE, "variables": {"input": compute_input("no-store")}},
                headers={"x-dev-viewer": "u-marco", "idempotency-key": key()},
            )
            read = await client.post(
                "/graphql",
                json={"query": "{ workloads(first: 3) { totalCount } }"},
                headers={"x-dev-viewer": "u-marco"},
            )
            ready = await client.get("/readyz")
        assert codes(mutation.json()) == ["IDEMPOTENCY_STORE_UNAVAILABLE"]
        assert [c for c in commands.take() if c[0] != "access"] == []  # nothing was sent to a domain service
        assert read.status_code == 200 and read.json()["data"]["workloads"]["totalCount"] > 0
        assert outcome_count("store_unavailable") == unavailable + 1
        # The replica still serves reads, so it stays ready; the store is reported on its own.
        assert ready.status_code == 200 and ready.json()["stores"]["idempotency"]["ok"] is False
        assert ready.json()["idempotencyStore"] == "unavailable" and ready.json()["mutations"] == "failing_closed"
        assert REGISTRY.get_sample_value("gateway_dependency_up", {"dependency": "idempotency_store"}) == 0
        assert all(check["ok"] for check in ready.json()["backends"].values())
        await harness.app.state.idempotency_store.aclose()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


async def test_identical_reads_within_a_request_reach_the_service_once(harness: GatewayHarness) -> None:
    await post(harness, "{ viewer { persona } }")
    harness.calls()
    before = REGISTRY.get_sample_value("gateway_backend_deduplicated_total", {"domain": "workloads"}) or 0.0
    response = await post(harness, "{ a: workloads(first: 2) { totalCount } b: workloads(first: 2) { totalCount } }")
    body = response.json()
    assert body["data"]["a"] == body["data"]["b"]
    assert harness.calls().get("workloads /v1/workloads") == 1
    assert REGISTRY.get_sample_value("gateway_backend_deduplicated_total", {"domain": "workloads"}) == before + 1
