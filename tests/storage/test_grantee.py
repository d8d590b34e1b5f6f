"""Sharing reaches the grantee: both sides of a grant through the API, and a revoke that removes it at once.

research-datasets (bk-0007, owned by p-research) is shared READ with p-llm by gr-0007. u-marco (member of
p-vision and p-llm) and u-priya (admin of p-llm) reach it through that grant; sa-vision-ci (p-vision only) is the
third project that reaches nothing of it; u-tara (tenant admin) is the owner's side.
"""

from __future__ import annotations

from typing import Any

import pytest

from gateway.ids import encode_global_id
from gateway.settings import Settings
from tests import route_operations as ops
from tests.idempotency_support import LLM, VISION, compute_input, key
from tests.support import GatewayHarness, build_harness

SHARED = encode_global_id("Bucket", "bk-0007")  # research-datasets, p-research -> p-llm READ
SHARED_GRANT = encode_global_id("StorageGrant", "gr-0007")
OTHER_GRANTEE_GRANT = "gr-0008"  # research-checkpoints -> p-vision: the owner's other sharing

DETAIL = """query($id: ID!) {
  bucket(id: $id) {
    id name project { id name }
    viewerAccess { kind readOnly purpose granteeProject { id } grant { id permission } }
    tabs {
      accessAudiences { kind permission purpose project { id } grant { id } }
      lifecycle { availability { state reason } rules { action } }
      events { type }
    }
  }
}"""
LIST = """query($filter: BucketFilter) { buckets(first: 100, filter: $filter) {
  totalCount edges { cursor node { id name viewerAccess { kind readOnly purpose } project { id } } } } }"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Bucket { name } } }"
REVOKE = """mutation($input: RevokeStorageGrantInput!) { revokeStorageGrant(input: $input) {
  grant { id active } userErrors { code } } }"""
LAUNCH = """mutation($input: LaunchComputeInput!) { launchCompute(input: $input) {
  workload { id tabs { storage { mounts { mountPath readOnly bucket { id name } } } } }
  userErrors { field message code } } }"""


@pytest.fixture
def harness() -> GatewayHarness:
    return build_harness(settings=Settings.from_env({}, viewer_cache_seconds=0))


def account_headers(harness: GatewayHarness, account: str) -> dict[str, str]:
    """A service account's bearer token: a viewer of its one project."""
    signer = harness.app.state.guard.authenticator.signer
    assert signer is not None
    audience = harness.app.state.settings.security.jwt_audience
    token = signer.mint(account, audience=audience, tenant="t-acme", roles=[], principal_type="service_account")
    return {"authorization": f"Bearer {token}"}


async def ask(harness: GatewayHarness, who: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    if who.startswith("sa-"):
        return await harness.query(query, variables, persona=None, headers=account_headers(harness, who))
    return await harness.query(query, variables, persona=who)


@pytest.mark.parametrize("persona", ["member", "project-admin"])
async def test_the_grantee_opens_the_shared_bucket_read_only_with_the_grants_purpose(
    harness: GatewayHarness, persona: str
) -> None:
    body = await ask(harness, persona, DETAIL, {"id": SHARED})
    assert "errors" not in body, body
    bucket = body["data"]["bucket"]
    assert bucket["name"] == "research-datasets"
    assert bucket["project"]["id"] == encode_global_id("Project", "p-research")  # who owns it
    assert bucket["viewerAccess"] == {
        "kind": "GRANT",
        "readOnly": True,
        "purpose": "dataset",
        "granteeProject": {"id": LLM},
        "grant": {"id": SHARED_GRANT, "permission": "READ"},
    }
    audiences = bucket["tabs"]["accessAudiences"]
    assert [(a["kind"], a["project"]["id"]) for a in audiences] == [
        ("OWNER", encode_global_id("Project", "p-research")),
        ("GRANT", LLM),
    ]
    lifecycle = bucket["tabs"]["lifecycle"]
    assert lifecycle["availability"]["state"] == "UNAVAILABLE" and lifecycle["rules"] == []
    assert "owning project" in lifecycle["availability"]["reason"]
    assert all(not e["type"].startswith("grant_") for e in bucket["tabs"]["events"])


async def test_the_grantee_sees_only_its_own_grant_while_the_owner_sees_every_grant(harness: GatewayHarness) -> None:
    shared_checkpoints = encode_global_id("Bucket", "bk-0002")  # vision-checkpoints: p-vision -> p-llm READ_WRITE
    owner = await ask(harness, "tenant-admin", DETAIL, {"id": SHARED})
    assert owner["data"]["bucket"]["viewerAccess"]["kind"] == "OWNER"
    assert (
        owner["data"]["bucket"]["tabs"]["lifecycle"]["availability"]["reason"]
        != (
            (await ask(harness, "member", DETAIL, {"id": SHARED}))["data"]["bucket"]["tabs"]["lifecycle"][
                "availability"
            ]["reason"]
        )
    )
    # u-marco sees p-vision, the owner of vision-checkpoints: the owner's side, every grant.
    marco = await ask(harness, "member", DETAIL, {"id": shared_checkpoints})
    assert marco["data"]["bucket"]["viewerAccess"]["kind"] == "OWNER"
    # research-checkpoints is shared with p-vision (gr-0008); the grantee sees that grant and nothing else.
    other = await ask(harness, "sa-vision-ci", DETAIL, {"id": encode_global_id("Bucket", "bk-0008")})
    grants = [a["grant"]["id"] for a in other["data"]["bucket"]["tabs"]["accessAudiences"] if a["grant"]]
    assert grants == [encode_global_id("StorageGrant", OTHER_GRANTEE_GRANT)]
    assert other["data"]["bucket"]["viewerAccess"]["readOnly"] is False


async def test_the_shared_bucket_is_in_the_grantees_list_and_node_but_not_a_third_projects(
    harness: GatewayHarness,
) -> None:
    for persona in ("member", "project-admin"):
        listed = (await ask(harness, persona, LIST))["data"]["buckets"]
        rows = {e["node"]["id"]: e["node"] for e in listed["edges"]}
        assert rows[SHARED]["viewerAccess"] == {"kind": "GRANT", "readOnly": True, "purpose": "dataset"}
        assert listed["totalCount"] == len(rows)
        narrowed = (await ask(harness, persona, LIST, {"filter": {"projectIds": [LLM]}}))["data"]["buckets"]
        assert SHARED in {e["node"]["id"] for e in narrowed["edges"]}
        assert (await ask(harness, persona, NODE, {"id": SHARED}))["data"]["node"] == {
            "id": SHARED,
            "name": "research-datasets",
        }
    third = await ask(harness, "sa-vision-ci", LIST)
    assert SHARED not in {e["node"]["id"] for e in third["data"]["buckets"]["edges"]}
    for query in (DETAIL, NODE):
        body = await ask(harness, "sa-vision-ci", query, {"id": SHARED})
        assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
    other_tenant = await ask(harness, "other-tenant-admin", DETAIL, {"id": SHARED})
    assert [e["extensions"]["code"] for e in other_tenant["errors"]] == ["NOT_FOUND"]


async def test_the_list_pages_through_own_and_shared_buckets_newest_first(harness: GatewayHarness) -> None:
    everything = (await ask(harness, "member", LIST))["data"]["buckets"]
    ids = [e["node"]["id"] for e in everything["edges"]]
    seen: list[str] = []
    after = None
    while True:
        page = await ask(
            harness,
            "member",
            "query($after: String) { buckets(first: 2, after: $after) { totalCount "
            "pageInfo { hasNextPage endCursor } nodes { id } } }",
            {"after": after},
        )
        found = page["data"]["buckets"]
        assert found["totalCount"] == len(ids)
        seen.extend(n["id"] for n in found["nodes"])
        if not found["pageInfo"]["hasNextPage"]:
            break
        after = found["pageInfo"]["endCursor"]
    assert seen == ids and len(set(ids)) == len(ids)


async def test_the_grantee_mounts_the_shared_bucket_read_only_and_a_third_project_cannot(
    harness: GatewayHarness,
) -> None:
    mount = {"mounts": [{"bucketId": SHARED, "mountPath": "/mnt/research"}]}
    into_llm = compute_input("shared-reader", basics={"projectId": LLM, "name": "shared-reader"}, storage=mount)
    body = await harness.query(LAUNCH, {"input": {**into_llm, "idempotencyKey": key("grantee")}}, persona="member")
    launched = body["data"]["launchCompute"]
    assert launched["userErrors"] == [], launched
    assert launched["workload"]["tabs"]["storage"]["mounts"] == [
        {"mountPath": "/mnt/research", "readOnly": True, "bucket": {"id": SHARED, "name": "research-datasets"}}
    ]
    into_vision = compute_input("not-shared", basics={"projectId": VISION, "name": "not-shared"}, storage=mount)
    body = await harness.query(LAUNCH, {"input": {**into_vision, "idempotencyKey": key("third")}}, persona="member")
    errors = body["data"]["launchCompute"]["userErrors"]
    assert [(e["code"], e["field"][-1]) for e in errors] == [("INVALID", "bucketId")]
    assert "not shared with this project" in errors[0]["message"]


async def test_a_revoke_removes_the_grantees_list_detail_node_and_mount_at_once(harness: GatewayHarness) -> None:
    revoked = await harness.query(
        REVOKE, {"input": {"grantId": SHARED_GRANT, "idempotencyKey": key("revoke")}}, persona="tenant-admin"
    )
    assert revoked["data"]["revokeStorageGrant"]["grant"] == {"id": SHARED_GRANT, "active": False}
    for persona in ("member", "project-admin"):
        listed = await ask(harness, persona, LIST)
        assert SHARED not in {e["node"]["id"] for e in listed["data"]["buckets"]["edges"]}
        for query in (DETAIL, NODE):
            body = await ask(harness, persona, query, {"id": SHARED})
            assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"], (persona, body)
    mount = {"mounts": [{"bucketId": SHARED, "mountPath": "/mnt/research"}]}
    into_llm = compute_input("after-revoke", basics={"projectId": LLM, "name": "after-revoke"}, storage=mount)
    body = await harness.query(LAUNCH, {"input": {**into_llm, "idempotencyKey": key("late")}}, persona="member")
    assert [e["code"] for e in body["data"]["launchCompute"]["userErrors"]] == ["NOT_FOUND"]
    owner = await ask(harness, "tenant-admin", DETAIL, {"id": SHARED})
    assert [a["kind"] for a in owner["data"]["bucket"]["tabs"]["accessAudiences"]] == ["OWNER"]


@pytest.mark.parametrize("persona", ["member", "project-admin", "sa-llm-eval"])
async def test_every_storage_route_opens_for_the_grantee(harness: GatewayHarness, persona: str) -> None:
    listed = await ask(harness, persona, ops.document(ops.ROUTES["/storage"]))
    assert "errors" not in listed, listed
    rows = {e["node"]["id"]: e["node"] for e in listed["data"]["buckets"]["edges"]}
    assert rows[SHARED]["viewerAccess"] == {
        "kind": "GRANT",
        "readOnly": True,
        "purpose": "dataset",
        "granteeProject": {"id": LLM, "name": "LLM Serving"},
    }
    assert rows[SHARED]["project"]["name"] == "Research Sandbox"  # who owns it
    detail = await ask(harness, persona, ops.document(ops.ROUTES["/storage/{id}"]), {"id": SHARED})
    assert "errors" not in detail, detail
    assert detail["data"]["bucket"]["viewerAccess"]["grant"]["id"] == SHARED_GRANT
    assert detail["data"]["bucket"]["project"]["viewerRole"] is None  # not a member of the owning project
    wizard = await ask(harness, persona, ops.document(ops.ROUTES["/launch/storage"]))
    assert "errors" not in wizard, wizard
