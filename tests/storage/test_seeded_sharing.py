"""The seed exercises the sharing and launch paths, seen through the API: a grantee's workload mounting a shared
bucket, a revoked grant that shares nothing, launch drafts part-way through (one mounting a shared bucket) and
expiring credentials."""

from __future__ import annotations

import pytest

from gateway.ids import encode_global_id
from gateway.settings import Settings
from reference_services.seed_sharing import GRANTEE_MOUNT_ID, REVOKED_GRANT_ID
from tests.support import GatewayHarness, build_harness

RESEARCH_DATASETS = encode_global_id("Bucket", "bk-0007")  # shared READ with p-llm
RESEARCH_ARTIFACTS = encode_global_id("Bucket", "bk-0009")  # its grant to p-llm was revoked
MOUNTS = """query($id: ID!) { workload(id: $id) { project { id } tabs { storage { mounts {
  mountPath readOnly bucket { id name viewerAccess { kind readOnly } } } } } } }"""
DRAFTS = """{ launchDrafts { id kind currentStep project { id }
  steps { step userErrors { field code } }
  storage { mounts { bucketId mountPath readOnly } } sharing { grants { projectId permission } } } }"""


@pytest.fixture(scope="module")
def harness() -> GatewayHarness:
    return build_harness(settings=Settings.from_env({}, viewer_cache_seconds=3600))


def seeded_mount(harness: GatewayHarness) -> dict[str, object]:
    store = harness.services["storage"].state.store
    (mount,) = store.get_many("mounts", [GRANTEE_MOUNT_ID])
    return mount


@pytest.mark.parametrize("persona", ["member", "project-admin"])
async def test_a_grantee_workload_mounts_the_shared_bucket_read_only(harness: GatewayHarness, persona: str) -> None:
    mount = seeded_mount(harness)
    workload = encode_global_id("Workload", str(mount["workload_id"]))
    body = await harness.query(MOUNTS, {"id": workload}, persona=persona)
    assert "errors" not in body, body
    found = body["data"]["workload"]
    assert found["project"]["id"] == encode_global_id("Project", "p-llm")
    shared = [m for m in found["tabs"]["storage"]["mounts"] if m["bucket"] and m["bucket"]["id"] == RESEARCH_DATASETS]
    assert shared == [
        {
            "mountPath": "/mnt/shared/research-datasets",
            "readOnly": True,
            "bucket": {
                "id": RESEARCH_DATASETS,
                "name": "research-datasets",
                "viewerAccess": {"kind": "GRANT", "readOnly": True},
            },
        }
    ]


async def test_the_revoked_grant_shares_nothing(harness: GatewayHarness) -> None:
    grants = harness.services["storage"].state.store.get_many("grants", [REVOKED_GRANT_ID])
    assert grants and grants[0]["revoked_at"] and grants[0]["grantee_project_id"] == "p-llm"
    for persona in ("member", "project-admin"):
        body = await harness.query(
            "query($id: ID!) { bucket(id: $id) { id } }", {"id": RESEARCH_ARTIFACTS}, persona=persona
        )
        assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
    owner = await harness.query(
        """query($id: ID!) { bucket(id: $id) { tabs { accessAudiences { kind }
             events { type } } } }""",
        {"id": RESEARCH_ARTIFACTS},
        persona="tenant-admin",
    )
    tabs = owner["data"]["bucket"]["tabs"]
    assert [a["kind"] for a in tabs["accessAudiences"]] == ["OWNER"]
    types = [e["type"] for e in tabs["events"]]  # newest first
    assert types.index("grant_revoked") < types.index("grant_created")  # the revoke is newer than the grant
    grant = await harness.query(
        "query($id: ID!) { node(id: $id) { ... on StorageGrant { active revokedAt } } }",
        {"id": encode_global_id("StorageGrant", REVOKED_GRANT_ID)},
        persona="tenant-admin",
    )
    assert grant["data"]["node"]["active"] is False and grant["data"]["node"]["revokedAt"]


@pytest.mark.parametrize("persona", ["member", "project-admin"])
async def test_seeded_drafts_are_part_way_and_one_mounts_the_shared_bucket(
    harness: GatewayHarness, persona: str
) -> None:
    drafts = (await harness.query(DRAFTS, persona=persona))["data"]["launchDrafts"]
    assert sorted((d["kind"], d["currentStep"]) for d in drafts) == [
        ("APP", "STORAGE"),
        ("COMPUTE", "HARDWARE"),
        ("STORAGE", "SHARING"),
    ]
    app = next(d for d in drafts if d["kind"] == "APP")
    assert app["project"]["id"] == encode_global_id("Project", "p-llm")
    assert app["storage"]["mounts"] == [{"bucketId": RESEARCH_DATASETS, "mountPath": "/mnt/research", "readOnly": True}]
    storage_step = next(s for s in app["steps"] if s["step"] == "STORAGE")
    assert storage_step["userErrors"] == [], "the grantee project may mount the shared bucket read-only"
    bucket = next(d for d in drafts if d["kind"] == "STORAGE")
    assert bucket["sharing"]["grants"] == [{"projectId": encode_global_id("Project", "p-vision"), "permission": "READ"}]


async def test_the_seed_holds_expiring_and_expired_credentials(harness: GatewayHarness) -> None:
    body = await harness.query("{ access { credentials { name status } } }", persona="tenant-admin")
    statuses = {c["status"] for c in body["data"]["access"]["credentials"]}
    assert {"ACTIVE", "EXPIRING_SOON", "EXPIRED"} <= statuses
