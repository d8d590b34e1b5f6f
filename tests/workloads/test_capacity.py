"""The capacity model: seeded workloads hold GPUs on nodes of their model within each node's GPUs, pending ones wait
because no ready node has their GPUs free (and say so with the numbers), a waiting launch is placed once a stop
frees a node, and platform finance's per-model rows are derived from the fleet and the tenants' own usage."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from gateway.ids import decode_global_id, encode_global_id
from reference_services import capacity
from reference_services.billing import runs_from_events
from reference_services.scheduler import PROVISIONING_TIME, WorkloadScheduler
from reference_services.seed import TENANTS, build_world
from tests.idempotency_support import key
from tests.invariants.pages import (
    BILLING_PAGE,
    FINANCE_PAGE,
    FIXED_NOW,
    clock_of,
    data,
    fixed_harness,
    money,
    mutation,
)
from tests.support import GatewayHarness

SITES = ("site-ash1", "site-dub1", "site-ash2")
FLEET = """query($id: ID!) { maasSite(id: $id) { nodes { id status gpuModel gpuCount allocatedGpus } } }"""
ROWS = """query Rows($after: String) { workloads(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor }
  nodes { id name status statusReason createdAt project { id } gpu { model count } node { id gpuModel } } } }"""
ADMINS = {"t-acme": "u-tara", "t-globex": "u-gina"}
IN_SERVICE = {"READY", "CORDONED", "DRAINING"}
HOLDING = {"PROVISIONING", "RUNNING", "STOPPING"}


@pytest.fixture
def harness() -> GatewayHarness:
    return fixed_harness()


async def fleet(harness: GatewayHarness) -> dict[str, dict[str, Any]]:
    """Every node of every site, as the operator's site pages list them, by node id."""
    nodes: dict[str, dict[str, Any]] = {}
    for site in SITES:
        found = await data(harness, FLEET, "operator", id=encode_global_id("MaasSite", site))
        nodes.update({decode_global_id(n["id"])[1]: n for n in found["maasSite"]["nodes"]})
    return nodes


async def rows(harness: GatewayHarness, persona: str = "operator") -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await data(harness, ROWS, persona, after=after))["workloads"]
        found.extend(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def free_on_ready_nodes(nodes: dict[str, dict[str, Any]], model: str) -> dict[str, int]:
    return {
        i: n["gpuCount"] - n["allocatedGpus"]
        for i, n in nodes.items()
        if n["status"] == "READY" and n["gpuModel"] == model
    }


@pytest.mark.parametrize("scale", [1, 2, 3])
def test_the_seed_places_every_holding_workload_on_a_node_of_its_model_within_the_nodes_gpus(scale: int) -> None:
    world = build_world(scale=scale, now=FIXED_NOW)
    nodes = {n["id"]: n for n in world.domains["platform"]["nodes"]}
    workloads = world.domains["workloads"]["workloads"]
    held: dict[str, int] = defaultdict(int)
    for workload in workloads:
        if workload["status"] in capacity.HOLDING_STATES:
            node = nodes[workload["node_id"]]  # set, and a node of the fleet
            assert node["gpu_model"] == workload["gpu"]["model"] and node["status"] in capacity.IN_SERVICE
            held[node["id"]] += workload["gpu"]["count"]
        else:
            assert workload["node_id"] is None, workload["id"]
    assert all(count <= nodes[node_id]["gpu_count"] for node_id, count in held.items())
    free = capacity.free_by_node(nodes.values(), workloads)
    pending = [w for w in workloads if w["status"] == "pending"]
    assert pending
    for workload in pending:
        assert capacity.best_fit(nodes.values(), free, workload["gpu"]) is None, workload["id"]
        assert workload["status_reason"] == capacity.waiting_reason(workload["gpu"])
    # Small launches still fit: a ready node of every model has a GPU free.
    for model in {n["gpu_model"] for n in nodes.values()}:
        assert any(free.get(i, 0) for i, n in nodes.items() if n["gpu_model"] == model and n["status"] == "ready")


def node_of_each_run(events: list[dict[str, Any]]) -> dict[str, str]:
    """The node each workload was placed on, as its timeline says ("Placed on node-007; provisioning")."""
    placed = {}
    for event in events:
        if event.get("to_status") == "provisioning":
            placed[event["workload_id"]] = event["message"].removeprefix("Placed on ").split(";")[0]
    return placed


@pytest.mark.parametrize("scale", [1, 2, 3])
def test_at_every_instant_of_the_seeded_past_no_node_holds_more_gpus_than_it_has(scale: int) -> None:
    world = build_world(scale=scale, now=FIXED_NOW)
    nodes = {n["id"]: n for n in world.domains["platform"]["nodes"]}
    workloads = {w["id"]: w for w in world.domains["workloads"]["workloads"]}
    events = world.domains["workloads"]["workload-events"]
    placed = node_of_each_run(events)
    changes: dict[str, list[tuple[Any, int]]] = defaultdict(list)  # node -> (instant, GPUs taken or released)
    runs = runs_from_events(events, FIXED_NOW)
    for workload_id, spans in runs.items():
        if not spans:  # never held GPUs (pending)
            continue
        workload = workloads[workload_id]
        node = nodes[placed[workload_id]]  # every run names its node, one of the fleet's, of the workload's model
        assert node["gpu_model"] == workload["gpu"]["model"] and node["status"] in capacity.IN_SERVICE
        if capacity.holds_gpus(workload):
            assert workload["node_id"] == node["id"]
        for start, end in spans:
            changes[node["id"]] += [(start, workload["gpu"]["count"]), (end, -workload["gpu"]["count"])]
    assert sum(len(s) for s in runs.values()) > len(workloads) // 2  # the past is there, not only the present
    peaks: dict[str, int] = defaultdict(int)
    for node_id, steps in changes.items():
        held = 0
        for _, change in sorted(steps, key=lambda c: (c[0], c[1])):  # a release before a take at the same instant
            held += change
            assert held <= nodes[node_id]["gpu_count"], node_id
            peaks[node_id] = max(peaks[node_id], held)
    assert max(peaks.values()) == 8  # some node was full at some instant


def test_gpu_hours_sold_fit_the_fleet_in_every_seeded_month() -> None:
    world = build_world(now=FIXED_NOW)
    nodes, workloads = world.domains["platform"]["nodes"], world.domains["workloads"]["workloads"]
    runs = runs_from_events(world.domains["workloads"]["workload-events"], FIXED_NOW)
    rows = world.domains["platform"]["gpu-economics"]
    assert {r["period"] for r in rows} == {"2026-11", "2026-12"}
    for row in rows:
        found = capacity.economics_figures(row, nodes, workloads, runs, FIXED_NOW)
        assert found["gpus_held"] <= found["gpus_in_fleet"], row["id"]
        assert 0 < found["gpu_hours_sold"] <= found["gpu_hours_available"], row["id"]


async def test_pages_show_every_running_workload_on_its_node_and_pending_ones_waiting_for_what_is_not_free(
    harness: GatewayHarness,
) -> None:
    nodes, found = await fleet(harness), await rows(harness)
    held: dict[str, int] = defaultdict(int)
    for row in found:
        if row["status"] in HOLDING:
            node_id = decode_global_id(row["node"]["id"])[1]
            assert row["node"]["gpuModel"] == row["gpu"]["model"] and nodes[node_id]["status"] in IN_SERVICE
            held[node_id] += row["gpu"]["count"]
    for node_id, node in nodes.items():
        assert node["allocatedGpus"] == held.get(node_id, 0) <= node["gpuCount"], node_id
    waiting = [r for r in found if r["status"] == "PENDING"]
    for row in waiting:
        model, count = row["gpu"]["model"], row["gpu"]["count"]
        assert max(free_on_ready_nodes(nodes, model).values()) < count, row["name"]
        assert row["statusReason"] == f"Waiting for capacity: {count}x {model} not free on any ready node"


async def test_finance_rows_per_gpu_model_are_the_fleet_and_the_tenants_own_usage(harness: GatewayHarness) -> None:
    finance = (await data(harness, FINANCE_PAGE, "operator"))["platform"]["finance"]
    overview = await data(
        harness, "{ platform { overview { capacityByGpuModel { gpuModel gpusInService gpusAllocated } } } }", "operator"
    )
    capacity_rows = {c["gpuModel"]: c for c in overview["platform"]["overview"]["capacityByGpuModel"]}
    held: dict[str, int] = defaultdict(int)
    for row in await rows(harness):
        if row["status"] in HOLDING:
            held[row["gpu"]["model"]] += row["gpu"]["count"]
    models = finance["gpuModels"]
    assert {m["gpuModel"] for m in models} == set(capacity_rows)
    for row in models:
        model = row["gpuModel"]
        assert row["gpusHeld"] == held[model] == capacity_rows[model]["gpusAllocated"]
        assert row["gpusInFleet"] == capacity_rows[model]["gpusInService"]
        assert 0 < row["utilisation"] <= 1 and row["utilisation"] == pytest.approx(row["gpusHeld"] / row["gpusInFleet"])
    # The models add up to the platform's revenue, which is the sum of the tenants' own month to date.
    revenue = sum((money(m["revenue"]) for m in models), Decimal(0))
    assert (
        revenue
        == money(finance["revenueMonthToDate"])
        == sum((money(t["revenue"]) for t in finance["tenants"]), Decimal(0))
    )
    month_to_date = Decimal(0)
    for tenant in TENANTS:
        month_to_date += money(
            (await data(harness, BILLING_PAGE, ADMINS[tenant["id"]]))["account"]["billing"]["monthToDate"]
        )
    assert revenue == month_to_date > 0
    for row in models:  # what was sold fits in what the fleet could sell
        assert 0 < row["gpuHoursSold"] <= row["gpuHoursAvailable"], row["gpuModel"]
    hours = sum(m["gpuHoursSold"] for m in models)
    assert hours == pytest.approx(finance["gpuHoursMonthToDate"], abs=0.05 * len(models))


async def test_a_pending_workload_is_placed_when_a_stop_frees_a_node_and_then_runs(harness: GatewayHarness) -> None:
    clock = clock_of(harness)
    scheduler: WorkloadScheduler = harness.services["workloads"].state.scheduler
    nodes, everyone, own = await fleet(harness), await rows(harness), await rows(harness, "tenant-admin")
    waiting = sorted((r for r in everyone if r["status"] == "PENDING"), key=lambda r: r["createdAt"])
    first = waiting[0]  # the longest waiting is placed first
    model, count = first["gpu"]["model"], first["gpu"]["count"]
    free = free_on_ready_nodes(nodes, model)
    holder = next(  # a running workload of the tenant admin's tenant whose stop makes room for it
        r
        for r in own
        if r["status"] == "RUNNING"
        and r["node"]
        and decode_global_id(r["node"]["id"])[1] in free
        and free[decode_global_id(r["node"]["id"])[1]] + r["gpu"]["count"] >= count
    )
    node_id = decode_global_id(holder["node"]["id"])[1]
    assert scheduler.tick(clock.now()) == []  # nothing has room yet
    stop = mutation("workloads/StopWorkload")
    body = await harness.query(
        stop, {"input": {"workloadId": holder["id"], "idempotencyKey": key("cap")}}, persona="tenant-admin"
    )
    assert body["data"]["stopWorkload"]["userErrors"] == []
    assert (await fleet(harness))[node_id]["allocatedGpus"] == nodes[node_id]["allocatedGpus"] - holder["gpu"]["count"]
    clock.advance(timedelta(seconds=5))
    local = decode_global_id(first["id"])[1]
    moved = scheduler.tick(clock.now())
    assert moved[0] == (local, "provisioning") and {status for _, status in moved} == {"provisioning"}
    now = {decode_global_id(r["id"])[1]: r for r in await rows(harness)}
    placed = [now[i] for i, _ in moved]  # the first in line, then any other that fits in what is left
    assert all(p["status"] == "PROVISIONING" and p["node"]["id"] == holder["node"]["id"] for p in placed)
    assert now[local]["statusReason"].startswith(f"Provisioning on {node_id}")
    room = free[node_id] + holder["gpu"]["count"] - sum(p["gpu"]["count"] for p in placed)
    assert room >= 0
    # The others of the model still wait: the freed node has less room left than they ask for.
    left = [now[decode_global_id(w["id"])[1]] for w in waiting if w["gpu"]["model"] == model]
    assert all(r["gpu"]["count"] > room for r in left if r["status"] == "PENDING")
    clock.advance(PROVISIONING_TIME)
    ran = scheduler.tick(clock.now())  # these, and the seeded provisioning ones, now provisioned
    assert {(i, "running") for i, _ in moved} <= set(ran) and {status for _, status in ran} == {"running"}
    assert {r["id"]: r for r in await rows(harness)}[first["id"]]["status"] == "RUNNING"
    after = await fleet(harness)
    assert after[node_id]["allocatedGpus"] <= after[node_id]["gpuCount"]
