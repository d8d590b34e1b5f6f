"""SSH keys, service accounts, notification read marks, operator node operations, and the services' command API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.ids import encode_global_id
from reference_services.embedded import create_services
from reference_services.seed import SECRET_MARKER
from resolvers.access.ssh_keys import parse_public_key
from tests.idempotency_support import LLM, VISION, Commands, codes, fresh_public_key, mutate, open_gateway, post
from tests.support import GatewayHarness

SSH = """mutation($name: String!, $key: String!) { createSshKey(input: {name: $name, publicKey: $key}) {
  sshKey { id name kind fingerprint status } userErrors { field message code } } }"""
ACCOUNT = """mutation($p: ID!, $name: String!) { createServiceAccount(input: {projectId: $p, name: $name}) {
  serviceAccount { id name disabled } userErrors { field code } } }"""
READ_MARKS = """mutation($ids: [ID!], $all: Boolean! = false) { markNotificationsRead(input: {ids: $ids, all: $all}) {
  markedIds unreadCount userErrors { code } } }"""
UNREAD = "{ notifications(first: 0) { unreadCount } }"
NODE = """mutation($n: ID!) {{ {op}(input: {{nodeId: $n{extra}}}) {{
  node {{ id status }} decommissionTask {{ reason stage }} userErrors {{ field message code }} }} }}"""


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[GatewayHarness, Commands]]:
    async with open_gateway() as opened:
        yield opened


async def test_create_ssh_key_answers_the_fingerprint_never_key_material(gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway
    public_key = fresh_public_key("marco@desk")
    parsed = parse_public_key(public_key)
    assert not isinstance(parsed, str)
    async with harness.client() as client:
        body = await mutate(client, SSH, {"name": "desk", "key": public_key})
        duplicate = await mutate(client, SSH, {"name": "desk-2", "key": public_key})
        private = await mutate(
            client, SSH, {"name": "oops", "key": "-----BEGIN OPENSSH " + "PRIVATE KEY-----\nb3BlbnNzaA==\n-----END"}
        )
    key = body["data"]["createSshKey"]["sshKey"]
    assert key["name"] == "desk" and key["kind"] == "SSH_KEY" and key["fingerprint"] == parsed.fingerprint
    assert duplicate["data"]["createSshKey"]["userErrors"][0]["code"] == "ALREADY_EXISTS"
    (refused,) = private["data"]["createSshKey"]["userErrors"]
    assert refused["field"] == ["input", "publicKey"] and "private key" in refused["message"]
    assert commands.take() == [("access", "/v1/credentials"), ("access", "/v1/credentials")]
    assert SECRET_MARKER not in json.dumps(body) and "PRIVATE" not in json.dumps(body)


@pytest.mark.parametrize(
    ("user", "project", "outcome"),
    [
        ("u-priya", LLM, "created"),  # project admin
        ("u-tara", VISION, "created"),  # tenant admin
        ("u-marco", LLM, "FORBIDDEN"),  # member
        ("u-gina", LLM, "NOT_FOUND"),  # another tenant
    ],
)
async def test_who_may_create_service_accounts(
    gateway: tuple[GatewayHarness, Commands], user: str, project: str, outcome: str
):
    harness, _ = gateway
    async with harness.client() as client:
        body = await mutate(client, ACCOUNT, {"p": project, "name": "eval-runner"}, user=user)
    if outcome == "created":
        assert body["data"]["createServiceAccount"] == {
            "serviceAccount": {
                "id": body["data"]["createServiceAccount"]["serviceAccount"]["id"],
                "name": "eval-runner",
                "disabled": False,
            },
            "userErrors": [],
        }
    else:
        assert codes(body) == [outcome]


async def test_mark_notifications_read_moves_the_unread_badge(gateway: tuple[GatewayHarness, Commands]):
    harness, _ = gateway
    async with harness.client() as client:
        before = (await post(client, UNREAD))["data"]["notifications"]["unreadCount"]
        listed = await post(client, "{ notifications(first: 50) { edges { node { id readAt } } } }")
        unread = [e["node"]["id"] for e in listed["data"]["notifications"]["edges"] if e["node"]["readAt"] is None]
        one = await mutate(client, READ_MARKS, {"ids": unread[:1]})
        theirs = await mutate(client, READ_MARKS, {"ids": [encode_global_id("Notification", "ntf-priya-001")]})
        rest = await mutate(client, READ_MARKS, {"all": True})
        after = (await post(client, UNREAD))["data"]["notifications"]["unreadCount"]
    assert before > 1
    assert one["data"]["markNotificationsRead"] == {
        "markedIds": unread[:1],
        "unreadCount": before - 1,
        "userErrors": [],
    }
    assert codes(theirs) == ["NOT_FOUND"]
    assert rest["data"]["markNotificationsRead"]["unreadCount"] == 0 and after == 0


async def test_operators_cordon_drain_uncordon_and_decommission_nodes(gateway: tuple[GatewayHarness, Commands]):
    harness, _ = gateway
    node = encode_global_id("GpuNode", "node-001")  # ready
    async with harness.client() as client:

        def op(name: str, extra: str = "") -> str:
            return NODE.format(op=name, extra=extra)

        cordoned = await mutate(client, op("cordonNode"), {"n": node}, user="u-olivia")
        again = await mutate(client, op("cordonNode"), {"n": node}, user="u-olivia")
        drained = await mutate(client, op("drainNode"), {"n": node}, user="u-olivia")
        decommission = await mutate(
            client, op("startNodeDecommission", ', reason: "end of lease"'), {"n": node}, user="u-olivia"
        )
        ready = encode_global_id("PlatformNode", "node-002")
        too_early = await mutate(client, op("startNodeDecommission", ', reason: "x"'), {"n": ready}, user="u-olivia")
        back = await mutate(client, op("uncordonNode"), {"n": encode_global_id("GpuNode", "node-004")}, user="u-olivia")
        tenant = await mutate(client, op("cordonNode"), {"n": ready}, user="u-tara")
    assert cordoned["data"]["cordonNode"]["node"]["status"] == "CORDONED"
    assert again["data"]["cordonNode"]["userErrors"] == [
        {"field": ["input", "nodeId"], "code": "INVALID_STATE", "message": "Cannot cordon a node that is cordoned."}
    ]
    assert drained["data"]["drainNode"]["node"]["status"] == "DRAINING"
    started = decommission["data"]["startNodeDecommission"]
    assert started["node"]["status"] == "DECOMMISSIONING"
    assert started["decommissionTask"] == {"reason": "end of lease", "stage": "DRAINING"}
    assert "Cordon or drain it first" in too_early["data"]["startNodeDecommission"]["userErrors"][0]["message"]
    assert back["data"]["uncordonNode"]["node"]["status"] == "READY"
    assert codes(tenant) == ["FORBIDDEN"]


async def test_reference_services_document_and_dedupe_their_commands():
    apps = create_services()
    document = apps["workloads"].state.store  # the service's own store, to count what a command created
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=apps["workloads"]), base_url="http://w") as client:
        openapi = (await client.get("/openapi.json")).json()
        body = {
            "tenant_id": "t-acme",
            "project_id": "p-vision",
            "owner_id": "u-marco",
            "name": "api-box",
            "gpu": {"model": "NVIDIA H100 80GB", "count": 1},
            "image": "img",
        }
        bad = await client.post("/v1/workloads", json={**body, "gpu": "eight"}, headers={"Idempotency-Key": "svc-1"})
        first = await client.post("/v1/workloads", json=body, headers={"Idempotency-Key": "svc-1"})
        replay = await client.post("/v1/workloads", json=body, headers={"Idempotency-Key": "svc-1"})
        reused = await client.post(
            "/v1/workloads", json={**body, "name": "other"}, headers={"Idempotency-Key": "svc-1"}
        )
        stopped = await client.post(f"/v1/workloads/{first.json()['id']}/stop", headers={"Idempotency-Key": "svc-2"})
    post = openapi["paths"]["/v1/workloads"]["post"]
    assert {p["name"] for p in post["parameters"]} == {"Idempotency-Key", "X-Actor-Id"}
    assert {"409", "422"} <= set(post["responses"]) and "/v1/workloads/{id}/stop" in openapi["paths"]
    assert bad.status_code == 400  # malformed: not recorded, so the key still works
    assert first.status_code == 201 and replay.status_code == 201
    assert replay.json() == first.json() and replay.headers["idempotent-replayed"] == "true"
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "idempotency_key_reused"
    assert stopped.status_code == 409 and stopped.json()["error"] == {
        "code": "invalid_transition",
        "field": "status",
        "message": "Cannot stop: the workload is waiting for capacity.",
    }
    created = [
        w for w in document.query("workloads", {"project_id": ["p-vision"]}, limit=1000).items if w["name"] == "api-box"
    ]
    assert len(created) == 1
