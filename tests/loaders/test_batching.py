"""Pages make at most one backend call per resource type, and independent loads run concurrently.

Calls are counted by the harness's counting transport; concurrency is observed by a transport that
records how many watched requests are in flight at once, never by timing.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from gateway.ids import encode_global_id
from gateway.settings import Settings
from tests.support import GatewayHarness, build_harness

WORKLOADS_PAGE = """query { workloads(first: 50) { totalCount edges { node {
  id name kind status ageSeconds cost { hourly { amount } accrued { amount } }
  primaryAction { kind enabled reason } suggestedNextSteps { title }
  node { hostname } project { name tenant { name } } owner { name }
  tabs {
    storage { mounts { mountPath bucket { name usage { state } provider { displayName } } } }
    metrics { availability { state } latest { gpuUtilization } }
    events { message }
  }
} } } }"""

BUCKETS_PAGE = """query { buckets(first: 50) { edges { node {
  name usage { usedBytes state } project { name } provider { displayName capabilities { name validated } }
  tabs { mountedWorkloads { mountPath workload { name status node { hostname } } } }
} } } }"""

WORKLOAD_DETAIL = """query($id: ID!) { workload(id: $id) {
  id name kind status statusReason ageSeconds gpu { model count }
  cost { hourly { amount } accrued { amount } billing }
  primaryAction { kind enabled reason route } actions { kind enabled reason } suggestedNextSteps { title route }
  node { hostname } project { name tenant { name } viewerRole } owner { name }
  tabs {
    overview { timeline { status state at } recentActivity { message } }
    connect { methods { kind command availability { state } } }
    metrics { availability { state } latest { gpuUtilization } sources { href } }
    events { type message at }
    storage { mounts { mountPath bucket { name usage { state } provider { displayName } project { name } } } }
    config { image environment { name redacted } }
  }
  ... on TrainingWorkload { training { fractionComplete checkpointBucket { name } datasetBucket { name } } }
} }"""

# Every resource type a page touches, each fetched exactly once. Mounts carry their buckets, so the
# workloads page reads no buckets by id.
WORKLOAD_PAGE_CALLS = {
    "workloads /v1/workloads": 1,
    "workloads /v1/workload-events": 1,
    "workloads /v1/workload-metrics": 1,
    "platform /v1/nodes": 1,
    "storage /v1/mounts": 1,
    "storage /v1/providers": 1,
    "access /v1/tenants": 1,
    "access /v1/users": 1,
}
BUCKET_PAGE_CALLS = {
    "storage /v1/buckets": 1,
    "storage /v1/providers": 1,
    "storage /v1/mounts": 1,
    "workloads /v1/workloads": 1,
    "platform /v1/nodes": 1,
}
# Resolving the viewer's identity and scope (cached per process; cold on the first request).
VIEWER_LOOKUP_CALLS = {"access /v1/users": 1, "access /v1/memberships": 1, "access /v1/projects": 1}
PERSONAS = ["member", "project-admin", "tenant-admin", "operator", "other-tenant-admin"]
# Who sees only some of their tenant's projects reaches buckets shared with them: deciding that reads the tenant's
# grants, once per page (and, on the bucket list, the owning projects of the shared buckets, once).
GRANTEES = {"member", "project-admin"}


async def warm(persona: str) -> GatewayHarness:
    """A harness whose viewer is already known, so the counts are the page's own calls."""
    harness = build_harness(settings=Settings.from_env({}, viewer_cache_seconds=3600))
    body = await harness.query("{ viewer { persona } }", persona=persona)
    assert "errors" not in body
    harness.calls()
    return harness


@pytest.mark.parametrize("persona", PERSONAS)
async def test_workloads_page_of_50_makes_one_call_per_resource_type(persona: str) -> None:
    harness = await warm(persona)
    body = await harness.query(WORKLOADS_PAGE, persona=persona)
    assert "errors" not in body
    rows = [edge["node"] for edge in body["data"]["workloads"]["edges"]]
    assert len(rows) == min(50, body["data"]["workloads"]["totalCount"])
    if persona in {"tenant-admin", "operator"}:
        assert len(rows) == 50
    assert any(row["node"] for row in rows) and any(row["tabs"]["storage"]["mounts"] for row in rows)
    assert any(row["tabs"]["events"] for row in rows) and any(row["tabs"]["metrics"]["latest"] for row in rows)
    shared = {"storage /v1/grants": 1} if persona in GRANTEES else {}  # wl-0019 mounts research-datasets
    assert harness.calls() == {**WORKLOAD_PAGE_CALLS, **shared}


async def test_a_cold_request_adds_only_the_viewer_lookup() -> None:
    harness = build_harness(settings=Settings.from_env({}, viewer_cache_seconds=3600))
    assert "errors" not in await harness.query(WORKLOADS_PAGE)
    assert Counter(harness.calls()) == Counter(WORKLOAD_PAGE_CALLS) + Counter(VIEWER_LOOKUP_CALLS)


@pytest.mark.parametrize("persona", PERSONAS)
async def test_bucket_list_with_mounted_workloads_makes_one_call_per_resource_type(persona: str) -> None:
    harness = await warm(persona)
    body = await harness.query(BUCKETS_PAGE, persona=persona)
    assert "errors" not in body
    rows = [edge["node"] for edge in body["data"]["buckets"]["edges"]]
    mounted = [m for row in rows for m in row["tabs"]["mountedWorkloads"]]
    assert rows and mounted and any(m["workload"]["node"] for m in mounted)
    shared = {"storage /v1/grants": 1, "access /v1/projects": 1} if persona in GRANTEES else {}
    assert harness.calls() == {**BUCKET_PAGE_CALLS, **shared}


@pytest.mark.parametrize("workload", ["wl-0027", "wl-0019", "wl-0011", "wl-0003", "wl-0001"])
async def test_workload_detail_with_every_tab_makes_one_call_per_resource_type(workload: str) -> None:
    harness = await warm("tenant-admin")
    body = await harness.query(WORKLOAD_DETAIL, {"id": encode_global_id("Workload", workload)})
    assert "errors" not in body
    detail = body["data"]["workload"]
    assert detail["tabs"]["overview"]["timeline"] and detail["tabs"]["events"]
    calls = harness.calls()
    assert all(count == 1 for count in calls.values()), calls
    assert {"workloads /v1/workloads", "workloads /v1/workload-events", "storage /v1/mounts"} <= set(calls)
    if detail["status"] == "RUNNING":  # a training job also reads its checkpoint and dataset buckets by id
        training = {"storage /v1/buckets": 1} if detail["kind"] == "TRAINING" else {}
        assert calls == {**WORKLOAD_PAGE_CALLS, **training}


async def test_nodes_with_20_mixed_ids_makes_one_call_per_type() -> None:
    harness = await warm("operator")
    ids = [
        *(encode_global_id("Workload", w) for w in ("wl-0001", "wl-0019", "wl-0033", "wl-0050", "wl-9999")),
        *(encode_global_id("Bucket", b) for b in ("bk-0001", "bk-0004", "bk-0010", "bk-9999")),
        *(encode_global_id("Project", p) for p in ("p-vision", "p-genomics", "p-nope")),
        *(encode_global_id("Tenant", t) for t in ("t-acme", "t-globex")),
        *(encode_global_id("User", u) for u in ("u-marco", "u-sam", "u-nobody")),
        *(encode_global_id("GpuNode", n) for n in ("node-001", "node-999")),
        encode_global_id("Workload", "wl-0002"),
    ]
    assert len(ids) == 20
    body = await harness.query("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids}, persona="operator")
    found = [node["id"] if node else None for node in body["data"]["nodes"]]
    missing = {
        ids.index(encode_global_id(t, i))
        for t, i in [
            ("Workload", "wl-9999"),
            ("Bucket", "bk-9999"),
            ("Project", "p-nope"),
            ("User", "u-nobody"),
            ("GpuNode", "node-999"),
        ]
    }
    assert found == [None if n in missing else ids[n] for n in range(20)]
    assert {e["path"][1] for e in body["errors"]} == missing
    assert harness.calls() == {
        "workloads /v1/workloads": 1,
        "storage /v1/buckets": 1,
        "access /v1/projects": 1,
        "access /v1/tenants": 1,
        "access /v1/users": 1,
        "platform /v1/nodes": 1,
    }


class InFlightProbe:
    """Shared by every domain's transport: how many watched requests are in flight at once.

    A watched request waits (a bounded number of event-loop turns, not a clock) for a second one
    to start, so loads issued together are observed together whatever the scheduling.
    """

    YIELDS = 200

    def __init__(self, watched: set[str]) -> None:
        self.watched = watched
        self.in_flight = 0
        self.max_in_flight = 0
        self.seen: list[str] = []

    def wrap(self, domain: str, inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        return _ProbedTransport(self, domain, inner)


class _ProbedTransport(httpx.AsyncBaseTransport):
    def __init__(self, probe: InFlightProbe, domain: str, inner: httpx.AsyncBaseTransport) -> None:
        self.probe, self.domain, self.inner = probe, domain, inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        name = f"{self.domain} {request.url.path}"
        if name not in self.probe.watched:
            return await self.inner.handle_async_request(request)
        probe = self.probe
        probe.seen.append(name)
        probe.in_flight += 1
        probe.max_in_flight = max(probe.max_in_flight, probe.in_flight)
        try:
            for _ in range(probe.YIELDS):
                if probe.in_flight >= 2:
                    break
                await asyncio.sleep(0)
            return await self.inner.handle_async_request(request)
        finally:
            probe.in_flight -= 1


async def test_independent_node_and_mount_loads_run_concurrently() -> None:
    probe = InFlightProbe({"platform /v1/nodes", "storage /v1/mounts"})
    harness = build_harness(wrap_transport=probe.wrap)
    body = await harness.query(
        "{ workloads(first: 50) { edges { node { node { hostname } tabs { storage { mounts { mountPath } } } } } } }"
    )
    assert "errors" not in body
    assert sorted(probe.seen) == ["platform /v1/nodes", "storage /v1/mounts"]
    assert probe.max_in_flight >= 2


async def test_the_probe_sees_a_dependent_chain_as_sequential() -> None:
    # Control: a listing's mounts are asked for by the workload ids of its answer, so they can never overlap.
    probe = InFlightProbe({"workloads /v1/workloads", "storage /v1/mounts"})
    harness = build_harness(wrap_transport=probe.wrap)
    body = await harness.query(
        "{ workloads(first: 5) { edges { node { tabs { storage { mounts { mountPath } } } } } } }"
    )
    assert "errors" not in body
    assert probe.seen == ["workloads /v1/workloads", "storage /v1/mounts"]
    assert probe.max_in_flight == 1


async def test_a_workload_by_id_asks_for_its_mounts_with_it() -> None:
    probe = InFlightProbe({"workloads /v1/workloads", "storage /v1/mounts"})
    harness = build_harness(wrap_transport=probe.wrap)
    body = await harness.query(
        "query($id: ID!) { workload(id: $id) { tabs { storage { mounts { bucket { name } } } } } }",
        {"id": encode_global_id("Workload", "wl-0001")},
    )
    assert "errors" not in body
    assert sorted(probe.seen) == ["storage /v1/mounts", "workloads /v1/workloads"]
    assert probe.max_in_flight == 2
