"""Hops (rounds of backend calls that depend on each other) per page, counted in event-loop turns, never timed.

``bench.hops.HopCounter`` holds every backend request until the loop is quiet and nothing is in flight, then
releases them together: the number of releases is the page's dependency depth.
"""

from __future__ import annotations

from typing import Any

import pytest

from bench.hops import HopCounter, count_fields
from bench.pages import route_operation
from gateway.ids import encode_global_id
from gateway.settings import Settings
from tests.support import build_harness

MAX_HOPS = 2
ONE_SAMPLE_BYTES = 1024  # a metrics sample with its sources and serving or training section, with room to spare


async def shape(query: str, variables: dict[str, object] | None = None) -> tuple[HopCounter, dict[str, object]]:
    """The hop counter after one warm request of ``query`` as the tenant admin, and the response body."""
    counter = HopCounter()
    harness = build_harness(settings=Settings.from_env({}, viewer_cache_seconds=3600), wrap_transport=counter.wrap)
    assert "errors" not in await harness.query("{ viewer { persona } }")
    counter.reset()
    body = await harness.query(query, variables)
    assert "errors" not in body, body.get("errors")
    return counter, body


async def test_the_workloads_page_of_50_rows_is_two_hops_deep() -> None:
    counter, body = await shape(route_operation("/workloads"), {"first": 50})
    rows = body["data"]["workloads"]["edges"]  # type: ignore[index]
    assert len(rows) == 50
    assert any(row["node"]["tabs"]["storage"]["mounts"] for row in rows)
    assert counter.waves == [
        ["workloads /v1/workloads"],
        ["account /v1/billing-accounts", "platform /v1/nodes", "storage /v1/mounts", "workloads /v1/workload-metrics"],
    ]
    assert counter.hops <= MAX_HOPS


async def test_the_workloads_page_reads_only_each_running_rows_newest_sample() -> None:
    # Its rows' next steps need the newest sample's utilisation, not the series (48 samples of ~360 bytes each).
    counter, body = await shape(route_operation("/workloads"), {"first": 50})
    running = sum(row["node"]["status"] == "RUNNING" for row in body["data"]["workloads"]["edges"])  # type: ignore[index]
    assert running > 0
    assert counter.calls["workloads /v1/workload-metrics"] == 1
    assert counter.answer_bytes["workloads /v1/workload-metrics"] <= running * ONE_SAMPLE_BYTES


@pytest.mark.parametrize("workload", ["wl-0027", "wl-0019", "wl-0011", "wl-0003", "wl-0001"])
async def test_the_workload_detail_page_is_at_most_two_hops_deep(workload: str) -> None:
    counter, body = await shape(route_operation("/workloads/{id}"), {"id": encode_global_id("Workload", workload)})
    detail = body["data"]["workload"]  # type: ignore[index]
    assert detail["tabs"]["storage"]["mounts"] and all(m["bucket"] for m in detail["tabs"]["storage"]["mounts"])
    assert counter.waves[0] == ["storage /v1/mounts", "workloads /v1/workloads"]  # asked for together
    assert counter.hops <= MAX_HOPS
    assert all(count == 1 for count in counter.calls.values()), counter.calls


@pytest.mark.parametrize("route", ["/tenant/overview", "/project/overview"])
async def test_the_landings_are_one_hop_deep(route: str) -> None:
    counter, _ = await shape(route_operation(route))
    assert counter.hops == 1
    assert all(count == 1 for count in counter.calls.values()), counter.calls


async def test_the_counter_sees_a_chain_of_dependent_calls() -> None:
    # Control: buckets -> their mounts -> the mounting workloads -> their nodes, each needing the answer before.
    counter, _ = await shape(
        "{ buckets(first: 5) { edges { node { tabs { mountedWorkloads { workload { node { hostname } } } } } } } }"
    )
    assert counter.waves == [
        ["storage /v1/buckets"],
        ["storage /v1/mounts"],
        ["workloads /v1/workloads"],
        ["platform /v1/nodes"],
    ]


def test_fields_are_counted_through_lists_and_objects() -> None:
    assert count_fields({"a": 1, "b": [{"c": 1, "d": None}, {"c": 2, "d": {"e": 3}}], "f": None}) == 3 + 4 + 1
    assert count_fields(None) == 0


async def test_mounts_without_a_carried_bucket_still_resolve_it_by_id(monkeypatch: pytest.MonkeyPatch) -> None:
    # A storage service that predates the carried summary (or a store seeded before it): one more call, same page.
    import reference_services.seed_storage

    carried_counter, carried = await shape(route_operation("/workloads"), {"first": 50})
    monkeypatch.setattr(reference_services.seed_storage, "carry_bucket_summaries", lambda world: None)
    counter, body = await shape(route_operation("/workloads"), {"first": 50})
    assert mounts_of(body) == mounts_of(carried) and any(tabs["storage"]["mounts"] for tabs in mounts_of(body))
    assert counter.waves[-1] == ["storage /v1/buckets"] and counter.hops == carried_counter.hops + 1


def mounts_of(body: dict[str, Any]) -> list[Any]:
    """Each row's storage tab (what the carried buckets feed; ages and costs move with the clock)."""
    return [edge["node"]["tabs"] for edge in body["data"]["workloads"]["edges"]]
