"""Evidence: user, project, tenant and platform scopes over audit events; who may read which (FORBIDDEN,
NOT_FOUND), filters, keyset pagination, the detail drawer, allow-listed details and masked addresses."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

import pytest

from gateway.ids import decode_global_id, encode_global_id
from gateway.settings import Settings
from reference_services.seed import SECRET_MARKER
from reference_services.seed_audit import IPS
from tests.support import PERSONA_USERS, GatewayHarness, build_harness

pytestmark = pytest.mark.asyncio(loop_scope="module")

EVIDENCE = """query Evidence($scope: EvidenceScope!, $project: ID, $tenant: ID, $filter: EvidenceFilter,
                            $first: Int, $after: String) {
  evidence(scope: $scope, project: $project, tenant: $tenant, filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id action title scope outcome at sourceIp route
      actor { kind displayName user { id } serviceAccount { id name } }
      target { type localId label route nodeId }
      details { key value }
      project { id } tenant { id }
    } }
  }
}"""
DETAIL = """query Detail($id: ID!) { evidenceEvent(id: $id) { id action at actor { displayName } details { key value }
  target { label route } } }"""
SECRET_KEYS = {
    "secret_value",
    "client_secret",
    "password_attempt",
    "card_number",
    "totp_secret",
    "api_key",
    "authorization",
    "cookie",
}


def gid(type_name: str, local: str) -> str:
    return encode_global_id(type_name, local)


@pytest.fixture(scope="module")
def harness() -> GatewayHarness:
    """One seeded gateway for the module (every test only reads); the viewer is cached as in production."""
    return build_harness(settings=Settings.from_env({}, viewer_cache_seconds=3600))


async def evidence(harness: GatewayHarness, persona: str, **variables: Any) -> dict[str, Any]:
    body = await harness.query(EVIDENCE, {"first": 100, **variables}, persona=persona)
    assert SECRET_MARKER not in json.dumps(body)
    return body


async def every_page(harness: GatewayHarness, persona: str, **variables: Any) -> list[dict[str, Any]]:
    """Every event of a window, walking its pages (the seed's tenants have more than one page)."""
    found: list[dict[str, Any]] = []
    after = None
    while True:
        body = await evidence(harness, persona, after=after, **variables)
        found.extend(nodes(body))
        page = body["data"]["evidence"]["pageInfo"]
        if not page["hasNextPage"]:
            return found
        after = page["endCursor"]


def nodes(body: dict[str, Any]) -> list[dict[str, Any]]:
    assert "errors" not in body, body["errors"]
    return [edge["node"] for edge in body["data"]["evidence"]["edges"]]


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


@pytest.mark.parametrize("persona", sorted(PERSONA_USERS))
async def test_user_scope_is_the_viewers_own_actions(harness: GatewayHarness, persona: str) -> None:
    events = nodes(await evidence(harness, persona, scope="USER"))
    assert len(events) >= 3
    me = gid("User", PERSONA_USERS[persona])
    assert {e["actor"]["user"]["id"] for e in events} == {me}
    stamps = [e["at"] for e in events]
    assert stamps == sorted(stamps, reverse=True), "newest first"


@pytest.mark.parametrize(
    ("persona", "project"),
    [
        ("member", "p-vision"),
        ("member", "p-llm"),
        ("project-admin", "p-llm"),
        ("tenant-admin", "p-research"),
        ("operator", "p-robotics"),
        ("other-tenant-admin", "p-genomics"),
        ("other-tenant-member", "p-genomics"),
    ],
)
async def test_project_scope_shows_one_visible_project(harness: GatewayHarness, persona: str, project: str) -> None:
    events = nodes(await evidence(harness, persona, scope="PROJECT", project=gid("Project", project)))
    assert events and {e["project"]["id"] for e in events} == {gid("Project", project)}
    assert {e["scope"] for e in events} == {"PROJECT"}


@pytest.mark.parametrize(
    ("persona", "project", "code"),
    [
        ("member", "p-research", "NOT_FOUND"),
        ("member", "p-genomics", "NOT_FOUND"),
        ("other-tenant-admin", "p-vision", "NOT_FOUND"),
        ("tenant-admin", "p-nowhere", "NOT_FOUND"),
        ("member", None, "BAD_USER_INPUT"),
    ],
)
async def test_project_scope_rejects_projects_out_of_view(
    harness: GatewayHarness, persona: str, project: str | None, code: str
) -> None:
    body = await evidence(harness, persona, scope="PROJECT", project=gid("Project", project) if project else None)
    assert codes(body) == [code] and body["data"]["evidence"] is None


async def test_tenant_scope_is_for_tenant_admins_and_operators(harness: GatewayHarness) -> None:
    acme = nodes(await evidence(harness, "tenant-admin", scope="TENANT"))
    assert {e["tenant"]["id"] for e in acme} == {gid("Tenant", "t-acme")}
    assert {"USER", "PROJECT", "TENANT"} <= {e["scope"] for e in acme}
    operator_view = nodes(await evidence(harness, "operator", scope="TENANT", tenant=gid("Tenant", "t-acme")))
    assert [e["id"] for e in operator_view] == [e["id"] for e in acme]
    support = next(e for e in acme if e["action"] == "support.session_started")
    assert support["actor"] == {
        "kind": "USER",
        "displayName": "GPU Cloud operator",
        "user": None,
        "serviceAccount": None,
    }, "operators act on tenants without being named to them"
    for persona in ("member", "project-admin", "other-tenant-member"):
        assert codes(await evidence(harness, persona, scope="TENANT")) == ["FORBIDDEN"]
    assert codes(await evidence(harness, "tenant-admin", scope="TENANT", tenant=gid("Tenant", "t-globex"))) == [
        "NOT_FOUND"
    ]
    assert codes(await evidence(harness, "operator", scope="TENANT")) == ["BAD_USER_INPUT"]


async def test_platform_scope_is_for_operators_only(harness: GatewayHarness) -> None:
    events = nodes(await evidence(harness, "operator", scope="PLATFORM"))
    assert {"PLATFORM", "TENANT", "PROJECT", "USER"} <= {e["scope"] for e in events}
    platform = [e for e in events if e["scope"] == "PLATFORM"]
    assert platform and all(
        e["tenant"] is None and e["route"].startswith("/platform/evidence#event=") for e in platform
    )
    assert any(e["target"]["type"] == "node" and e["target"]["route"].startswith("/platform/nodes/") for e in platform)
    for persona in sorted(set(PERSONA_USERS) - {"operator"}):
        body = await evidence(harness, persona, scope="PLATFORM")
        assert codes(body) == ["FORBIDDEN"] and body["data"]["evidence"] is None


async def test_filters_narrow_by_action_actor_target_outcome_and_time(harness: GatewayHarness) -> None:
    everything = await every_page(harness, "tenant-admin", scope="TENANT")
    body = await evidence(harness, "tenant-admin", scope="TENANT", filter={"actions": ["invite.sent"]})
    assert {e["action"] for e in nodes(body)} == {"invite.sent"}
    assert len(nodes(body)) == sum(e["action"] == "invite.sent" for e in everything)
    priya = gid("User", "u-priya")
    by_actor = nodes(await evidence(harness, "tenant-admin", scope="TENANT", filter={"actorIds": [priya]}))
    assert by_actor and {e["actor"]["user"]["id"] for e in by_actor} == {priya}
    by_target = nodes(
        await evidence(
            harness, "tenant-admin", scope="TENANT", filter={"targetTypes": ["credential", "service_account"]}
        )
    )
    assert {e["target"]["type"] for e in by_target} == {"credential", "service_account"}
    denied = nodes(await evidence(harness, "operator", scope="PLATFORM", filter={"outcomes": ["DENIED"]}))
    assert denied and {e["outcome"] for e in denied} == {"DENIED"}
    middle = everything[len(everything) // 2]["at"]
    newer = await every_page(harness, "tenant-admin", scope="TENANT", filter={"since": middle})
    older = await every_page(harness, "tenant-admin", scope="TENANT", filter={"until": middle})
    assert all(e["at"] >= middle for e in newer) and all(e["at"] < middle for e in older)
    assert len(newer) + len(older) == len(everything)
    # A USER window intersects an actor filter: someone else's actions are simply not there.
    mine = await evidence(harness, "member", scope="USER", filter={"actorIds": [priya]})
    assert nodes(mine) == [] and mine["data"]["evidence"]["totalCount"] == 0


@pytest.mark.parametrize(
    "bad_filter",
    [
        {"since": "2026-06-02T00:00:00Z", "until": "2026-06-01T00:00:00Z"},
        {"actions": ["a,b"]},
        {"actions": [f"a{i}" for i in range(51)]},
        {"actorIds": [gid("Project", "p-llm")]},
    ],
)
async def test_bad_filters_are_bad_user_input(harness: GatewayHarness, bad_filter: dict[str, Any]) -> None:
    body = await evidence(harness, "tenant-admin", scope="TENANT", filter=bad_filter)
    assert codes(body) == ["BAD_USER_INPUT"]


async def test_cursor_pagination_walks_the_services_keyset_pages(harness: GatewayHarness) -> None:
    everything = await every_page(harness, "operator", scope="PLATFORM")
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        body = await evidence(harness, "operator", scope="PLATFORM", first=7, after=after)
        connection = body["data"]["evidence"]
        assert connection["totalCount"] == len(everything) > 50
        seen += [edge["node"]["id"] for edge in connection["edges"]]
        pages += 1
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
        assert after == connection["edges"][-1]["cursor"]
    assert seen == [e["id"] for e in everything] and pages == -(-len(everything) // 7)
    assert codes(await evidence(harness, "operator", scope="PLATFORM", after="not-a-cursor")) == ["BAD_USER_INPUT"]
    counts_only = (await evidence(harness, "operator", scope="PLATFORM", first=0))["data"]["evidence"]
    assert counts_only["edges"] == [] and counts_only["totalCount"] == len(everything)


async def test_detail_drawer_and_node_follow_the_same_visibility(harness: GatewayHarness) -> None:
    globex_event = nodes(await evidence(harness, "other-tenant-admin", scope="TENANT", first=1))[0]
    body = await harness.query(DETAIL, {"id": globex_event["id"]}, persona="other-tenant-admin")
    assert body["data"]["evidenceEvent"]["id"] == globex_event["id"]
    for persona in ("tenant-admin", "member"):
        body = await harness.query(DETAIL, {"id": globex_event["id"]}, persona=persona)
        assert codes(body) == ["NOT_FOUND"] and body["data"]["evidenceEvent"] is None
    missing = await harness.query(DETAIL, {"id": gid("AuditEvent", "aud-99999")}, persona="operator")
    assert codes(missing) == ["NOT_FOUND"] and missing["errors"][0]["message"] == body["errors"][0]["message"]
    own = nodes(await evidence(harness, "member", scope="USER", first=1))[0]
    node = await harness.query(
        "query($id: ID!) { node(id: $id) { id ... on AuditEvent { action } } }", {"id": own["id"]}, persona="member"
    )
    assert node["data"]["node"] == {"id": own["id"], "action": own["action"]}
    assert decode_global_id(own["id"])[0] == "AuditEvent"


async def test_details_are_allow_listed_and_addresses_masked(harness: GatewayHarness) -> None:
    store = harness.services["access"].state.store
    stored = store.query("audit_events", {}, limit=1000).items
    assert any(SECRET_KEYS & set(doc["details"]) for doc in stored), "the seed puts secrets in details"
    events = await every_page(harness, "operator", scope="PLATFORM")
    assert not {d["key"] for e in events for d in e["details"]} & SECRET_KEYS
    text = json.dumps(events)
    assert not any(ip in text for ip in IPS)
    for event in events:
        if event["actor"]["kind"] == "SYSTEM":
            assert event["sourceIp"] is None
        else:
            network = ipaddress.ip_network(event["sourceIp"])
            assert network.prefixlen == (24 if network.version == 4 else 48)
    created = next(e for e in events if e["action"] == "credential.created")
    assert {d["key"] for d in created["details"]} == {"kind"}
    assert created["target"]["nodeId"] == gid("Credential", created["target"]["localId"])


@pytest.mark.parametrize("persona", ["member", "tenant-admin", "operator"])
async def test_evidence_page_makes_one_backend_call_per_resource_type(harness: GatewayHarness, persona: str) -> None:
    scope = {"operator": "PLATFORM", "tenant-admin": "TENANT", "member": "USER"}[persona]
    await harness.query("{ viewer { persona } }", persona=persona)
    harness.calls()
    nodes(await evidence(harness, persona, scope=scope))
    calls = harness.calls()
    assert calls["access /v1/audit-events"] == 1
    assert all(count == 1 for count in calls.values()), calls
