"""The pages the money and quota tests read, through the gateway, as the console reads them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from gateway.ids import decode_global_id
from reference_services.clock import Clock
from tests import route_operations as ops
from tests.support import GatewayHarness, build_harness

MUTATIONS = Path(__file__).resolve().parents[2] / "operations" / "mutations"
TENANT_PAGE = ops.document(ops.ROUTES["/tenant/overview"])
PROJECT_PAGE = ops.document(ops.ROUTES["/project/overview"])
BILLING_PAGE = ops.document(ops.ROUTES["/account/billing"])
FINANCE_PAGE = ops.document(ops.ROUTES["/platform/finance"])
NOTIFICATIONS_PAGE = ops.document(ops.ROUTES["/notifications"])
WORKLOAD_ROWS = """query Rows($after: String) {
  workloads(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id name status createdAt ageSeconds
      project { id name }
      gpu { model count }
      cost { hourly { amount } accrued { amount } billing }
    }
  }
}"""
# Mid-month, so an hour's advance never crosses into another month.
FIXED_NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def mutation(name: str) -> str:
    """A committed mutation document, e.g. ``workloads/StopWorkload``."""
    return (MUTATIONS / f"{name}.graphql").read_text()


def fixed_harness() -> GatewayHarness:
    """A gateway on freshly seeded services whose clock stands at ``FIXED_NOW``."""
    return build_harness(clock=Clock(FIXED_NOW))


def clock_of(harness: GatewayHarness) -> Clock:
    """The services' clock (one, shared by every service of the harness)."""
    clock: Clock = harness.services["workloads"].state.clock
    return clock


def money(value: dict[str, Any] | None) -> Decimal:
    """A Money field's amount."""
    assert value is not None
    return Decimal(str(value["amount"]))


async def data(harness: GatewayHarness, query: str, persona: str, **variables: Any) -> dict[str, Any]:
    """The data of a query that must answer without errors."""
    body = await harness.query(query, variables, persona=persona)
    assert "errors" not in body, body["errors"]
    found: dict[str, Any] = body["data"]
    return found


async def workload_rows(harness: GatewayHarness, persona: str) -> list[dict[str, Any]]:
    """Every workload row the persona sees, all pages."""
    rows: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await data(harness, WORKLOAD_ROWS, persona, after=after))["workloads"]
        rows.extend(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return rows
        after = page["pageInfo"]["endCursor"]


def project_entitlement(overview: dict[str, Any], project_id: str) -> dict[str, Any]:
    """A project's entitlement as an overview's governance section shows it."""
    return next(
        e
        for e in overview["governance"]["entitlements"]
        if e["project"] and decode_global_id(e["project"]["id"])[1] == project_id
    )


EVIDENCE_PAGE = ops.document(ops.ROUTES["/evidence"])


async def audit_page(harness: GatewayHarness, persona: str, scope: str = "USER", **variables: Any) -> list[Any]:
    """The first page of the audit page (/evidence) as the persona opens it, newest first."""
    return list((await data(harness, EVIDENCE_PAGE, persona, scope=scope, **variables))["evidence"]["nodes"])


def service_time(clock: Clock) -> str:
    """The service clock's time as audit events carry it (whole seconds, UTC)."""
    return clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


async def act(harness: GatewayHarness, document: str, given: dict[str, Any], persona: str) -> dict[str, Any]:
    """Run a mutation with a fresh idempotency key; it must succeed without errors or userErrors."""
    body = await harness.query(
        document, {"input": given}, persona=persona, headers={"Idempotency-Key": f"audit-{uuid.uuid4()}"}
    )
    assert "errors" not in body, body["errors"]
    payload: dict[str, Any] = next(iter(body["data"].values()))
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


def audit_summary(event: dict[str, Any]) -> tuple[Any, ...]:
    """An audit entry as (action, outcome, actor, target label, target route)."""
    target = event["target"]
    return (event["action"], event["outcome"], event["actor"]["displayName"], target["label"], target["route"])
