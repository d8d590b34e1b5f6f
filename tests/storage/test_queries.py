"""The storage pages through HTTP against the ASGI app: the bucket list per persona with filters and cursors,
the bucket detail tabs, provider capability objects, `storageProviders`, NOT_FOUND for buckets out of scope,
BAD_USER_INPUT for malformed ids, and at most one backend call per resource type per page.

Expected values come from the seed (``reference_services.seed``), read back from the storage service's store
where a literal would only repeat it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from gateway.ids import decode_global_id, encode_global_id
from gateway.settings import Settings
from tests.support import GatewayHarness, build_harness

BUCKETS_PAGE = """query BucketsPage($first: Int!, $after: String, $filter: BucketFilter) {
  buckets(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node {
      id name purpose region status createdAt
      usage { usedBytes quotaBytes objectCount fractionUsed state }
      provider { provider displayName capabilities { name validated } }
      project { id name }
    } }
  }
}"""

BUCKET_DETAIL = """query BucketDetail($id: ID!) {
  bucket(id: $id) {
    id name purpose region status createdAt
    usage { usedBytes quotaBytes objectCount fractionUsed state }
    provider { provider displayName capabilities { name supported validated note } }
    project { id name }
    tabs {
      objects { availability { state reason link gap } objects { key sizeBytes modifiedAt } }
      mountedWorkloads { mountPath readOnly workload { id name status project { id } node { hostname } } }
      accessAudiences {
        kind permission purpose grantedAt project { id name }
        grant { id permission purpose active revokedAt bucket { id } granteeProject { id } }
      }
      lifecycle {
        availability { state reason link gap }
        rules { action prefix afterDays }
        enforcement { state reason link gap }
      }
      events { type message at }
    }
  }
}"""

STORAGE_PROVIDERS = "{ storageProviders { provider displayName capabilities { name supported validated note } } }"

ACME_PROJECTS = {"p-vision", "p-llm", "p-research"}
GLOBEX_PROJECTS = {"p-genomics", "p-robotics"}
# persona -> the projects whose buckets it lists (memberships and roles of the seed)
VISIBLE_PROJECTS = {
    "member": {"p-vision", "p-llm"},
    "project-admin": {"p-vision", "p-llm"},
    "tenant-admin": ACME_PROJECTS,
    "operator": ACME_PROJECTS | GLOBEX_PROJECTS,
    "other-tenant-admin": GLOBEX_PROJECTS,
    "other-tenant-member": {"p-genomics"},
}
CAPABILITIES = ["quota", "snapshots", "object_listing", "lifecycle_rules", "direct_credentials"]
# provider -> the capabilities the seed marks validated (every capability is supported)
VALIDATED = {"WEKA": {"quota", "snapshots", "object_listing"}, "VAST": {"quota"}}
WEKA_BUCKET, VAST_BUCKET = "bk-0001", "bk-0002"  # vision-datasets (WEKA) and vision-checkpoints (VAST)


def gid(type_name: str, local_id: str) -> str:
    return encode_global_id(type_name, local_id)


def local(global_id: str) -> str:
    return decode_global_id(global_id)[1]


def stored(harness: GatewayHarness, table: str, **filters: str) -> list[dict[str, Any]]:
    """Documents of the storage service's store (newest first), straight from the seed."""
    query = {column: [value] for column, value in filters.items()}
    return harness.services["storage"].state.store.query(table, query, limit=1000).items


def upsert(harness: GatewayHarness, domain: str, table: str, document: dict[str, Any]) -> None:
    harness.services[domain].state.store.upsert(table, document)


async def bucket_detail(harness: GatewayHarness, bucket: str, persona: str = "tenant-admin") -> dict[str, Any]:
    body = await harness.query(BUCKET_DETAIL, {"id": gid("Bucket", bucket)}, persona=persona)
    assert "errors" not in body, body["errors"]
    return body["data"]["bucket"]


async def all_buckets(harness: GatewayHarness, persona: str, **variables: Any) -> dict[str, Any]:
    body = await harness.query(BUCKETS_PAGE, {"first": 100, **variables}, persona=persona)
    assert "errors" not in body, body["errors"]
    return body["data"]["buckets"]


# The bucket list


@pytest.mark.parametrize("persona", sorted(VISIBLE_PROJECTS))
async def test_bucket_list_holds_the_buckets_of_the_viewers_projects(harness: GatewayHarness, persona: str) -> None:
    connection = await all_buckets(harness, persona)
    rows = [edge["node"] for edge in connection["edges"]]
    own = {b["id"] for b in stored(harness, "buckets") if b["project_id"] in VISIBLE_PROJECTS[persona]}
    shared = {
        g["bucket_id"]
        for g in stored(harness, "grants")
        if g["grantee_project_id"] in VISIBLE_PROJECTS[persona] and not g.get("revoked_at")
    }
    assert len(own) == 3 * len(VISIBLE_PROJECTS[persona])
    assert {local(row["id"]) for row in rows} == own | shared  # a project's own buckets and those shared with it
    assert connection["totalCount"] == len(rows) == len(own | shared)
    assert {local(row["project"]["id"]) for row in rows if local(row["id"]) in own} == VISIBLE_PROJECTS[persona]
    assert connection["pageInfo"]["hasNextPage"] is False


async def test_a_member_lists_their_projects_buckets_and_nothing_of_other_projects(harness: GatewayHarness) -> None:
    connection = await all_buckets(harness, "member")
    names = {edge["node"]["name"] for edge in connection["edges"]}
    assert {"vision-datasets", "vision-checkpoints", "llm-artifacts"} <= names
    text = json.dumps(connection)
    # research-datasets and research-checkpoints are shared with p-llm and p-vision (grants); the rest is not
    assert {"research-datasets", "research-checkpoints"} <= names
    for foreign in ("research-artifacts", "genomics", "robotics", "Genomics Pipeline"):
        assert foreign not in text


async def test_the_other_tenant_sees_only_its_own_buckets(harness: GatewayHarness) -> None:
    admin = await all_buckets(harness, "other-tenant-admin")
    assert {edge["node"]["name"].split("-")[0] for edge in admin["edges"]} == {"genomics", "robotics"}
    member = await all_buckets(harness, "other-tenant-member")
    assert sorted(edge["node"]["name"] for edge in member["edges"]) == [
        "genomics-artifacts",
        "genomics-checkpoints",
        "genomics-datasets",
        "robotics-checkpoints",  # shared with p-genomics (gr-0014, read_write)
        "robotics-datasets",  # shared with p-genomics (gr-0013, read)
    ]


async def test_bucket_rows_carry_usage_provider_and_project_as_stored(harness: GatewayHarness) -> None:
    connection = await all_buckets(harness, "operator")
    by_id = {b["id"]: b for b in stored(harness, "buckets")}
    names = {"weka": "WEKA", "vast": "VAST Data"}
    for row in (edge["node"] for edge in connection["edges"]):
        document = by_id[local(row["id"])]
        assert row["name"] == document["name"] and row["purpose"] == document["purpose"]
        assert row["region"] == document["region"] and row["status"] == document["status"]
        assert row["usage"]["usedBytes"] == document["used_bytes"]
        assert row["usage"]["quotaBytes"] == document["quota_bytes"]
        assert row["usage"]["objectCount"] == document["object_count"]
        assert row["provider"]["provider"] == document["provider"].upper()
        assert row["provider"]["displayName"] == names[document["provider"]]
        assert local(row["project"]["id"]) == document["project_id"]
    assert {edge["node"]["status"] for edge in connection["edges"]} == {"active", "provisioning"}


async def test_bucket_list_is_newest_first(harness: GatewayHarness) -> None:
    rows = [edge["node"] for edge in (await all_buckets(harness, "operator"))["edges"]]
    assert [local(row["id"]) for row in rows] == [f"bk-{n:04d}" for n in range(15, 0, -1)]
    created = [row["createdAt"] for row in rows]
    assert created == sorted(created, reverse=True) and len(set(created)) == len(created)


async def test_usage_state_follows_the_fraction_of_quota_used(harness: GatewayHarness) -> None:
    rows = [edge["node"] for edge in (await all_buckets(harness, "operator"))["edges"]]
    for row in rows:
        usage = row["usage"]
        assert usage["fractionUsed"] == pytest.approx(usage["usedBytes"] / usage["quotaBytes"], abs=1e-4)
        assert usage["state"] == ("NEAR_QUOTA" if usage["fractionUsed"] >= 0.85 else "OK")
    states = {local(row["id"]): row["usage"]["state"] for row in rows}
    assert states[VAST_BUCKET] == "NEAR_QUOTA", "vision-checkpoints is about 90% full in the seed"
    assert list(states.values()).count("NEAR_QUOTA") == 1


async def test_a_bucket_over_its_quota_says_so(harness: GatewayHarness) -> None:
    [document] = [b for b in stored(harness, "buckets") if b["id"] == "bk-0003"]
    upsert(harness, "storage", "buckets", {**document, "used_bytes": document["quota_bytes"] + 1})
    usage = (await bucket_detail(harness, "bk-0003"))["usage"]
    assert usage["state"] == "OVER_QUOTA" and usage["fractionUsed"] >= 1
    assert usage["usedBytes"] == document["quota_bytes"] + 1  # beyond 32 bits, exact


@pytest.mark.parametrize(
    ("persona", "filter", "expected"),
    [
        # A project's list holds its own buckets and those shared with it (research-datasets, vision-checkpoints).
        (
            "tenant-admin",
            {"projectIds": [gid("Project", "p-llm")]},
            ["llm-artifacts", "llm-checkpoints", "llm-datasets", "research-datasets", "vision-checkpoints"],
        ),
        (
            "tenant-admin",
            {"providers": ["VAST"]},
            ["llm-artifacts", "llm-datasets", "research-checkpoints", "vision-checkpoints"],
        ),
        (
            "tenant-admin",
            {"projectIds": [gid("Project", "p-vision"), gid("Project", "p-research")], "providers": ["WEKA"]},
            # llm-checkpoints is shared with p-research (gr-0005)
            ["llm-checkpoints", "research-artifacts", "research-datasets", "vision-artifacts", "vision-datasets"],
        ),
        (
            "operator",
            {"providers": ["WEKA", "VAST"], "projectIds": [gid("Project", "p-genomics")]},
            ["genomics-artifacts", "genomics-checkpoints", "genomics-datasets"],
        ),
        # Projects out of scope narrow to nothing: never another project's buckets, only those shared with the
        # member's (research-datasets by p-research, vision-checkpoints by p-vision, both with p-llm).
        (
            "member",
            {"projectIds": [gid("Project", "p-llm"), gid("Project", "p-research")]},
            ["llm-artifacts", "llm-checkpoints", "llm-datasets", "research-datasets", "vision-checkpoints"],
        ),
        ("tenant-admin", {"projectIds": [gid("Project", "p-genomics")]}, []),
        ("tenant-admin", {"projectIds": []}, []),
    ],
)
async def test_bucket_filters(
    harness: GatewayHarness, persona: str, filter: dict[str, Any], expected: list[str]
) -> None:
    connection = await all_buckets(harness, persona, filter=filter)
    assert sorted(edge["node"]["name"] for edge in connection["edges"]) == expected
    assert connection["totalCount"] == len(expected)


async def test_provider_filter_matches_the_stored_providers(harness: GatewayHarness) -> None:
    for kind in ("WEKA", "VAST"):
        connection = await all_buckets(harness, "operator", filter={"providers": [kind]})
        expected = {b["id"] for b in stored(harness, "buckets", provider=kind.lower())}
        assert {local(edge["node"]["id"]) for edge in connection["edges"]} == expected
        assert {edge["node"]["provider"]["provider"] for edge in connection["edges"]} == {kind}


async def test_cursor_pages_cover_the_list_once_in_order(harness: GatewayHarness) -> None:
    everything = [local(edge["node"]["id"]) for edge in (await all_buckets(harness, "operator"))["edges"]]
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        body = await harness.query(BUCKETS_PAGE, {"first": 4, "after": after}, persona="operator")
        assert "errors" not in body, body["errors"]
        connection = body["data"]["buckets"]
        edges, info = connection["edges"], connection["pageInfo"]
        assert connection["totalCount"] == 15 and info["hasPreviousPage"] is False
        assert info["startCursor"] == edges[0]["cursor"] and info["endCursor"] == edges[-1]["cursor"]
        seen += [local(edge["node"]["id"]) for edge in edges]
        pages += 1
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert pages == 4 and seen == everything and len(set(seen)) == 15


async def test_an_edge_cursor_resumes_after_that_edge(harness: GatewayHarness) -> None:
    first = (await all_buckets(harness, "tenant-admin", first=5))["edges"]
    resumed = await all_buckets(harness, "tenant-admin", first=2, after=first[2]["cursor"])
    assert [e["node"]["id"] for e in resumed["edges"]] == [e["node"]["id"] for e in first[3:5]]
    assert resumed["pageInfo"]["hasNextPage"] is True


async def test_a_filtered_list_pages_within_the_filter(harness: GatewayHarness) -> None:
    vast = {"providers": ["VAST"]}
    page = await all_buckets(harness, "tenant-admin", first=3, filter=vast)
    rest = await all_buckets(harness, "tenant-admin", first=3, filter=vast, after=page["pageInfo"]["endCursor"])
    names = [e["node"]["name"] for e in page["edges"] + rest["edges"]]
    assert sorted(names) == ["llm-artifacts", "llm-datasets", "research-checkpoints", "vision-checkpoints"]
    assert page["pageInfo"]["hasNextPage"] is True and rest["pageInfo"]["hasNextPage"] is False


async def test_first_zero_answers_only_the_total(harness: GatewayHarness) -> None:
    connection = await all_buckets(harness, "member", first=0)
    assert connection["totalCount"] == 8 and connection["edges"] == []  # 6 own, 2 shared with p-vision and p-llm
    assert connection["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize(
    ("variables", "argument"),
    [
        ({"first": 101}, "first"),
        ({"first": -1}, "first"),
        ({"first": 2, "after": "not-a-cursor"}, "after"),
        ({"first": 2, "filter": {"projectIds": ["p-llm"]}}, "filter.projectIds"),
        ({"first": 2, "filter": {"projectIds": [gid("Bucket", "bk-0001")]}}, "filter.projectIds"),
    ],
)
async def test_bad_list_arguments_answer_bad_user_input(
    harness: GatewayHarness, variables: dict[str, Any], argument: str
) -> None:
    body = await harness.query(BUCKETS_PAGE, variables, persona="tenant-admin")
    assert body["data"] == {"buckets": None}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["argument"] == argument


# The bucket detail page


async def test_detail_overview_is_the_stored_bucket(harness: GatewayHarness) -> None:
    detail = await bucket_detail(harness, VAST_BUCKET)
    [document] = [b for b in stored(harness, "buckets") if b["id"] == VAST_BUCKET]
    assert detail["id"] == gid("Bucket", VAST_BUCKET) and detail["name"] == "vision-checkpoints"
    assert (detail["purpose"], detail["region"], detail["status"]) == ("checkpoint", "us-east-1", "active")
    assert detail["project"] == {"id": gid("Project", "p-vision"), "name": "Vision Models"}
    usage = detail["usage"]
    assert (usage["usedBytes"], usage["quotaBytes"], usage["objectCount"]) == (
        document["used_bytes"],
        document["quota_bytes"],
        document["object_count"],
    )
    assert usage["quotaBytes"] == 20 * 1024**4 and usage["state"] == "NEAR_QUOTA"
    assert 0.85 <= usage["fractionUsed"] < 1


@pytest.mark.parametrize(("bucket", "kind"), [(WEKA_BUCKET, "WEKA"), (VAST_BUCKET, "VAST")])
async def test_the_provider_capability_object(harness: GatewayHarness, bucket: str, kind: str) -> None:
    provider = (await bucket_detail(harness, bucket))["provider"]
    assert provider["provider"] == kind
    assert provider["displayName"] == {"WEKA": "WEKA", "VAST": "VAST Data"}[kind]
    assert [c["name"] for c in provider["capabilities"]] == CAPABILITIES
    assert all(c["supported"] for c in provider["capabilities"])
    assert {c["name"] for c in provider["capabilities"] if c["validated"]} == VALIDATED[kind]
    for capability in provider["capabilities"]:
        # a note says why a capability is not validated, and only then
        assert (capability["note"] is None) == capability["validated"]


async def test_objects_are_listed_when_the_provider_validated_listing(harness: GatewayHarness) -> None:
    # One more object, stored last (the service answers newest first): the tab still lists by key.
    extra = {"id": "obj-test", "bucket_id": WEKA_BUCKET, "key": "dataset/part-00001a.parquet", "size_bytes": 5}
    upsert(harness, "storage", "bucket_objects", {**extra, "modified_at": "2026-01-01T00:00:00Z"})
    tab = (await bucket_detail(harness, WEKA_BUCKET))["tabs"]["objects"]
    assert tab["availability"] == {"state": "AVAILABLE", "reason": None, "link": None, "gap": None}
    keys = [o["key"] for o in tab["objects"]]
    assert keys == [f"dataset/part-{n}.parquet" for n in ("00000", "00001", "00001a", "00002", "00003")]
    stored_sizes = {o["key"]: o["size_bytes"] for o in stored(harness, "bucket_objects", bucket_id=WEKA_BUCKET)}
    assert {o["key"]: o["sizeBytes"] for o in tab["objects"]} == stored_sizes


async def test_objects_are_unavailable_with_a_reason_when_listing_is_not_validated(harness: GatewayHarness) -> None:
    tab = (await bucket_detail(harness, VAST_BUCKET))["tabs"]["objects"]
    assert tab["objects"] == []
    assert tab["availability"] == {
        "state": "UNAVAILABLE",
        "reason": "VAST Data object listing is not validated yet",
        "link": "/docs/storage/providers/vast#object_listing",
        "gap": "READ_MODEL",
    }
    harness.calls()
    await bucket_detail(harness, VAST_BUCKET)
    assert "storage /v1/bucket-objects" not in harness.calls(), "no listing is asked for a tab that cannot show it"


async def test_mounted_workloads_are_resolved_from_the_mounts(harness: GatewayHarness) -> None:
    mounts = (await bucket_detail(harness, WEKA_BUCKET))["tabs"]["mountedWorkloads"]
    expected = {m["workload_id"]: m for m in stored(harness, "mounts", bucket_id=WEKA_BUCKET)}
    assert mounts and {local(m["workload"]["id"]) for m in mounts} == set(expected)
    for mount in mounts:
        document = expected[local(mount["workload"]["id"])]
        assert mount["mountPath"] == document["mount_path"] == "/mnt/datasets"
        assert mount["readOnly"] is document["read_only"] is True  # datasets are mounted read-only
        assert mount["workload"]["name"].startswith("vision-")
        assert mount["workload"]["project"]["id"] == gid("Project", "p-vision")
    running = [m for m in mounts if m["workload"]["status"] == "RUNNING"]
    assert running and all(m["workload"]["node"]["hostname"] for m in running)
    checkpoints = (await bucket_detail(harness, VAST_BUCKET))["tabs"]["mountedWorkloads"]
    assert checkpoints and not any(m["readOnly"] for m in checkpoints)


async def test_mounted_workloads_show_only_workloads_the_viewer_may_see(harness: GatewayHarness) -> None:
    # A Research Sandbox workload mounts vision-datasets through its grant: the tenant admin sees it, a
    # member of Vision Models (not of Research Sandbox) sees the bucket without it.
    research = harness.services["workloads"].state.store.query("workloads", {"project_id": ["p-research"]}, limit=1)
    workload = research.items[0]["id"]
    mount = {
        "id": "mnt-test-research",
        "workload_id": workload,
        "bucket_id": WEKA_BUCKET,
        "tenant_id": "t-acme",
        "project_id": "p-research",
        "mount_path": "/mnt/shared",
        "read_only": True,
    }
    upsert(harness, "storage", "mounts", mount)
    admin = {
        local(m["workload"]["id"]) for m in (await bucket_detail(harness, WEKA_BUCKET))["tabs"]["mountedWorkloads"]
    }
    member = (await bucket_detail(harness, WEKA_BUCKET, persona="member"))["tabs"]["mountedWorkloads"]
    assert workload in admin
    assert {local(m["workload"]["id"]) for m in member} == admin - {workload}
    assert member and "Research" not in json.dumps(member)


async def test_access_audiences_are_the_owner_then_the_grants(harness: GatewayHarness) -> None:
    audiences = (await bucket_detail(harness, WEKA_BUCKET))["tabs"]["accessAudiences"]
    owner, *grants = audiences
    assert owner == {
        "kind": "OWNER",
        "permission": "READ_WRITE",
        "purpose": None,
        "grantedAt": None,
        "project": {"id": gid("Project", "p-vision"), "name": "Vision Models"},
        "grant": None,
    }
    [grant] = grants
    assert grant["kind"] == "GRANT" and grant["project"]["name"] == "Research Sandbox"
    assert (grant["permission"], grant["purpose"]) == ("READ", "dataset")
    assert grant["grant"]["id"] == gid("StorageGrant", "gr-0001") and grant["grant"]["active"] is True
    assert grant["grant"]["permission"] == "READ" and grant["grant"]["revokedAt"] is None
    assert grant["grant"]["bucket"]["id"] == gid("Bucket", WEKA_BUCKET)
    assert grant["grant"]["granteeProject"]["id"] == gid("Project", "p-research")
    assert grant["grantedAt"] is not None
    checkpoints = (await bucket_detail(harness, VAST_BUCKET))["tabs"]["accessAudiences"]
    assert [(a["kind"], a["project"]["name"], a["permission"]) for a in checkpoints] == [
        ("OWNER", "Vision Models", "READ_WRITE"),
        ("GRANT", "LLM Serving", "READ_WRITE"),
    ]


async def test_artifact_buckets_have_only_their_owner(harness: GatewayHarness) -> None:
    audiences = (await bucket_detail(harness, "bk-0003"))["tabs"]["accessAudiences"]
    assert [(a["kind"], a["project"]["name"]) for a in audiences] == [("OWNER", "Vision Models")]


async def test_a_revoked_grant_is_no_audience(harness: GatewayHarness) -> None:
    [grant] = stored(harness, "grants", bucket_id=WEKA_BUCKET)
    upsert(harness, "storage", "grants", {**grant, "revoked_at": "2026-01-02T00:00:00Z"})
    audiences = (await bucket_detail(harness, WEKA_BUCKET))["tabs"]["accessAudiences"]
    assert [a["kind"] for a in audiences] == ["OWNER"]


async def test_lifecycle_rules_are_shown_with_enforcement_unavailable_until_the_provider_validates_them(
    harness: GatewayHarness,
) -> None:
    # The rules are recorded by the storage service, so the tab is available; only their enforcement is a gap.
    for bucket, provider, name in (("bk-0003", "weka", "WEKA"), (VAST_BUCKET, "vast", "VAST Data")):
        tab = (await bucket_detail(harness, bucket))["tabs"]["lifecycle"]
        assert tab["availability"] == {"state": "AVAILABLE", "reason": None, "link": None, "gap": None}
        assert tab["enforcement"] == {
            "state": "UNAVAILABLE",
            "reason": f"{name} lifecycle rules is not validated yet",
            "link": f"/docs/storage/providers/{provider}#lifecycle_rules",
            "gap": "READ_MODEL",
        }
        assert tab["rules"] == [
            {"action": "expire", "prefix": "tmp/", "afterDays": 7},
            {"action": "transition", "prefix": "archive/", "afterDays": 30},
        ]
    datasets = (await bucket_detail(harness, WEKA_BUCKET))["tabs"]["lifecycle"]
    assert datasets["rules"] == [] and datasets["enforcement"]["state"] == "UNAVAILABLE"


async def test_lifecycle_is_available_once_the_provider_validates_it(harness: GatewayHarness) -> None:
    [weka] = harness.services["storage"].state.store.get_many("providers", ["weka"])
    capabilities = [{**c, "validated": True, "note": None} for c in weka["capabilities"]]
    upsert(harness, "storage", "providers", {**weka, "capabilities": capabilities})
    tab = (await bucket_detail(harness, "bk-0003"))["tabs"]["lifecycle"]
    assert (
        tab["availability"] == tab["enforcement"] == {"state": "AVAILABLE", "reason": None, "link": None, "gap": None}
    )
    assert [rule["prefix"] for rule in tab["rules"]] == ["tmp/", "archive/"]


async def test_events_are_newest_first(harness: GatewayHarness) -> None:
    events = (await bucket_detail(harness, WEKA_BUCKET))["tabs"]["events"]
    # vision-datasets' own history: created, its quota raised, uploads (datasets carry no lifecycle rules)
    assert [e["type"] for e in events] == ["objects_written", "quota_changed", "created"]
    assert events[-1]["message"] == "Bucket vision-datasets created on WEKA"
    # An older event recorded last (the service answers in the order it stored them): still listed last.
    upsert(
        harness,
        "storage",
        "bucket_events",
        {
            "id": "bev-test-old",
            "bucket_id": WEKA_BUCKET,
            "type": "imported",
            "message": "Imported from the previous platform",
            "at": "2020-01-01T00:00:00Z",
            "actor_id": "u-tara",
        },
    )
    assert stored(harness, "bucket_events", bucket_id=WEKA_BUCKET)[0]["id"] == "bev-test-old"
    events = (await bucket_detail(harness, WEKA_BUCKET))["tabs"]["events"]
    assert [e["type"] for e in events] == ["objects_written", "quota_changed", "created", "imported"]
    times = [e["at"] for e in events]
    assert times == sorted(times, reverse=True)


# Scope and bad ids


@pytest.mark.parametrize(
    ("persona", "bucket"),
    [
        ("member", "bk-0001"),
        ("project-admin", "bk-0004"),
        ("tenant-admin", "bk-0007"),
        ("operator", "bk-0012"),
        ("other-tenant-admin", "bk-0013"),
        ("other-tenant-member", "bk-0010"),
    ],
)
async def test_a_bucket_of_the_viewers_scope_opens(harness: GatewayHarness, persona: str, bucket: str) -> None:
    detail = await bucket_detail(harness, bucket, persona=persona)
    assert detail["id"] == gid("Bucket", bucket)
    assert all(tab is not None for tab in detail["tabs"].values())


@pytest.mark.parametrize(
    ("persona", "bucket"),
    [
        ("tenant-admin", "bk-0010"),  # another tenant's bucket
        ("other-tenant-admin", "bk-0001"),
        ("other-tenant-member", "bk-0015"),  # the tenant's, but a project the member is not in, not shared
        ("member", "bk-0009"),  # research-artifacts: another project's, shared with nobody
        ("member", "bk-9999"),  # missing: the same answer
    ],
)
async def test_buckets_out_of_scope_answer_not_found(harness: GatewayHarness, persona: str, bucket: str) -> None:
    body = await harness.query(BUCKET_DETAIL, {"id": gid("Bucket", bucket)}, persona=persona)
    assert body["data"] == {"bucket": None}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND" and error["message"] == "no bucket with this id"
    assert error["path"] == ["bucket"]


@pytest.mark.parametrize(
    "bad_id",
    [
        "bk-0001",  # a local id, not a global one
        "not a global id",
        gid("Workload", "wl-0001"),  # another type's id
        "QnVja2V0Og==",  # "Bucket:" without a local id
    ],
)
async def test_malformed_bucket_ids_answer_bad_user_input(harness: GatewayHarness, bad_id: str) -> None:
    body = await harness.query(BUCKET_DETAIL, {"id": bad_id}, persona="tenant-admin")
    assert body["data"] == {"bucket": None}
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "id"}
    assert harness.calls().get("storage /v1/buckets") is None, "nothing is asked of the service"


async def test_nodes_of_buckets_follow_the_same_scope(harness: GatewayHarness) -> None:
    ids = [gid("Bucket", b) for b in ("bk-0001", "bk-0007", "bk-0009", "bk-0010")]
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Bucket { name } } }"
    body = await harness.query(query, {"ids": ids}, persona="member")
    assert body["data"]["nodes"] == [
        {"id": ids[0], "name": "vision-datasets"},
        {"id": ids[1], "name": "research-datasets"},  # shared with p-llm by a grant
        None,
        None,
    ]
    assert {(tuple(e["path"]), e["extensions"]["code"]) for e in body["errors"]} == {
        (("nodes", 2), "NOT_FOUND"),
        (("nodes", 3), "NOT_FOUND"),
    }


# Storage providers


async def test_storage_providers_are_the_capability_objects_by_display_name(harness: GatewayHarness) -> None:
    body = await harness.query(STORAGE_PROVIDERS, persona="member")
    assert "errors" not in body
    providers = body["data"]["storageProviders"]
    assert [(p["provider"], p["displayName"]) for p in providers] == [("VAST", "VAST Data"), ("WEKA", "WEKA")]
    for provider in providers:
        assert [c["name"] for c in provider["capabilities"]] == CAPABILITIES
        assert {c["name"] for c in provider["capabilities"] if c["validated"]} == VALIDATED[provider["provider"]]
    # The same object a bucket's detail shows.
    weka = (await bucket_detail(harness, WEKA_BUCKET))["provider"]
    assert next(p for p in providers if p["provider"] == "WEKA") == weka


@pytest.mark.parametrize("persona", ["member", "operator", "other-tenant-member"])
async def test_every_persona_sees_the_same_providers(harness: GatewayHarness, persona: str) -> None:
    body = await harness.query(STORAGE_PROVIDERS, persona=persona)
    assert [p["provider"] for p in body["data"]["storageProviders"]] == ["VAST", "WEKA"]


# Backend calls per page

DETAIL_CALLS = {
    "storage /v1/buckets": 1,
    "storage /v1/providers": 1,
    "storage /v1/mounts": 1,
    "storage /v1/grants": 1,
    "storage /v1/bucket-events": 1,
    "workloads /v1/workloads": 1,
    "platform /v1/nodes": 1,
}


async def warm(persona: str) -> GatewayHarness:
    """A harness whose viewer is already known (cached as in production), so the counts are the page's own."""
    harness = build_harness(settings=Settings.from_env({}, viewer_cache_seconds=3600))
    assert "errors" not in await harness.query("{ viewer { persona } }", persona=persona)
    harness.calls()
    return harness


@pytest.mark.parametrize("persona", sorted(VISIBLE_PROJECTS))
async def test_the_bucket_list_makes_one_call_per_resource_type(persona: str) -> None:
    harness = await warm(persona)
    connection = await all_buckets(harness, persona)
    assert connection["edges"]
    # Who sees only some of their tenant's projects is shown what is shared with them: the tenant's grants, once.
    # (and the owning projects of those buckets, which the viewer's own projects do not include).
    partial = persona in {"member", "project-admin", "other-tenant-member"}
    shared = {"storage /v1/grants": 1, "access /v1/projects": 1} if partial else {}
    assert harness.calls() == {"storage /v1/buckets": 1, "storage /v1/providers": 1, **shared}


@pytest.mark.parametrize(
    ("persona", "bucket"), [("tenant-admin", WEKA_BUCKET), ("member", WEKA_BUCKET), ("operator", "bk-0011")]
)
async def test_the_detail_page_with_every_tab_makes_one_call_per_resource_type(persona: str, bucket: str) -> None:
    harness = await warm(persona)
    detail = await bucket_detail(harness, bucket, persona=persona)
    assert detail["tabs"]["objects"]["objects"] and detail["tabs"]["mountedWorkloads"]
    calls = harness.calls()
    assert all(count == 1 for count in calls.values()), calls
    assert {name: n for name, n in calls.items() if not name.startswith("access ")} == {
        **DETAIL_CALLS,
        "storage /v1/bucket-objects": 1,  # WEKA lists objects
    }


async def test_a_detail_page_without_a_listing_asks_for_no_objects() -> None:
    harness = await warm("tenant-admin")
    await bucket_detail(harness, VAST_BUCKET)
    calls = harness.calls()
    assert all(count == 1 for count in calls.values()), calls
    assert {name: n for name, n in calls.items() if not name.startswith("access ")} == DETAIL_CALLS
