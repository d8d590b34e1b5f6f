"""Blocking gaps: a console link whose object the API does not resolve, and figures two pages disagree on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.applications import Starlette

from gateway.app import load_schema
from gateway.ids import encode_global_id
from gateway.settings import Settings
from parity.cli import run_pass
from parity.findings import GapClass
from parity.routes import load_index
from parity.runner import FIGURE_REREADS, Cell, Pass, PassRun
from parity.targets import Answer, Target
from reference_services.embedded import create_services
from tests.parity.support import gaps_of, target_on, upsert


async def test_a_link_to_an_object_that_does_not_resolve_is_blocking() -> None:
    services: dict[str, Starlette] = create_services()
    # Tara stops a workload that no longer exists: the evidence row links to its page.
    dangling = {
        "id": "aud-dangling",
        "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tenant_id": "t-acme",
        "project_id": None,
        "scope": "user",
        "actor_type": "user",
        "actor_id": "u-tara",
        "action": "workload.stopped",
        "target_type": "workload",
        "target_id": "wl-9999",
        "target_label": "gone",
        "outcome": "success",
        "source_ip": "198.51.100.7",
        "user_agent": "console/3",
        "details": {},
        "request_headers": {},
    }
    upsert(services, "access", "audit_events", dangling)
    target = await target_on(services)
    outcome = await run_pass(target, routes=["/evidence"], personas=["tenant_admin"])
    await target.aclose()
    blocking = gaps_of(outcome, GapClass.BLOCKING)
    link = f"/workloads/{encode_global_id('Workload', 'wl-9999')}"  # console links carry global ids
    assert [(g.path, g.reason) for g in blocking] == [
        (f"evidence.nodes.target.route -> {link}", f"link {link} does not resolve through the API")
    ]
    assert outcome.exit_code == 1


class _CannedTarget(Target):
    """Answers each operation with one fixed body: the re-reads see the same contradiction."""

    def __init__(self, bodies: dict[str, dict[str, Any]]) -> None:
        super().__init__("nowhere", httpx.AsyncClient())
        self.bodies = bodies
        self.reads = 0

    async def execute(self, persona: str, document: str, operation: str, variables: dict[str, Any]) -> Answer:
        self.reads += 1
        return Answer(200, {"data": self.bodies[operation]})


async def test_figures_two_pages_disagree_on_are_blocking() -> None:
    schema = load_schema(Settings().schema)._schema
    index = load_index()
    routes = [index.routes["/tenant/overview"], index.routes["/account/billing"]]
    result = PassRun("nowhere", routes, ["tenant_admin"], {}, {})
    for route in routes:
        result.cells[(route.path, "tenant_admin")] = Cell(route.path, "tenant_admin", "ran")
    money = {"amount": "120.00", "currency": "USD"}
    overview = {"tenantOverview": {"spend": {"balance": money, "tenantMonthToDate": money}}}
    billing = {"account": {"billing": {"balance": {**money, "amount": "95.50"}, "monthToDate": money}}}
    target = _CannedTarget({"TenantOverviewPage": overview, "AccountBillingPage": billing})
    parity_pass = Pass(schema, index, target)
    parity_pass.answers = {
        ("/tenant/overview", "tenant_admin"): [overview],
        ("/account/billing", "tenant_admin"): [billing],
    }
    await parity_pass._check_figures("tenant_admin", result)
    [gap] = result.cells[("/tenant/overview", "tenant_admin")].gaps
    assert gap.gap_class is GapClass.BLOCKING and gap.path == "tenantOverview.spend.balance.amount"
    assert gap.reason == "tenant balance 120.00 contradicts /account/billing (account.billing.balance.amount = 95.50)"
    assert target.reads == 2 * FIGURE_REREADS, "a contradiction is read again, both pages together"


async def test_figures_read_apart_that_agree_when_read_together_are_not_blocking() -> None:
    schema = load_schema(Settings().schema)._schema
    index = load_index()
    money = {"amount": "120.00", "currency": "USD"}
    overview = {"tenantOverview": {"spend": {"balance": money, "tenantMonthToDate": money}}}
    billing = {"account": {"billing": {"balance": money, "monthToDate": money}}}
    target = _CannedTarget({"TenantOverviewPage": overview, "AccountBillingPage": billing})
    parity_pass = Pass(schema, index, target)
    routes = [index.routes["/tenant/overview"], index.routes["/account/billing"]]
    result = PassRun("nowhere", routes, ["tenant_admin"], {}, {})
    for route in routes:
        result.cells[(route.path, "tenant_admin")] = Cell(route.path, "tenant_admin", "ran")
    accrued = {"account": {"billing": {"balance": {**money, "amount": "120.05"}, "monthToDate": money}}}
    parity_pass.answers = {  # the first reads, seconds apart while money accrued
        ("/tenant/overview", "tenant_admin"): [overview],
        ("/account/billing", "tenant_admin"): [accrued],
    }
    await parity_pass._check_figures("tenant_admin", result)
    assert result.cells[("/tenant/overview", "tenant_admin")].gaps == []
    assert target.reads == 2
