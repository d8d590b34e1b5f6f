"""Order is time, and the operator's landing fits the operator.

* Lists are newest first: the workloads page by creation time (wl-0058, created hours ago, above wl-0068, created
  days ago), the tenant overview's recent workloads start with the newest active one.
* Operators are offered /tenant/overview (they may call `tenantOverview`), and hold no role in the projects they
  see read-only (not MEMBER of every project).
"""

from __future__ import annotations

import pytest

from gateway.ids import decode_global_id
from gateway.settings import Settings
from resolvers.console import navigation
from tests import route_operations as ops
from tests.support import GatewayHarness, build_harness

ACTIVE = {"pending", "provisioning", "running", "stopping", "failed"}
WORKLOADS = """query($after: String) { workloads(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor } nodes { id ageSeconds } } }"""


@pytest.fixture(scope="module")
def harness() -> GatewayHarness:
    return build_harness(settings=Settings.from_env({}, viewer_cache_seconds=3600))


def local(global_id: str) -> str:
    return decode_global_id(global_id)[1]


@pytest.mark.parametrize("persona", ["tenant-admin", "member", "other-tenant-admin"])
async def test_the_workloads_list_is_newest_first(harness: GatewayHarness, persona: str) -> None:
    ages: list[int] = []
    ids: list[str] = []
    after = None
    while True:
        found = (await harness.query(WORKLOADS, {"after": after}, persona=persona))["data"]["workloads"]
        ages += [n["ageSeconds"] for n in found["nodes"]]
        ids += [local(n["id"]) for n in found["nodes"]]
        if not found["pageInfo"]["hasNextPage"]:
            break
        after = found["pageInfo"]["endCursor"]
    assert len(ids) > 5
    assert ages == sorted(ages), f"{persona}: not newest first: {list(zip(ids, ages, strict=True))[:12]}"
    if persona == "tenant-admin":
        assert ids.index("wl-0058") < ids.index("wl-0068")  # 10 h old above 79 h old


async def test_the_tenant_overviews_recent_workloads_start_with_the_newest(harness: GatewayHarness) -> None:
    seeded = [
        w for w in ops.WORLD.domains["workloads"]["workloads"] if w["tenant_id"] == "t-acme" and w["status"] in ACTIVE
    ]
    newest = max(seeded, key=lambda w: w["created_at"])["id"]
    body = await harness.query("{ tenantOverview { workloads { recent { id ageSeconds } } } }", persona="tenant-admin")
    recent = body["data"]["tenantOverview"]["workloads"]["recent"]
    assert local(recent[0]["id"]) == newest
    assert [w["ageSeconds"] for w in recent] == sorted(w["ageSeconds"] for w in recent)


async def test_operators_are_offered_the_tenant_overview_they_may_open(harness: GatewayHarness) -> None:
    body = await harness.query(ops.document(ops.INDEX["shell"]), persona="operator")
    landings = {entry["path"]: entry["visible"] for entry in body["data"]["shell"]["landings"]}
    assert landings["/tenant/overview"] is True
    assert body["data"]["shell"]["defaultLanding"] == "/platform/overview"
    assert "operator" in ops.ROUTES["/tenant/overview"]["personas"]
    assert "operator" in next(r for r in navigation.LANDINGS if r.path == "/tenant/overview").personas
    page = await harness.query(ops.document(ops.ROUTES["/tenant/overview"]), persona="operator")
    assert "errors" not in page and page["data"]["tenantOverview"]["tenant"]["name"]


async def test_operators_hold_no_role_in_the_projects_they_see(harness: GatewayHarness) -> None:
    body = await harness.query("{ viewer { persona projects { id viewerRole } } }", persona="operator")
    projects = body["data"]["viewer"]["projects"]
    assert len(projects) == 5 and {p["viewerRole"] for p in projects} == {None}
    admin = await harness.query("{ viewer { projects { viewerRole } } }", persona="tenant-admin")
    assert {p["viewerRole"] for p in admin["data"]["viewer"]["projects"]} == {"ADMIN"}
    member = await harness.query("{ viewer { projects { viewerRole } } }", persona="member")
    assert {p["viewerRole"] for p in member["data"]["viewer"]["projects"]} == {"MEMBER"}
