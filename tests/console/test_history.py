"""Audit and recent changes are the real history: every action taken through the gateway appears in the
overviews' recent changes and on the audit page with its actor and time, and the seeded audit agrees with the
seeded objects' own timelines (workloads, buckets, grants)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest

from gateway.ids import decode_global_id, encode_global_id
from tests import route_operations as ops
from tests.invariants.pages import clock_of
from tests.support import GatewayHarness, build_harness

PROJECT_PAGE = ops.document(ops.ROUTES["/project/overview"])
TENANT_PAGE = ops.document(ops.ROUTES["/tenant/overview"])
AUDIT = """query($scope: EvidenceScope!, $project: ID, $first: Int!, $after: String) {
  evidence(scope: $scope, project: $project, first: $first, after: $after) {
    edges { node { action at actor { kind displayName } target { type localId label } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
STOP = "mutation($id: ID!) { stopWorkload(input: {workloadId: $id}) { workload { status } userErrors { code } } }"
GRANT = """mutation($input: CreateStorageGrantInput!) {
  createStorageGrant(input: $input) { grant { id } userErrors { code message } } }"""
REVOKE = """mutation($input: RevokeStorageGrantInput!) {
  revokeStorageGrant(input: $input) { grant { id active } userErrors { code message } } }"""
WORKLOAD_EVENTS = """query($ids: [ID!]!) { nodes(ids: $ids) {
  ... on Workload { id name tabs { events { type toStatus at } } } } }"""
BUCKET_EVENTS = """query($id: ID!) { bucket(id: $id) { name tabs { events { type message at } } } }"""


def gid(type_name: str, local: str) -> str:
    return encode_global_id(type_name, local)


@pytest.fixture
def harness() -> GatewayHarness:
    return build_harness()


async def act(harness: GatewayHarness, document: str, variables: dict[str, Any], persona: str) -> dict[str, Any]:
    body = await harness.query(
        document, variables, persona=persona, headers={"Idempotency-Key": f"history-{uuid.uuid4()}"}
    )
    assert "errors" not in body, body["errors"]
    payload = next(iter(body["data"].values()))
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def recent(harness: GatewayHarness, persona: str, project: str | None = None) -> list[dict[str, Any]]:
    if project is None:
        body = await harness.query(TENANT_PAGE, persona=persona)
        assert "errors" not in body, body["errors"]
        return list(body["data"]["tenantOverview"]["recentChanges"])
    body = await harness.query(PROJECT_PAGE, {"project": gid("Project", project), "recent": 10}, persona=persona)
    assert "errors" not in body, body["errors"]
    return list(body["data"]["projectOverview"]["recentChanges"])


async def audit_page(harness: GatewayHarness, persona: str, **variables: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = None
    while True:
        body = await harness.query(AUDIT, {"first": 100, "after": after, **variables}, persona=persona)
        assert "errors" not in body, body["errors"]
        found += [edge["node"] for edge in body["data"]["evidence"]["edges"]]
        if not body["data"]["evidence"]["pageInfo"]["hasNextPage"]:
            return found
        after = body["data"]["evidence"]["pageInfo"]["endCursor"]


def seeded(domain: str, resource: str) -> list[dict[str, Any]]:
    return list(ops.WORLD.domains[domain][resource])


def stored(harness: GatewayHarness, domain: str, resource: str) -> list[dict[str, Any]]:
    """The documents a service of this harness holds (its seed was built at its own moment)."""
    return harness.services[domain].state.store.query(resource, {}, limit=1000).items


async def test_grant_revoke_and_stop_appear_in_recent_changes_and_the_audit_page_with_actor_and_time(
    harness: GatewayHarness,
) -> None:
    before = clock_of(harness).now()  # the services' clock, fixed when the harness was built
    await act(harness, REVOKE, {"input": {"grantId": gid("StorageGrant", "gr-0004")}}, "project-admin")
    granted = await act(
        harness,
        GRANT,
        {
            "input": {
                "bucketId": gid("Bucket", "bk-0006"),
                "projectId": gid("Project", "p-vision"),
                "permission": "READ",
            }
        },
        "project-admin",
    )
    stopped = await act(harness, STOP, {"id": gid("Workload", "wl-0039")}, "tenant-admin")  # vision-devbox-39
    assert stopped["workload"]["status"] == "STOPPED"

    def summary(changes: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
        return [(c["title"], c["actor"]["displayName"], c["target"]["label"]) for c in changes]

    llm = await recent(harness, "project-admin", "p-llm")
    assert summary(llm[:2]) == [
        ("Grant created", "Priya Shah", "llm-artifacts shared with Vision Models (READ)"),
        ("Grant revoked", "Priya Shah", "llm-datasets shared with Vision Models (READ)"),
    ]
    vision = await recent(harness, "member", "p-vision")
    assert summary(vision[:1]) == [("Workload stopped", "Tara Nguyen", "vision-devbox-39")]
    tenant = await recent(harness, "tenant-admin")
    assert {c["title"] for c in tenant[:3]} == {"Grant created", "Grant revoked", "Workload stopped"}
    assert all(datetime.fromisoformat(c["at"]) >= before.replace(microsecond=0) for c in tenant[:3]), tenant[:3]
    # The audit page of the project lists the same actions, newest first, with who did them.
    audit = await audit_page(harness, "project-admin", scope="PROJECT", project=gid("Project", "p-llm"))
    assert [(e["action"], e["actor"]["displayName"], e["target"]["localId"]) for e in audit[:2]] == [
        ("grant.created", "Priya Shah", decode_global_id(granted["grant"]["id"])[1]),
        ("grant.revoked", "Priya Shah", "gr-0004"),
    ]
    # ... and the stop published its event on the workloads service's stream.
    log = harness.services["workloads"].state.events
    items, _ = log.read(0, {"type": ["workload.status_changed"]}, 1000)
    assert [(i["subject_id"], i["data"]["status"]) for i in items][-1] == ("wl-0039", "stopped")


async def test_an_action_by_a_service_account_names_the_service_account(harness: GatewayHarness) -> None:
    running = next(
        w for w in seeded("workloads", "workloads") if w["project_id"] == "p-llm" and w["status"] == "running"
    )
    signer = harness.app.state.guard.authenticator.signer
    assert signer is not None
    token = signer.mint(
        "sa-llm-eval",
        audience=harness.app.state.settings.security.jwt_audience,
        tenant="t-acme",
        roles=[],
        principal_type="service_account",
    )
    async with harness.client() as client:
        response = await client.post(
            "/graphql",
            json={"query": STOP, "variables": {"id": gid("Workload", running["id"])}},
            headers={"authorization": f"Bearer {token}", "idempotency-key": f"history-{uuid.uuid4()}"},
        )
    assert response.json()["data"]["stopWorkload"]["userErrors"] == []
    newest = (await recent(harness, "project-admin", "p-llm"))[0]
    assert (newest["title"], newest["actor"], newest["target"]["label"]) == (
        "Workload stopped",
        {"kind": "SERVICE_ACCOUNT", "displayName": "llm-eval"},
        running["name"],
    )


async def test_seeded_workload_audit_is_read_off_each_workloads_timeline(harness: GatewayHarness) -> None:
    audit = await audit_page(harness, "tenant-admin", scope="TENANT")
    by_workload: dict[str, list[tuple[str, str]]] = {}
    for event in audit:
        if event["target"]["type"] == "workload":
            by_workload.setdefault(event["target"]["localId"], []).append((event["action"], event["at"]))
    acme = [w for w in seeded("workloads", "workloads") if w["tenant_id"] == "t-acme"]
    assert set(by_workload) == {w["id"] for w in acme}, "every launch is audited"
    implied = {"pending": "workload.launched", "stopping": "workload.stopped", "terminating": "workload.terminated"}
    for start in range(0, len(acme), 50):
        ids = [gid("Workload", w["id"]) for w in acme[start : start + 50]]
        body = await harness.query(WORKLOAD_EVENTS, {"ids": ids}, persona="tenant-admin")
        assert "errors" not in body, body["errors"]
        for node in body["data"]["nodes"]:
            local = decode_global_id(node["id"])[1]
            timeline = [
                (implied[e["toStatus"]], e["at"])
                for e in node["tabs"]["events"]
                if e["type"] == "status_changed" and e["toStatus"] in implied
            ]
            assert sorted(by_workload[local]) == sorted(timeline), node["name"]
    # The example: llm-devbox-05 is audited as stopped exactly when its timeline says it stopped.
    stop = next(a for a in by_workload["wl-0005"] if a[0] == "workload.stopped")
    body = await harness.query(WORKLOAD_EVENTS, {"ids": [gid("Workload", "wl-0005")]}, persona="tenant-admin")
    (node,) = body["data"]["nodes"]
    assert stop[1] == next(e["at"] for e in node["tabs"]["events"] if e["toStatus"] == "stopping")


async def test_each_bucket_has_its_own_history_and_its_audit_follows_it(harness: GatewayHarness) -> None:
    histories = {}
    buckets = stored(harness, "storage", "buckets")
    for bucket in buckets:
        persona = "tenant-admin" if bucket["tenant_id"] == "t-acme" else "other-tenant-admin"
        body = await harness.query(BUCKET_EVENTS, {"id": gid("Bucket", bucket["id"])}, persona=persona)
        assert "errors" not in body, body["errors"]
        events = body["data"]["bucket"]["tabs"]["events"]
        histories[bucket["id"]] = [(e["type"], e["at"]) for e in events]
        created = next(e for e in events if e["type"] == "created")
        assert created["at"] == bucket["created_at"].replace("Z", "+00:00")
        assert bucket["name"] in created["message"]
    assert len({tuple(h) for h in histories.values()}) == len(histories), "no two buckets share a history"
    assert len({tuple(t for t, _ in h) for h in histories.values()}) > 1, "histories differ in what happened"
    audit = await audit_page(harness, "tenant-admin", scope="TENANT")
    for event in audit:
        if event["action"] == "bucket.created":
            assert (("created", event["at"])) in histories[event["target"]["localId"]]
    audited = {e["target"]["localId"] for e in audit if e["action"] == "bucket.created"}
    assert audited == {b["id"] for b in buckets if b["tenant_id"] == "t-acme"}


async def test_seeded_audit_of_access_objects_happens_when_the_objects_say(harness: GatewayHarness) -> None:
    moments = {}
    for resource in ("credentials", "service_accounts", "invites", "memberships", "identity_providers"):
        for doc in stored(harness, "access", resource):
            moments[doc["id"]] = doc
    fields = {
        "credential.created": "created_at",
        "ssh_key.added": "created_at",
        "credential.revoked": "revoked_at",
        "invite.sent": "created_at",
        "service_account.created": "created_at",
        "membership.added": "created_at",
    }
    checked = 0
    for persona in ("tenant-admin", "other-tenant-admin"):
        for event in await audit_page(harness, persona, scope="TENANT"):
            target = moments.get(event["target"]["localId"] or "")
            if target is not None and event["action"] in fields:
                assert event["at"] == target[fields[event["action"]]].replace("Z", "+00:00"), event
                checked += 1
    assert checked >= 10
