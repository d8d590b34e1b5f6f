"""Billing facts of the seed, chosen so the figures derived from them (``billing``) tell the demo's story.

The seed stores no figure: a tenant's credits are set so that, at the seed's clock, its balance lasts the
intended runway (Acme about 1,900 hours, Globex about 30); every later figure follows from the workloads'
timelines and the clock. Seeded workloads' run fields are settled from their timelines too.
"""

from __future__ import annotations

from typing import Any

from reference_services import billing
from reference_services.seed import World

Document = dict[str, Any]
RUNWAY_HOURS = {"t-acme": 1900, "t-globex": 30}  # the story: Acme is comfortable, Globex is about to run dry


def _workloads(world: World, tenant_id: str | None = None) -> list[Document]:
    found = world.domains.get("workloads", {}).get("workloads", [])
    return [w for w in found if tenant_id is None or w["tenant_id"] == tenant_id]


def world_runs(world: World) -> dict[str, list[billing.Run]]:
    """Every seeded workload's runs, from the seeded timelines, at the seed's clock."""
    return billing.runs_from_events(world.domains.get("workloads", {}).get("workload-events", []), world.now)


def credits_cents(world: World, tenant_id: str) -> int:
    """Prepaid credits that leave ``RUNWAY_HOURS`` of the seed-time burn after everything accrued so far."""
    workloads = _workloads(world, tenant_id)
    figures = billing.billing_figures({"credits_cents": 0}, workloads, world_runs(world), world.now, [])
    return billing.burn_cents(workloads) * RUNWAY_HOURS[tenant_id] - figures["balance_cents"]


def account_figures(world: World, tenant_id: str) -> Document:
    """The tenant's billing figures at the seed's clock, as the account service derives them."""
    account = {"tenant_id": tenant_id, "credits_cents": credits_cents(world, tenant_id)}
    return billing.billing_figures(account, _workloads(world, tenant_id), world_runs(world), world.now, [])


def settle_workloads(world: World) -> None:
    """Set each seeded workload's stored run fields from its timeline (the read side derives them anyway)."""
    runs = world_runs(world)
    for workload in _workloads(world):
        settled = billing.with_accrual(workload, runs.get(workload["id"], []))
        workload["started_at"] = settled["started_at"]
        workload["completed_run_seconds"] = settled["completed_run_seconds"]
