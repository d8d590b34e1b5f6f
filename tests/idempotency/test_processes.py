"""Idempotency across real processes: two ``gateway serve`` replicas sharing a store, reference services on
sockets. Concurrent identical launches create one workload; a replica killed (SIGKILL) after its backend
calls and before recording the outcome leaves nothing for the retry to create twice.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gateway.ids import encode_global_id
from tests.idempotency_support import LAUNCH_COMPUTE, STORES, compute_input, fresh_public_key, key, store_config
from tests.processes import (
    BIN,
    bearer,
    free_port,
    gateway_process_env,
    reference_services,
    start,
    stop,
    wait_healthy,
)

pytestmark = pytest.mark.socket
CONCURRENT = 50
MAX_ATTEMPTS = 100


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Reference services on sockets, with latency so that concurrent requests overlap; plus the
    GATEWAY_DATA_DIR whose signing key every replica verifies tokens with."""
    with reference_services("--latency-ms", "30") as urls:
        yield {**urls, "GATEWAY_DATA_DIR": str(tmp_path_factory.mktemp("gateway-data"))}


@pytest.fixture(scope="module")
def marco(services: dict[str, str]) -> dict[str, str]:
    """u-marco's bearer token (a member of p-vision and p-llm)."""
    return bearer(services, "u-marco")


def replica(services: dict[str, str], store_env: dict[str, str], *faults: str) -> tuple[str, Any]:
    """Start one gateway process using the shared store (``faults``: test-only hooks); its URL and process."""
    port = free_port()
    extra = {"GATEWAY_TEST_FAULTS": ",".join(faults)} if faults else {}
    env = gateway_process_env(
        **services, **store_env, **extra, GATEWAY_LOG_LEVEL="warning", GATEWAY_IDEMPOTENCY_LEASE_SECONDS="1"
    )
    return f"http://127.0.0.1:{port}", start(str(BIN / "gateway"), "serve", "--port", str(port), env=env)


def healthy(*started: tuple[str, Any]) -> None:
    """Wait until each started replica answers; on failure, show what it printed."""
    for url, process in started:
        try:
            wait_healthy(f"{url}/healthz", process)
        except AssertionError:
            stop(process)
            readable = process.stdout is not None and not process.stdout.closed
            output = process.stdout.read().decode(errors="replace") if readable else ""
            raise AssertionError(f"gateway replica did not start: {output[-2000:]}") from None


@pytest.fixture(scope="module", params=STORES)
def replicas(
    request: pytest.FixtureRequest, services: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[dict[str, str], list[tuple[str, Any]]]]:
    """Two healthy replicas sharing one store (per store kind, for the whole module): its env and the replicas."""
    config = store_config(request.param, tmp_path_factory.mktemp("store"))
    started = [replica(services, config.env) for _ in range(2)]
    try:
        healthy(*started)
        yield config.env, started
    finally:
        for _, process in started:
            stop(process)
        config.cleanup()


async def launch_until_done(
    client: httpx.AsyncClient, url: str, variables: dict[str, Any], the_key: str, auth: dict[str, str]
) -> Any:
    """Send the launch, retrying while the key is in progress (as the error's hint says)."""
    for _ in range(MAX_ATTEMPTS):
        response = await client.post(
            f"{url}/graphql",
            json={"query": LAUNCH_COMPUTE, "variables": variables},
            headers={**auth, "idempotency-key": the_key},
        )
        body = response.json()
        errors = body.get("errors") or []
        if errors and errors[0]["extensions"]["code"] == "IDEMPOTENCY_REQUEST_IN_PROGRESS":
            await asyncio.sleep(errors[0]["extensions"]["retryAfterSeconds"])
            continue
        assert not errors, body
        payload = body["data"]["launchCompute"]
        assert payload["userErrors"] == [], payload
        return payload
    raise AssertionError("the key stayed in progress")


def named(services: dict[str, str], domain: str, resource: str, name: str) -> list[dict[str, Any]]:
    """Documents of a resource with this name, read straight from the service."""
    found = httpx.get(
        f"{services[f'GATEWAY_{domain.upper()}_URL']}/v1/{resource}", params={"limit": "1000"}, timeout=10
    ).json()["items"]
    return [d for d in found if d["name"] == name]


async def test_fifty_concurrent_identical_launches_on_two_replicas_create_one_workload(
    services: dict[str, str], replicas: tuple[dict[str, str], list[tuple[str, Any]]], marco: dict[str, str]
):
    _, started = replicas
    name = f"race-{key('r')[2:10]}"
    the_key, variables = key(), {"input": compute_input(name)}
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=CONCURRENT)) as client:
        payloads = await asyncio.gather(
            *(launch_until_done(client, started[i % 2][0], variables, the_key, marco) for i in range(CONCURRENT))
        )
    assert len({p["workload"]["id"] for p in payloads}) == 1
    assert len(named(services, "workloads", "workloads", name)) == 1


async def test_a_replica_killed_after_its_backend_calls_leaves_nothing_to_create_twice(
    services: dict[str, str], replicas: tuple[dict[str, str], list[tuple[str, Any]]], marco: dict[str, str]
):
    store_env, (survivor, _) = replicas
    crashing = replica(services, store_env, "crash-after-backend-call")
    healthy(crashing)
    suffix = key("c")[2:10]
    name, ssh_name, bucket_name = f"crash-{suffix}", f"key-{suffix}", f"bucket-{suffix}"
    variables = {
        "input": compute_input(
            name,
            access={"newSshKey": {"name": ssh_name, "publicKey": fresh_public_key(suffix)}},
            storage={
                "newBucket": {
                    "name": bucket_name,
                    "purpose": "dataset",
                    "provider": "WEKA",
                    "region": "us-east-1",
                    "quotaBytes": 1024**4,
                    "mountPath": "/mnt/data",
                }
            },
        )
    }
    the_key = key()
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            with pytest.raises(httpx.TransportError):  # the replica dies before it answers
                await client.post(
                    f"{crashing[0]}/graphql",
                    json={"query": LAUNCH_COMPUTE, "variables": variables},
                    headers={**marco, "idempotency-key": the_key},
                )
            assert crashing[1].wait(timeout=10) == -signal.SIGKILL
            created = named(services, "workloads", "workloads", name)
            assert len(created) == 1  # the backend call happened before the crash
            retried = await launch_until_done(client, survivor[0], variables, the_key, marco)
            again = await launch_until_done(client, survivor[0], variables, the_key, marco)
    finally:
        stop(crashing[1])
    assert retried["workload"]["id"] == again["workload"]["id"] == encode_global_id("Workload", created[0]["id"])
    assert [w["id"] for w in named(services, "workloads", "workloads", name)] == [created[0]["id"]]
    assert len(named(services, "storage", "buckets", bucket_name)) == 1
    assert len(named(services, "access", "credentials", ssh_name)) == 1
