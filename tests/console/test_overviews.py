"""The persona landings: `tenantOverview` and `projectOverview` answer governance, spend, access, workloads,
recent changes and the action band from the seeded services, for the right personas only, with sections
fetched concurrently and failing alone."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from gateway.ids import decode_global_id, encode_global_id
from gateway.settings import Settings
from tests import route_operations as ops
from tests.invariants.figures import served
from tests.support import GatewayHarness, build_harness

TENANT_PAGE = ops.document(ops.ROUTES["/tenant/overview"])
PROJECT_PAGE = ops.document(ops.ROUTES["/project/overview"])
SEVERITY_ORDER = ["CRITICAL", "WARNING", "INFO"]


def gid(type_name: str, local: str) -> str:
    return encode_global_id(type_name, local)


def local(global_id: str) -> str:
    return decode_global_id(global_id)[1]


def cached_viewer_settings(**backend: Any) -> Settings:
    """The viewer cached (as in production) and, for fault tests, failures reported at once."""
    base = Settings.from_env({}, viewer_cache_seconds=3600)
    knobs = {"total_timeout": 2.0, "retry_backoff": 0.0, "breaker_failures": 10_000, **backend}
    return dataclasses.replace(base, backends={d: dataclasses.replace(b, **knobs) for d, b in base.backends.items()})


@pytest.fixture
def harness() -> GatewayHarness:
    return build_harness(settings=cached_viewer_settings())


def seeded(resource: str, domain: str = "access") -> list[dict[str, Any]]:
    return ops.WORLD.domains[domain][resource]


async def test_the_tenant_overview_answers_the_tenant_admin_directly(harness: GatewayHarness) -> None:
    body = await harness.query(TENANT_PAGE, persona="tenant-admin")
    assert "errors" not in body, body["errors"]
    overview = body["data"]["tenantOverview"]
    assert overview["tenant"]["name"] == "Acme AI Labs" and overview["route"] == "/tenant/overview"
    governance, spend, access = overview["governance"], overview["spend"], overview["access"]
    # Governance: the tenant-wide entitlement first, then each project's; the tenant's policy; who belongs.
    assert governance["entitlements"][0]["tenantWide"] is True
    assert {e["project"]["name"] for e in governance["entitlements"][1:]} == {p["name"] for p in overview["projects"]}
    assert governance["policies"]["mfaRequired"] is True
    acme = [m for m in seeded("memberships") if m["tenant_id"] == "t-acme"]
    assert governance["memberCount"] == len({m["user_id"] for m in acme})
    assert governance["invites"]["availability"]["state"] == "AVAILABLE"
    assert any(i["project"] is None for i in governance["invites"]["pending"]), "the tenant-level invite"
    # Spend: the billing account's figures, by project highest first.
    (account,) = await served(harness, "account", "billing-accounts", tenant_id="t-acme")
    assert Decimal(spend["monthToDate"]["amount"]) == Decimal(account["month_to_date_cents"]) / 100
    lines = [Decimal(line["spend"]["amount"]) for line in spend["byProject"]]
    assert lines == sorted(lines, reverse=True) and sum(lines) == Decimal(spend["monthToDate"]["amount"])
    assert spend["runway"]["hoursRemaining"] == round(account["balance_cents"] / account["hourly_burn_cents"], 1)
    # Access: tenant admins first, every credential listed expires soon (or has expired).
    assert access["admins"][0]["user"]["name"] == "Tara Nguyen" and access["admins"][0]["tenantAdmin"]
    assert {c["status"] for c in access["expiringCredentials"]} <= {"EXPIRING_SOON", "EXPIRED"}
    assert access["counts"]["credentialsExpiringSoon"] == sum(
        c["status"] == "EXPIRING_SOON" for c in access["expiringCredentials"]
    )
    # Workloads: every active workload of the tenant counted, by status.
    projects = {p["id"] for p in seeded("projects") if p["tenant_id"] == "t-acme"}
    active = [
        w
        for w in seeded("workloads", "workloads")
        if w["project_id"] in projects and w["status"] in {"pending", "provisioning", "running", "stopping", "failed"}
    ]
    assert overview["workloads"]["active"] == len(active) == sum(s["count"] for s in overview["workloads"]["byStatus"])
    # Recent changes: the tenant's audit, newest first.
    times = [c["at"] for c in overview["recentChanges"]]
    assert times == sorted(times, reverse=True) and len(times) == 10
    # The action band: most urgent first, each item with a label and a console route.
    band = overview["attention"]
    severities = [SEVERITY_ORDER.index(i["severity"]) for i in band]
    assert severities == sorted(severities)
    assert all(i["action"]["label"] and i["action"]["route"].startswith("/") for i in band)
    kinds = {i["kind"] for i in band}
    assert {"workload_failed", "credential_expiring", "quota_near_limit"} <= kinds
    failed = [i for i in band if i["kind"] == "workload_failed"]
    assert failed and all(
        i["action"]["route"].startswith(f"/workloads/{encode_global_id('Workload', i['subjectId'])}#") for i in failed
    )


async def test_a_low_balance_leads_the_other_tenant_admin_to_add_funds(harness: GatewayHarness) -> None:
    body = await harness.query(TENANT_PAGE, persona="other-tenant-admin")
    assert "errors" not in body
    overview = body["data"]["tenantOverview"]
    assert overview["spend"]["runway"]["state"] == "LOW"
    runway = next(i for i in overview["attention"] if i["kind"] == "runway_low")
    assert runway["action"] == {"label": "Add funds", "route": "/account/billing"}
    assert ops.foreign_ids(body["data"], "other-tenant-admin") == []
    assert "Acme" not in json.dumps(body) and "Vision Models" not in json.dumps(body)


@pytest.mark.parametrize("persona", ["member", "project-admin", "other-tenant-member"])
async def test_only_tenant_admins_and_operators_open_the_tenant_overview(harness: GatewayHarness, persona: str) -> None:
    body = await harness.query(TENANT_PAGE, persona=persona)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert body["data"]["tenantOverview"] is None


@pytest.mark.parametrize(
    ("persona", "tenant", "expected"),
    [
        ("tenant-admin", "t-acme", "Acme AI Labs"),
        ("tenant-admin", "t-globex", None),
        ("tenant-admin", "t-nowhere", None),
        ("operator", None, "Acme AI Labs"),  # an operator without a tenant: the first by name
        ("operator", "t-globex", "Globex Research"),
        ("operator", "t-nowhere", None),
    ],
)
async def test_the_tenant_overview_of_a_named_tenant(
    harness: GatewayHarness, persona: str, tenant: str | None, expected: str | None
) -> None:
    variables = {"tenant": gid("Tenant", tenant)} if tenant else {}
    body = await harness.query(TENANT_PAGE, variables, persona=persona)
    if expected is None:
        assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
        assert "Globex" not in json.dumps(body)
        return
    assert "errors" not in body
    overview = body["data"]["tenantOverview"]
    assert overview["tenant"]["name"] == expected
    tenant_id = local(overview["tenant"]["id"])
    assert {local(p["id"]) for p in overview["projects"]} == {
        p["id"] for p in seeded("projects") if p["tenant_id"] == tenant_id
    }
    credentials = {c["id"] for c in seeded("credentials") if c.get("tenant_id") == tenant_id}
    assert {local(c["id"]) for c in overview["access"]["expiringCredentials"]} <= credentials


async def test_the_project_overview_defaults_to_the_first_project_and_keeps_to_it(harness: GatewayHarness) -> None:
    body = await harness.query(PROJECT_PAGE, persona="member")
    assert "errors" not in body
    overview = body["data"]["projectOverview"]
    assert overview["project"]["name"] == "LLM Serving" and overview["project"]["viewerRole"] == "MEMBER"
    assert [local(line["project"]["id"]) for line in overview["spend"]["byProject"]] == ["p-llm"]
    assert overview["spend"]["monthToDate"] == overview["spend"]["byProject"][0]["spend"]
    assert all(local(e["project"]["id"]) == "p-llm" for e in overview["governance"]["entitlements"])
    assert all(c["project"]["id"] == gid("Project", "p-llm") for c in overview["recentChanges"] if c["project"])
    assert {local(w["project"]["id"]) for w in overview["workloads"]["recent"]} == {"p-llm"}
    # A member manages no invites: the section says so rather than showing an unexplained empty list.
    invites = overview["governance"]["invites"]
    assert invites["availability"]["state"] == "UNAVAILABLE" and invites["pending"] == []
    admins = {a["user"]["name"]: a for a in overview["access"]["admins"]}
    assert admins["Tara Nguyen"]["tenantAdmin"] and admins["Priya Shah"]["projects"] == [
        {"id": gid("Project", "p-llm"), "name": "LLM Serving"}
    ]


async def test_a_project_admin_sees_the_invites_of_their_project(harness: GatewayHarness) -> None:
    body = await harness.query(PROJECT_PAGE, {"project": gid("Project", "p-llm")}, persona="project-admin")
    invites = body["data"]["projectOverview"]["governance"]["invites"]
    assert invites["availability"]["state"] == "AVAILABLE"
    assert {i["email"] for i in invites["pending"]} == {
        i["email"] for i in seeded("invites") if i.get("project_id") == "p-llm"
    }


@pytest.mark.parametrize(
    ("persona", "project"),
    [
        ("member", "p-research"),
        ("other-tenant-member", "p-llm"),
        ("tenant-admin", "p-genomics"),
        ("member", "p-nowhere"),
    ],
)
async def test_a_project_out_of_view_is_not_found(harness: GatewayHarness, persona: str, project: str) -> None:
    body = await harness.query(PROJECT_PAGE, {"project": gid("Project", project)}, persona=persona)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
    assert body["data"]["projectOverview"] is None


async def set_fault(harness: GatewayHarness, domain: str, spec: dict[str, Any]) -> None:
    transport = httpx.ASGITransport(app=harness.services[domain])
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{domain}.test") as client:
        assert (await client.post("/_faults", json=spec)).status_code == 200


@pytest.mark.parametrize(
    ("domain", "failed"),
    [
        ("account", {"spend", "attention"}),
        ("workloads", {"workloads", "attention"}),
    ],
)
async def test_one_failing_service_costs_only_its_sections(
    harness: GatewayHarness, domain: str, failed: set[str]
) -> None:
    healthy = await harness.query(TENANT_PAGE, persona="tenant-admin")  # also caches the viewer
    await set_fault(harness, domain, {"down": True})
    body = await harness.query(TENANT_PAGE, persona="tenant-admin")
    overview = body["data"]["tenantOverview"]
    assert {e["path"][1] for e in body["errors"]} == failed
    assert {(e["extensions"]["code"], e["extensions"]["service"]) for e in body["errors"]} == {
        ("BACKEND_UNAVAILABLE", domain)
    }
    assert {name for name, value in overview.items() if value is None} == failed
    for section in ("governance", "access", "recentChanges"):
        assert overview[section] == healthy["data"]["tenantOverview"][section]


class Rendezvous(httpx.AsyncBaseTransport):
    """Holds each armed domain's first request until every armed domain has one in flight."""

    def __init__(self, domain: str, inner: httpx.AsyncBaseTransport, shared: dict[str, Any]) -> None:
        self.domain, self.inner, self.shared = domain, inner, shared

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        armed: set[str] = self.shared["armed"]
        if self.domain in armed and self.domain not in self.shared["arrived"]:
            self.shared["arrived"].add(self.domain)
            if self.shared["arrived"] >= armed:
                self.shared["all_in_flight"].set()
            # Sequential sections would wait here forever: the next domain is only asked after this one answers.
            await asyncio.wait_for(self.shared["all_in_flight"].wait(), timeout=1.0)
        return await self.inner.handle_async_request(request)


async def test_the_sections_are_fetched_concurrently() -> None:
    shared: dict[str, Any] = {"armed": set(), "arrived": set(), "all_in_flight": asyncio.Event()}
    harness = build_harness(
        settings=cached_viewer_settings(total_timeout=5.0),
        wrap_transport=lambda domain, inner: Rendezvous(domain, inner, shared),
    )
    await harness.query("{ viewer { persona } }", persona="tenant-admin")
    shared["armed"] = {"access", "account", "workloads"}
    harness.calls()
    body = await harness.query(TENANT_PAGE, persona="tenant-admin")
    assert "errors" not in body, body["errors"]
    assert shared["all_in_flight"].is_set()
    assert {key.split(" ")[0] for key in harness.calls()} == {"access", "account", "workloads"}
