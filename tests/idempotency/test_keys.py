"""Where keys come from and what they may look like, and failing closed when the store is down."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway.ids import encode_global_id
from tests.idempotency_support import (
    LAUNCH_COMPUTE,
    PUBLIC_KEY,
    VISION,
    Commands,
    codes,
    compute_input,
    harness_with,
    key,
    post,
)
from tests.support import GatewayHarness

MALFORMED = {
    "empty": "",
    "too short": "fifteen-chars-x",
    "10 KB": "k" * 10240,
    "one too long": "k" * 256,
    "non-ASCII": "ключ-идемпотентности-1234",
    "SQL injection": "'; DROP TABLE idempotency_records; --",
    "Lua/Redis injection": "x') redis.call('FLUSHALL') --aaaa",
    "shell injection": "$(rm -rf /)-aaaaaaaaaaaaaaa",
    "path traversal": "../../../../etc/passwd-aaaa",
    "NUL byte": "aaaaaaaaaaaaaaaa\x00bbbb",
    "CRLF": "aaaaaaaaaaaaaaaa\r\nX-Injected: 1",
    "JSON": '{"$gt": ""}-aaaaaaaaaaaaaa',
}

# Every mutation, with an input it would accept (as u-tara, tenant admin of t-acme, or u-olivia, operator).
MUTATIONS: dict[str, tuple[str, dict[str, Any], str]] = {
    "launchCompute": (
        "mutation($i: LaunchComputeInput!) { launchCompute(input: $i) { userErrors { code } } }",
        {"i": compute_input(access={"newSshKey": {"name": "k1", "publicKey": PUBLIC_KEY}})},
        "u-tara",
    ),
    "launchApp": (
        "mutation($i: LaunchAppInput!) { launchApp(input: $i) { userErrors { code } } }",
        {"i": {"basics": {"projectId": VISION, "name": "lab"}, "app": {"appSlug": "jupyter"}}},
        "u-tara",
    ),
    "saveLaunchDraft": ("mutation { saveLaunchDraft(input: {kind: COMPUTE}) { userErrors { code } } }", {}, "u-tara"),
    "discardLaunchDraft": (
        "mutation($d: ID!) { discardLaunchDraft(input: {draftId: $d}) { userErrors { code } } }",
        {"d": encode_global_id("LaunchDraft", "ld-0")},
        "u-tara",
    ),
    "submitLaunchDraft": (
        "mutation($d: ID!) { submitLaunchDraft(input: {draftId: $d}) { userErrors { code } } }",
        {"d": encode_global_id("LaunchDraft", "ld-0")},
        "u-tara",
    ),
    "createBucket": (
        """mutation($p: ID!) { createBucket(input: {projectId: $p, name: "b-new", purpose: "dataset",
                      provider: WEKA, region: "us-east-1", quotaBytes: 1099511627776}) { userErrors { code } } }""",
        {"p": VISION},
        "u-tara",
    ),
    "createStorageGrant": (
        """mutation($b: ID!, $p: ID!) { createStorageGrant(input: {bucketId: $b, projectId: $p,
                            permission: READ}) { userErrors { code } } }""",
        {"b": encode_global_id("Bucket", "bk-0001"), "p": encode_global_id("Project", "p-research")},
        "u-tara",
    ),
    "revokeStorageGrant": (
        "mutation($g: ID!) { revokeStorageGrant(input: {grantId: $g}) { userErrors { code } } }",
        {"g": encode_global_id("StorageGrant", "gr-0001")},
        "u-tara",
    ),
    "issueStorageCredential": (
        """mutation($b: ID!) { issueStorageCredential(input: {bucketId: $b, permission: READ})
                                { userErrors { code } } }""",
        {"b": encode_global_id("Bucket", "bk-0001")},
        "u-tara",
    ),
    "createSshKey": (
        """mutation($k: String!) { createSshKey(input: {name: "new", publicKey: $k})
                      { userErrors { code } } }""",
        {"k": PUBLIC_KEY},
        "u-tara",
    ),
    "createServiceAccount": (
        """mutation($p: ID!) { createServiceAccount(input: {projectId: $p, name: "ci-bot"})
                              { userErrors { code } } }""",
        {"p": VISION},
        "u-tara",
    ),
    "markNotificationsRead": ("mutation { markNotificationsRead(input: {all: true}) { unreadCount } }", {}, "u-tara"),
    "sendTestNotification": ("mutation { sendTestNotification(input: {}) { userErrors { code } } }", {}, "u-tara"),
    **{
        name: (
            f"mutation($n: ID!) {{ {name}(input: {{nodeId: $n}}) {{ userErrors {{ code }} }} }}",
            {"n": encode_global_id("GpuNode", "node-001")},
            "u-olivia",
        )
        for name in ("cordonNode", "uncordonNode", "drainNode")
    },
    "startNodeDecommission": (
        """mutation($n: ID!) { startNodeDecommission(input: {nodeId: $n, reason: "lease end"})
                               { userErrors { code } } }""",
        {"n": encode_global_id("GpuNode", "node-004")},
        "u-olivia",
    ),
    **{
        f"{action}Workload": (
            f"mutation($w: ID!) {{ {action}Workload(input: {{workloadId: $w}}) {{ userErrors {{ code }} }} }}",
            {"w": encode_global_id("Workload", workload)},
            "u-tara",
        )
        for action, workload in (
            ("stop", "wl-0039"),
            ("start", "wl-0005"),
            ("restart", "wl-0039"),
            ("terminate", "wl-0039"),
        )
    },
}


@pytest.fixture
async def gateway(tmp_path: Any) -> AsyncIterator[tuple[GatewayHarness, Commands]]:
    harness, commands = harness_with({"GATEWAY_IDEMPOTENCY_STORE": f"sqlite:///{tmp_path}/idempotency.sqlite3"})
    yield harness, commands
    await harness.app.state.idempotency_store.aclose()


def test_the_suite_covers_every_mutation_of_the_schema() -> None:
    from schema import schema

    assert set(MUTATIONS) == set(schema._schema.mutation_type.fields)


@pytest.mark.parametrize("label", list(MALFORMED))
async def test_malformed_keys_are_rejected_without_a_backend_call(label: str, gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway
    bad = MALFORMED[label]
    async with harness.client() as client:
        in_input = await post(client, LAUNCH_COMPUTE, {"input": {**compute_input(), "idempotencyKey": bad}})
        header_value = bad.encode("utf-8")
        sendable = b"\r" not in header_value and b"\n" not in header_value and b"\x00" not in header_value
        in_header = (
            (await post(client, LAUNCH_COMPUTE, {"input": compute_input()}, headers={"Idempotency-Key": header_value}))
            if sendable
            else in_input
        )
    for body in (in_input, in_header):
        assert codes(body) == ["IDEMPOTENCY_KEY_INVALID"], body
        assert bad[:12] not in body["errors"][0]["message"] or not bad  # never echoed
    assert commands.take() == []


async def test_a_missing_key_is_required(gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway
    async with harness.client() as client:
        body = await post(client, LAUNCH_COMPUTE, {"input": compute_input()})
    assert codes(body) == ["IDEMPOTENCY_KEY_REQUIRED"]
    assert "Idempotency-Key" in body["errors"][0]["message"] and commands.take() == []


async def test_header_and_input_keys_must_agree(gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway
    the_key = key()
    async with harness.client() as client:
        differ = await post(
            client,
            LAUNCH_COMPUTE,
            {"input": {**compute_input(), "idempotencyKey": key()}},
            headers={"Idempotency-Key": the_key},
        )
        same = await post(
            client,
            LAUNCH_COMPUTE,
            {"input": {**compute_input(), "idempotencyKey": the_key}},
            headers={"Idempotency-Key": the_key},
        )
        header_only = await post(
            client, LAUNCH_COMPUTE, {"input": compute_input()}, headers={"Idempotency-Key": the_key}
        )
    assert codes(differ) == ["IDEMPOTENCY_KEY_INVALID"]
    assert same["data"]["launchCompute"]["userErrors"] == []
    assert header_only["extensions"]["idempotency"]["replayed"] is True  # same key, same arguments: one launch
    assert commands.take() == [("workloads", "/v1/workloads")]


TWO_STOPS = """mutation($a: ID!, $b: ID!, $ka: String, $kb: String) {
  first: stopWorkload(input: {workloadId: $a, idempotencyKey: $ka}) { workload { status } }
  second: stopWorkload(input: {workloadId: $b, idempotencyKey: $kb}) { workload { status } }
}"""


async def test_the_header_is_refused_for_documents_with_several_mutation_fields(
    gateway: tuple[GatewayHarness, Commands],
):
    harness, commands = gateway
    ids = {"a": encode_global_id("Workload", "wl-0039"), "b": encode_global_id("Workload", "wl-0011")}
    async with harness.client() as client:
        with_header = await post(client, TWO_STOPS, ids, headers={"Idempotency-Key": key()})
        per_field = await post(client, TWO_STOPS, {**ids, "ka": key(), "kb": key()})
    assert codes(with_header) == ["IDEMPOTENCY_KEY_INVALID", "IDEMPOTENCY_KEY_INVALID"]
    assert per_field["data"] == {
        "first": {"workload": {"status": "STOPPED"}},
        "second": {"workload": {"status": "STOPPED"}},
    }
    assert [f["path"] for f in per_field["extensions"]["idempotency"]["fields"]] == ["first", "second"]
    assert commands.take() == [("workloads", "/v1/workloads/wl-0039/stop"), ("workloads", "/v1/workloads/wl-0011/stop")]


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


DOWN_STORES = {
    "sqlite": lambda tmp: f"sqlite:///{tmp}/not-a-directory/idempotency.sqlite3",
    "redis": lambda tmp: f"redis://127.0.0.1:{_unused_port()}/0",
}


@pytest.mark.parametrize("kind", list(DOWN_STORES))
@pytest.mark.parametrize("mutation", list(MUTATIONS))
async def test_every_mutation_fails_closed_when_the_store_is_down(kind: str, mutation: str, tmp_path: Any):
    (tmp_path / "not-a-directory").write_text("a file where the store's directory should be")
    harness, commands = harness_with(
        {"GATEWAY_IDEMPOTENCY_STORE": DOWN_STORES[kind](tmp_path), "GATEWAY_IDEMPOTENCY_STORE_TIMEOUT_SECONDS": "0.5"}
    )
    document, variables, user = MUTATIONS[mutation]
    async with harness.client() as client:
        await post(client, "{ viewer { persona } }", user=user)  # the viewer is cached: the mutation alone follows
        harness.calls()
        body = await post(client, document, variables, user=user, headers={"Idempotency-Key": key()})
        reads = await post(client, "{ workloads(first: 1) { totalCount } }", user=user)
    assert codes(body) == ["IDEMPOTENCY_STORE_UNAVAILABLE"] and body["data"][mutation] is None
    assert harness.calls().keys() <= {"workloads /v1/workloads"}  # only the read that followed
    assert commands.take() == []
    assert reads["data"]["workloads"]["totalCount"] > 0  # reads go on while the store is down
    await harness.app.state.idempotency_store.aclose()


@pytest.mark.socket  # a redis-server process of its own
@pytest.mark.redis
async def test_redis_going_away_mid_life_fails_mutations_closed(tmp_path: Any):
    server = shutil.which("redis-server")
    assert server, "redis-server is required (.ci/run installs and starts Redis)"
    port = _unused_port()
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
            first = await post(client, LAUNCH_COMPUTE, {"input": compute_input()}, headers={"Idempotency-Key": key()})
            assert first["data"]["launchCompute"]["userErrors"] == []
            commands.take()
            process.kill()
            process.wait(timeout=10)
            after = await post(
                client, LAUNCH_COMPUTE, {"input": compute_input("second-box")}, headers={"Idempotency-Key": key()}
            )
        assert codes(after) == ["IDEMPOTENCY_STORE_UNAVAILABLE"] and commands.take() == []
        await harness.app.state.idempotency_store.aclose()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
