"""What an operator sees of a running ``gateway serve``: health, readiness, metrics, logs, shutdown.

Real processes on loopback sockets: the reference services (faults flipped through ``POST /_faults``)
and the gateway, whose stderr (JSON log lines) goes to a file the tests read.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.settings import DOMAINS
from tests.fault_support import BUCKETS_PAGE
from tests.processes import (
    BIN,
    bearer,
    by_domain,
    free_port,
    gateway_process_env,
    reference_services,
    stop,
    wait_healthy,
)

pytestmark = pytest.mark.socket

BEARER = "Bearer tok-NEVER-LOG-THIS-7f3a9c"
WAIT_SECONDS = 30.0


@pytest.fixture(scope="module")
def services() -> Iterator[dict[str, str]]:
    with reference_services() as urls:
        yield by_domain(urls)


class Gateway:
    """A ``gateway serve`` process logging to a file."""

    def __init__(self, services: dict[str, str], log: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        # The signing key of development tokens lives in GATEWAY_DATA_DIR: the test mints with the same key.
        variables = {
            **{f"GATEWAY_{d.upper()}_URL": u for d, u in services.items()},
            "GATEWAY_DATA_DIR": str(log.parent / "gateway-data"),
        }
        self.auth = bearer(variables, "u-tara")  # backend URLs: bearer tokens only, no development header
        defaults = {
            "GATEWAY_LOG_LEVEL": "info",
            "GATEWAY_IDEMPOTENCY_STORE": f"sqlite:///{log.parent / 'idempotency.sqlite3'}",
        }
        environment = gateway_process_env(**variables, **{**defaults, **env})
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            [str(BIN / "gateway"), "serve", "--port", str(self.port)],
            env=environment,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_healthy(f"{self.url}/healthz", self.process)
        except BaseException:
            self.close()  # a gateway that never became healthy is not left running
            raise

    def post(self, query: str, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        sent = {**self.auth, **(headers or {})}
        return httpx.post(f"{self.url}/graphql", json={"query": query}, headers=sent, timeout=30.0, **kwargs)

    def log_lines(self) -> list[dict[str, Any]]:
        found = []
        for line in self.log.read_text().splitlines():
            if line.startswith("{"):
                found.append(json.loads(line))
        return found

    def close(self) -> None:
        stop(self.process)
        self._log_file.close()


@pytest.fixture(scope="module")
def gateway(services: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    running = Gateway(services, tmp_path_factory.mktemp("gateway") / "gateway.log")
    try:
        yield running
    finally:
        running.close()


def set_fault(url: str, **spec: Any) -> dict[str, Any]:
    response = httpx.post(f"{url}/_faults", json={**spec, "reset_stats": True}, timeout=5.0)
    assert response.status_code == 200, response.text
    return response.json()


def test_healthz_and_readyz_say_which_dependency_is_down(gateway: Gateway, services: dict[str, str]) -> None:
    assert httpx.get(f"{gateway.url}/healthz", timeout=5.0).json() == {"status": "ok"}
    ready = httpx.get(f"{gateway.url}/readyz", timeout=5.0)
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready" and set(body["backends"]) == set(DOMAINS)
    assert body["stores"]["idempotency"]["ok"] is True
    assert body["idempotencyStore"] == "available" and body["mutations"] == "accepted"
    set_fault(services["storage"], down=True)
    try:
        ready = httpx.get(f"{gateway.url}/readyz", timeout=5.0)
    finally:
        set_fault(services["storage"])
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "not_ready" and body["backends"]["storage"] == {
        "ok": False,
        "breaker": "closed",
        "error": "HTTP 503",
    }
    assert all(check["ok"] for domain, check in body["backends"].items() if domain != "storage")
    assert httpx.get(f"{gateway.url}/healthz", timeout=5.0).status_code == 200  # alive all the same


def test_with_the_idempotency_store_down_the_replica_stays_ready_and_says_so(
    services: dict[str, str], tmp_path: Path
) -> None:
    # Old rule (changed deliberately): the store counted toward readiness, so with a shared store down every
    # replica answered 503 and a load balancer drained them all although reads worked. Now readiness says
    # whether the replica can serve; the store's health is a field of its own and a gauge.
    nothing_listens = f"redis://127.0.0.1:{free_port()}/0"
    gateway = Gateway(
        services,
        tmp_path / "gateway.log",
        GATEWAY_IDEMPOTENCY_STORE=nothing_listens,
        GATEWAY_IDEMPOTENCY_STORE_TIMEOUT_SECONDS="0.5",
    )
    try:
        ready = httpx.get(f"{gateway.url}/readyz", timeout=10.0)
        assert ready.status_code == 200, ready.text
        body = ready.json()
        assert body["status"] == "ready" and body["stores"]["idempotency"]["ok"] is False
        assert body["idempotencyStore"] == "unavailable" and body["mutations"] == "failing_closed"
        scraped = httpx.get(f"{gateway.url}/metrics", timeout=5.0).text
        assert 'gateway_dependency_up{dependency="idempotency_store"} 0.0' in scraped
        assert 'gateway_dependency_up{dependency="storage"} 1.0' in scraped
        read = gateway.post("{ workloads(first: 3) { totalCount } }")
        assert read.status_code == 200 and read.json()["data"]["workloads"]["totalCount"] > 0
    finally:
        gateway.close()


def test_metrics_and_logs_tell_an_operator_what_failed(gateway: Gateway, services: dict[str, str]) -> None:
    set_fault(services["storage"], malformed=True)  # its body carries a SEEDSECRET marker
    try:
        response = gateway.post(BUCKETS_PAGE, headers={"x-request-id": "req-ops-0001"})
    finally:
        set_fault(services["storage"])
    assert response.status_code == 200 and response.headers["x-request-id"] == "req-ops-0001"
    assert response.json()["errors"][0]["extensions"] == {"code": "BACKEND_BAD_RESPONSE", "service": "storage"}
    healthy = gateway.post("query ShellViewer { viewer { persona projects { name } } }")
    generated = healthy.headers["x-request-id"]
    assert healthy.status_code == 200 and len(generated) >= 16
    refused = gateway.post("{ viewer { persona } }", headers={"authorization": BEARER})

    metrics = httpx.get(f"{gateway.url}/metrics", timeout=5.0)
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'gateway_requests_total{operation="BucketsPage",outcome="error"} 1.0' in text
    assert 'gateway_requests_total{operation="ShellViewer",outcome="ok"} 1.0' in text
    assert 'gateway_request_duration_seconds_count{operation="BucketsPage"} 1.0' in text
    assert (
        'gateway_backend_requests_total{domain="storage",endpoint="/v1/buckets",method="GET",outcome="bad_response"}'
        in text
    )
    assert 'gateway_backend_request_duration_seconds_bucket{domain="access",endpoint="/v1/' in text
    assert 'gateway_dataloader_batch_size_count{loader="access.projects"}' in text
    assert 'gateway_breaker_state{domain="storage"} 0.0' in text
    assert "gateway_idempotency_outcomes_total" in text and "gateway_rate_limit_rejections_total" in text
    assert "SEEDSECRET" not in text and "wl-0001" not in text  # no bodies, no raw ids in labels

    deadline = time.monotonic() + WAIT_SECONDS
    lines: list[dict[str, Any]] = []
    while time.monotonic() < deadline:  # the log is written as requests finish; give it a moment to land
        lines = gateway.log_lines()
        if any(line.get("request_id") == generated for line in lines):
            break
        time.sleep(0.05)
    requests = {line["request_id"]: line for line in lines if line.get("event") == "request"}
    failed = requests["req-ops-0001"]
    assert failed["operation"] == "BucketsPage" and failed["viewer_id"] == "u-tara"
    assert failed["outcome"] == "error" and failed["error_codes"] == ["BACKEND_BAD_RESPONSE"]
    assert failed["status"] == 200 and isinstance(failed["duration_ms"], float)
    assert requests[generated]["outcome"] == "ok" and requests[generated]["operation"] == "ShellViewer"
    assert requests[refused.headers["x-request-id"]]["status"] == refused.status_code
    backend = [line for line in lines if line.get("event") == "backend_call_failed"]
    assert any(
        line["request_id"] == "req-ops-0001" and line["domain"] == "storage" and line["code"] == "BACKEND_BAD_RESPONSE"
        for line in backend
    )
    everything = gateway.log.read_text()
    assert "SEEDSECRET" not in everything, "a backend's words reached the log"
    assert "NEVER-LOG-THIS" not in everything, "a token reached the log"


def test_metrics_add_up_across_workers(services: dict[str, str], tmp_path: Path) -> None:
    # Two workers share a PROMETHEUS_MULTIPROC_DIR that `gateway serve` creates: every scrape, whichever
    # worker answers it, counts the requests of both.
    workers = Gateway(services, tmp_path / "workers.log", GATEWAY_WORKERS="2", GATEWAY_LOG_LEVEL="warning")
    try:
        for _ in range(12):
            with httpx.Client(timeout=30.0) as client:  # a new connection each time: both workers get some
                response = client.post(
                    f"{workers.url}/graphql", json={"query": "query Both { viewer { persona } }"}, headers=workers.auth
                )
                assert response.status_code == 200
        for _ in range(3):
            text = httpx.get(f"{workers.url}/metrics", timeout=5.0).text
            assert 'gateway_requests_total{operation="Both",outcome="ok"} 12.0' in text
    finally:
        workers.close()


def test_sigterm_lets_the_request_in_flight_finish(gateway: Gateway, services: dict[str, str]) -> None:
    # Last in the module: it stops the shared gateway.
    try:
        warm = gateway.post("{ viewer { persona } }")
        assert warm.status_code == 200
        # Only the list call is slowed and counted: the gateway's event long-polls (GET /v1/events) are neither.
        set_fault(services["workloads"], latency_ms=1500, paths=["/v1/workloads"])
        result: dict[str, Any] = {}

        def slow_request() -> None:
            try:
                result["response"] = gateway.post("{ workloads(first: 3) { totalCount edges { node { name } } } }")
            except httpx.HTTPError as error:
                result["error"] = error

        thread = threading.Thread(target=slow_request)
        thread.start()
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:  # the request is in flight once the workloads service has it
            state = httpx.get(f"{services['workloads']}/_faults", timeout=5.0).json()
            if state["requests"].get("GET", 0) >= 1:
                break
            time.sleep(0.02)
        else:
            raise AssertionError("the slow request never reached the workloads service")
        gateway.process.send_signal(signal.SIGTERM)
        thread.join(WAIT_SECONDS)
        assert "error" not in result, result
        response = result["response"]
        assert response.status_code == 200
        assert response.json()["data"]["workloads"]["totalCount"] == 64
        # uvicorn re-raises the signal once it has drained, so the exit status is "terminated by SIGTERM".
        assert gateway.process.wait(timeout=WAIT_SECONDS) in (0, -signal.SIGTERM)
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{gateway.url}/healthz", timeout=2.0)
    finally:
        set_fault(services["workloads"])
