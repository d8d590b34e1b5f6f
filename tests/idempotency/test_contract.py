"""The idempotency contract (BRIEF §5) through HTTP, against the SQLite and the Redis store alike."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from gateway.ids import encode_global_id
from tests.idempotency_support import (
    LAUNCH_COMPUTE,
    STORES,
    Commands,
    StoreConfig,
    codes,
    compute_input,
    documents,
    harness_with,
    key,
    post,
    store_config,
)
from tests.support import GatewayHarness

WORKLOAD_POST = ("workloads", "/v1/workloads")
# Tests that hold a backend call open must not meet the call's total deadline on a busy machine.
PATIENT = {"GATEWAY_WORKLOADS_TOTAL_TIMEOUT": "120"}


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[StoreConfig]:
    config = store_config(request.param, tmp_path)
    yield config
    config.cleanup()


@pytest.fixture
async def gateway(store: StoreConfig) -> AsyncIterator[tuple[GatewayHarness, Commands]]:
    harness, commands = harness_with({**store.env, **PATIENT})
    yield harness, commands
    await harness.app.state.idempotency_store.aclose()  # no lifespan in-process: close the store here


async def warm(client: httpx.AsyncClient, harness: GatewayHarness, *users: str) -> None:
    """Resolve the viewers once (cached), so later requests make only their own backend calls."""
    for user in users or ("u-marco",):
        await post(client, "{ viewer { persona } }", user=user)
    harness.calls()


def launched(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    payload = body["data"]["launchCompute"]
    assert payload["userErrors"] == [], payload
    return payload["workload"]


async def test_same_key_replays_the_stored_outcome_without_a_second_launch(gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway
    before = len(documents(harness, "workloads", "workloads"))
    the_key = key()
    async with harness.client() as client:
        first = await post(client, LAUNCH_COMPUTE, {"input": compute_input()}, headers={"Idempotency-Key": the_key})
        assert commands.take() == [WORKLOAD_POST]
        second = await post(client, LAUNCH_COMPUTE, {"input": compute_input()}, headers={"Idempotency-Key": the_key})
    assert commands.take() == []
    assert launched(second)["id"] == launched(first)["id"]
    assert first["extensions"]["idempotency"]["replayed"] is False
    assert second["extensions"]["idempotency"]["replayed"] is True
    assert second["extensions"]["idempotency"]["fields"][0]["field"] == "launchCompute"
    assert len(documents(harness, "workloads", "workloads")) == before + 1


async def test_same_key_with_different_arguments_is_refused_without_a_backend_call(
    gateway: tuple[GatewayHarness, Commands],
):
    harness, commands = gateway
    the_key = key()
    async with harness.client() as client:
        await warm(client, harness)
        launched(
            await post(
                client, LAUNCH_COMPUTE, {"input": compute_input("first-box")}, headers={"Idempotency-Key": the_key}
            )
        )
        harness.calls()
        commands.take()
        other = await post(
            client, LAUNCH_COMPUTE, {"input": compute_input("second-box")}, headers={"Idempotency-Key": the_key}
        )
    assert codes(other) == ["IDEMPOTENCY_KEY_REUSED"] and other["data"]["launchCompute"] is None
    assert commands.take() == [] and harness.calls() == {}


async def test_key_order_variables_literals_and_explicit_defaults_fingerprint_the_same(
    gateway: tuple[GatewayHarness, Commands],
):
    harness, commands = gateway
    the_key = key()
    literal = """mutation { launchCompute(input: {
      image: {image: "nvcr.io/nvidia/pytorch:24.10-py3", env: []},
      hardware: {region: "us-east-1", gpuCount: 1, gpuModel: "NVIDIA H100 80GB"},
      access: {sshKeyId: "Q3JlZGVudGlhbDpjcmVkLW1hcmNvLWxhcHRvcA==", newSshKey: null},
      basics: {name: "idem-box", projectId: "UHJvamVjdDpwLXZpc2lvbg=="}, network: null
    }) { workload { id } userErrors { code } } }"""
    async with harness.client() as client:
        first = await post(client, LAUNCH_COMPUTE, {"input": compute_input()}, headers={"Idempotency-Key": the_key})
        reordered = dict(reversed(list(compute_input().items())))
        again = await post(client, LAUNCH_COMPUTE, {"input": reordered}, headers={"Idempotency-Key": the_key})
        inline = await post(client, literal, headers={"Idempotency-Key": the_key})
    assert inline["extensions"]["idempotency"]["replayed"] is True, inline
    assert again["extensions"]["idempotency"]["replayed"] is True
    assert {launched(first)["id"], launched(again)["id"], inline["data"]["launchCompute"]["workload"]["id"]} == {
        launched(first)["id"]
    }
    assert commands.take() == [WORKLOAD_POST]


async def test_another_principal_or_another_mutation_with_the_same_key_is_independent(
    gateway: tuple[GatewayHarness, Commands],
):
    harness, commands = gateway
    the_key = key()
    stop = "mutation($id: ID!) { stopWorkload(input: {workloadId: $id}) { workload { status } userErrors { code } } }"
    async with harness.client() as client:
        mine = launched(
            await post(
                client, LAUNCH_COMPUTE, {"input": compute_input("marco-box")}, headers={"Idempotency-Key": the_key}
            )
        )
        priya_key = {"sshKeyId": encode_global_id("Credential", "cred-priya-ws")}
        # Different arguments under the same key: only scoping by principal keeps this from IDEMPOTENCY_KEY_REUSED.
        theirs = await post(
            client,
            LAUNCH_COMPUTE,
            {"input": compute_input("priya-box", access=priya_key)},
            user="u-priya",
            headers={"Idempotency-Key": the_key},
        )
        running = encode_global_id("Workload", "wl-0039")  # running, p-vision
        stopped = await post(client, stop, {"id": running}, headers={"Idempotency-Key": the_key})
    assert theirs["extensions"]["idempotency"]["replayed"] is False
    assert launched(theirs)["id"] != mine["id"]
    assert stopped["data"]["stopWorkload"] == {"workload": {"status": "STOPPED"}, "userErrors": []}
    assert commands.take() == [WORKLOAD_POST, WORKLOAD_POST, ("workloads", "/v1/workloads/wl-0039/stop")]


async def test_validation_failures_are_not_stored_and_a_corrected_retry_with_the_key_succeeds(
    gateway: tuple[GatewayHarness, Commands],
):
    harness, commands = gateway
    the_key = key()
    bad = compute_input(hardware={"gpuModel": "NVIDIA H100 80GB", "gpuCount": 3, "region": "us-east-1"})
    async with harness.client() as client:
        refused = await post(client, LAUNCH_COMPUTE, {"input": bad}, headers={"Idempotency-Key": the_key})
        errors = refused["data"]["launchCompute"]["userErrors"]
        assert errors == [
            {
                "field": ["input", "hardware", "gpuCount"],
                "code": "INVALID",
                "message": "NVIDIA H100 80GB comes in 1 or 8 GPUs per workload.",
            }
        ]
        assert commands.take() == []
        corrected = await post(client, LAUNCH_COMPUTE, {"input": compute_input()}, headers={"Idempotency-Key": the_key})
    assert launched(corrected)["status"] == "PENDING"
    assert corrected["extensions"]["idempotency"]["replayed"] is False
    assert commands.take() == [WORKLOAD_POST]


async def test_a_request_still_running_answers_in_progress_with_a_retry_hint(gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway
    entered, release = asyncio.Event(), asyncio.Event()

    async def hold(request: httpx.Request, inner: httpx.AsyncBaseTransport) -> httpx.Response:
        del commands.faults[WORKLOAD_POST]  # only the first request is held
        entered.set()
        await release.wait()
        return await inner.handle_async_request(request)

    commands.faults[WORKLOAD_POST] = hold
    the_key = key()
    async with harness.client() as client:
        first = asyncio.create_task(
            post(client, LAUNCH_COMPUTE, {"input": compute_input()}, headers={"Idempotency-Key": the_key})
        )
        try:
            await asyncio.wait_for(entered.wait(), 10)
            busy = await post(client, LAUNCH_COMPUTE, {"input": compute_input()}, headers={"Idempotency-Key": the_key})
        finally:
            release.set()
        done = await first
        after = await post(client, LAUNCH_COMPUTE, {"input": compute_input()}, headers={"Idempotency-Key": the_key})
    (error,) = busy["errors"]
    assert error["extensions"]["code"] == "IDEMPOTENCY_REQUEST_IN_PROGRESS"
    assert 0 < error["extensions"]["retryAfterSeconds"] <= 1
    assert launched(after)["id"] == launched(done)["id"]
    assert commands.take() == [WORKLOAD_POST]


async def test_backend_timeout_then_retry_creates_one_workload(gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway

    async def lose_the_answer(request: httpx.Request, inner: httpx.AsyncBaseTransport) -> httpx.Response:
        del commands.faults[WORKLOAD_POST]  # only the first answer is lost
        await inner.handle_async_request(request)  # the service does the work ...
        raise httpx.ReadTimeout("answer lost", request=request)  # ... and the gateway never hears back

    commands.faults[WORKLOAD_POST] = lose_the_answer
    before = len(documents(harness, "workloads", "workloads"))
    the_key = key()
    async with harness.client() as client:
        timed_out = await post(client, LAUNCH_COMPUTE, {"input": compute_input()}, headers={"Idempotency-Key": the_key})
        retried = await post(client, LAUNCH_COMPUTE, {"input": compute_input()}, headers={"Idempotency-Key": the_key})
    assert codes(timed_out) == ["BACKEND_TIMEOUT"]
    workload = launched(retried)
    created = documents(harness, "workloads", "workloads")
    assert len(created) == before + 1
    assert [w["name"] for w in created].count("idem-box") == 1
    assert commands.take() == [WORKLOAD_POST, WORKLOAD_POST]  # the retry reached the service, which replayed
    assert workload["name"] == "idem-box"


CREATE_BUCKET = """mutation($input: CreateBucketInput!) {
  createBucket(input: $input) { bucket { name } userErrors { field code message } } }"""


async def test_business_refusals_of_a_service_are_stored_and_replayed(gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway
    big = {
        "projectId": "UHJvamVjdDpwLXZpc2lvbg==",
        "purpose": "dataset",
        "provider": "WEKA",
        "region": "us-east-1",
        "quotaBytes": 30 * 1024**4,  # Vision stores 33.2 of its 67 TiB: this fits, 40 TiB does not
    }
    async with harness.client() as client:
        made = await post(
            client, CREATE_BUCKET, {"input": {**big, "name": "vision-big-1"}}, headers={"Idempotency-Key": key()}
        )
        assert made["data"]["createBucket"]["userErrors"] == []
        over_key = key()
        bigger = {**big, "name": "vision-big-2", "quotaBytes": 40 * 1024**4}
        over = await post(client, CREATE_BUCKET, {"input": bigger}, headers={"Idempotency-Key": over_key})
        commands.take()
        replay = await post(client, CREATE_BUCKET, {"input": bigger}, headers={"Idempotency-Key": over_key})
    (refusal,) = over["data"]["createBucket"]["userErrors"]
    assert refusal["code"] == "QUOTA_EXCEEDED" and refusal["field"] == ["input", "quotaBytes"]
    assert replay["data"] == over["data"] and replay["extensions"]["idempotency"]["replayed"] is True
    assert commands.take() == []


async def test_a_retried_action_whose_answer_was_lost_replays_the_action(gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway
    stop_path = ("workloads", "/v1/workloads/wl-0039/stop")
    stop = "mutation($id: ID!) { stopWorkload(input: {workloadId: $id}) { workload { status } userErrors { code } } }"

    async def lose_the_answer(request: httpx.Request, inner: httpx.AsyncBaseTransport) -> httpx.Response:
        del commands.faults[stop_path]
        await inner.handle_async_request(request)  # stopped ...
        raise httpx.ReadTimeout("answer lost", request=request)  # ... but the gateway never hears it

    commands.faults[stop_path] = lose_the_answer
    the_key, running = key(), encode_global_id("Workload", "wl-0039")
    async with harness.client() as client:
        lost = await post(client, stop, {"id": running}, headers={"Idempotency-Key": the_key})
        retried = await post(client, stop, {"id": running}, headers={"Idempotency-Key": the_key})
    assert codes(lost) == ["BACKEND_TIMEOUT"]
    # The workload is stopped by now; the retry gets the stop it asked for, not "cannot stop a stopped workload".
    assert retried["data"]["stopWorkload"] == {"workload": {"status": "STOPPED"}, "userErrors": []}
    assert commands.take() == [stop_path, stop_path]
    events = [
        e
        for e in documents(harness, "workloads", "workload-events")
        if e["workload_id"] == "wl-0039" and e["to_status"] == "stopped"
    ]
    assert len(events) == 1


async def test_a_long_request_keeps_its_lease_renewed(store: StoreConfig):
    # A 1 s lease, a backend call held for several leases: renewal keeps the key in progress throughout.
    harness, commands = harness_with({**store.env, **PATIENT, "GATEWAY_IDEMPOTENCY_LEASE_SECONDS": "1"})
    entered, release = asyncio.Event(), asyncio.Event()

    async def hold(request: httpx.Request, inner: httpx.AsyncBaseTransport) -> httpx.Response:
        del commands.faults[WORKLOAD_POST]  # only the first request is held
        entered.set()
        await release.wait()
        return await inner.handle_async_request(request)

    commands.faults[WORKLOAD_POST] = hold
    the_key = key()
    try:
        async with harness.client() as client:
            first = asyncio.create_task(
                post(client, LAUNCH_COMPUTE, {"input": compute_input()}, headers={"Idempotency-Key": the_key})
            )
            try:
                await asyncio.wait_for(entered.wait(), 10)
                await asyncio.sleep(2.5)  # two and a half leases
                busy = await post(
                    client, LAUNCH_COMPUTE, {"input": compute_input()}, headers={"Idempotency-Key": the_key}
                )
            finally:
                release.set()
            launched(await first)
        assert codes(busy) == ["IDEMPOTENCY_REQUEST_IN_PROGRESS"]
        assert commands.take() == [WORKLOAD_POST]
    finally:
        await harness.app.state.idempotency_store.aclose()
