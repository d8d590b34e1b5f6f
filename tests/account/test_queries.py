"""The `account` root field (own profile, security, sessions, tenant billing, personal attention items)
and the runway on workload rows: data for every persona, scope, masking, secrets, backend calls."""

from __future__ import annotations

import ipaddress
import json
from decimal import Decimal
from typing import Any

import pytest

from gateway.settings import Settings
from reference_services.seed import SECRET_MARKER
from tests.support import PERSONA_USERS, GatewayHarness, build_harness

pytestmark = pytest.mark.asyncio(loop_scope="module")

ACCOUNT_PAGE = """query AccountPage {
  account {
    overview {
      profile { name email avatarInitials persona tenant { name } }
      attention { kind severity title detail action { label route } subjectType subjectId dueAt }
    }
    profile { name email timezone locale avatarInitials updatedAt }
    security { mfaEnabled mfaMethod mfaRequiredByPolicy passwordChangedAt passwordAgeDays
               trustedDevices { name addedAt lastUsedAt } }
    billing {
      availability { state reason link } tenant { name } viewerCanManage updatedAt
      balance { amount currency } monthToDate { amount currency } hourlyBurn { amount currency }
      runway { balance { amount } hourlyBurn { amount } hoursRemaining runsOutAt state }
      spendByProject { project { name } spend { amount currency } }
      paymentMethod { brand lastFour expMonth expYear }
    }
    sessions { id device browser ipAddress location createdAt lastSeenAt current }
  }
}"""

WORKLOAD_ROWS = """query Rows($first: Int!) { workloads(first: $first) { nodes { id name
  project { name } runway { balance { amount currency } hourlyBurn { amount } hoursRemaining runsOutAt state } } } }"""

NAMES = {
    "member": "Marco Rossi",
    "project-admin": "Priya Shah",
    "tenant-admin": "Tara Nguyen",
    "operator": "Olivia Park",
    "other-tenant-admin": "Gina Okafor",
    "other-tenant-member": "Sam Lee",
}


@pytest.fixture(scope="module")
def harness() -> GatewayHarness:
    """One seeded gateway for the module (every test only reads); the viewer is cached as in production."""
    return build_harness(settings=Settings.from_env({}, viewer_cache_seconds=3600))


async def account_page(harness: GatewayHarness, persona: str) -> dict[str, Any]:
    body = await harness.query(ACCOUNT_PAGE, persona=persona)
    assert "errors" not in body, body.get("errors")
    assert SECRET_MARKER not in json.dumps(body)
    return body["data"]["account"]


@pytest.mark.parametrize("persona", sorted(PERSONA_USERS))
async def test_every_section_has_the_viewers_own_data(harness: GatewayHarness, persona: str) -> None:
    account = await account_page(harness, persona)
    profile = account["profile"]
    assert profile["name"] == account["overview"]["profile"]["name"] == NAMES[persona]
    assert profile["avatarInitials"] == "".join(p[0] for p in NAMES[persona].split())
    assert profile["timezone"] and profile["locale"]
    assert account["overview"]["attention"], "every seeded persona has something personal to act on"
    assert all(i["action"]["route"].startswith("/") for i in account["overview"]["attention"])
    assert account["security"]["trustedDevices"] and account["security"]["passwordAgeDays"] > 0
    sessions = account["sessions"]
    assert len(sessions) >= 2 and sessions[0]["current"] and sum(s["current"] for s in sessions) == 1
    for session in sessions:
        network = ipaddress.ip_network(session["ipAddress"])  # a network, never a host address
        assert network.prefixlen == (24 if network.version == 4 else 48)
    billing = account["billing"]
    if persona == "operator":
        assert billing["availability"]["state"] == "UNAVAILABLE"
        assert billing["availability"]["link"] == "/platform/finance" and billing["balance"] is None
    else:
        assert billing["availability"]["state"] == "AVAILABLE"
        assert billing["balance"]["currency"] == "USD" and billing["spendByProject"]
        assert billing["runway"]["state"] in {"OK", "LOW"}


async def test_reference_data_holds_secrets_the_gateway_never_returns(harness: GatewayHarness) -> None:
    store = harness.services["account"].state.store
    for table in ("profiles", "security_settings", "billing_accounts", "sessions"):
        assert SECRET_MARKER in json.dumps(store.query(table, {}, limit=1000).items), table
    raw_ips = {doc["ip_address"] for doc in store.query("sessions", {}, limit=1000).items}
    for persona in PERSONA_USERS:
        text = json.dumps(await account_page(harness, persona))
        assert not any(ip in text for ip in raw_ips), "session addresses are masked"
        assert "recovery" not in text.lower() and "totp_secret" not in text


async def test_payment_method_is_for_tenant_admins_and_spend_for_visible_projects(harness: GatewayHarness) -> None:
    admin = (await account_page(harness, "tenant-admin"))["billing"]
    assert admin["viewerCanManage"] and admin["paymentMethod"] == {
        "brand": "visa",
        "lastFour": "4242",
        "expMonth": 8,
        "expYear": 2028,
    }
    assert {s["project"]["name"] for s in admin["spendByProject"]} == {
        "Vision Models",
        "LLM Serving",
        "Research Sandbox",
    }
    spends = [Decimal(s["spend"]["amount"]) for s in admin["spendByProject"]]
    assert spends == sorted(spends, reverse=True) and sum(spends) == Decimal(admin["monthToDate"]["amount"])
    member = (await account_page(harness, "member"))["billing"]
    assert member["paymentMethod"] is None and not member["viewerCanManage"]
    assert {s["project"]["name"] for s in member["spendByProject"]} == {"Vision Models", "LLM Serving"}
    assert member["balance"] == admin["balance"], "the same tenant balance"


async def test_runway_is_balance_over_burn_and_globex_runs_low(harness: GatewayHarness) -> None:
    acme = (await account_page(harness, "tenant-admin"))["billing"]
    globex = (await account_page(harness, "other-tenant-admin"))["billing"]
    for billing in (acme, globex):
        balance, burn = Decimal(billing["balance"]["amount"]), Decimal(billing["hourlyBurn"]["amount"])
        assert burn > 0 and abs(Decimal(str(billing["runway"]["hoursRemaining"])) - balance / burn) < Decimal("0.1")
    assert acme["runway"]["state"] == "OK" and globex["runway"]["state"] == "LOW"
    assert globex["runway"]["hoursRemaining"] < 72


@pytest.mark.parametrize(
    ("persona", "kinds", "first_kind", "routes"),
    [
        (
            "member",
            {"mfa_disabled", "credential_expiring", "credential_expired", "password_old"},
            "mfa_disabled",
            {"mfa_disabled": "/account/security#mfa"},
        ),
        (
            "other-tenant-member",
            {"mfa_disabled", "credential_expiring", "runway_low"},
            None,
            {"runway_low": "/workloads?filter=billing"},
        ),
        ("other-tenant-admin", {"runway_low"}, "runway_low", {"runway_low": "/account/billing"}),
        ("tenant-admin", {"credential_expiring"}, "credential_expiring", {}),
        ("project-admin", {"credential_expiring"}, "credential_expiring", {}),
        ("operator", {"credential_expiring"}, "credential_expiring", {}),
    ],
)
async def test_personal_attention_items(
    harness: GatewayHarness, persona: str, kinds: set[str], first_kind: str | None, routes: dict[str, str]
) -> None:
    items = (await account_page(harness, persona))["overview"]["attention"]
    assert {i["kind"] for i in items} == kinds
    if first_kind:
        assert items[0]["kind"] == first_kind
    for kind, route in routes.items():
        assert next(i for i in items if i["kind"] == kind)["action"]["route"] == route
    ranks = ["CRITICAL", "WARNING", "INFO"]
    assert [ranks.index(i["severity"]) for i in items] == sorted(ranks.index(i["severity"]) for i in items)


async def test_mfa_severity_follows_the_tenant_policy(harness: GatewayHarness) -> None:
    marco = await account_page(harness, "member")
    sam = await account_page(harness, "other-tenant-member")
    assert marco["security"]["mfaRequiredByPolicy"] and not sam["security"]["mfaRequiredByPolicy"]
    severity = {
        name: next(i["severity"] for i in page["overview"]["attention"] if i["kind"] == "mfa_disabled")
        for name, page in (("marco", marco), ("sam", sam))
    }
    assert severity == {"marco": "CRITICAL", "sam": "WARNING"}


@pytest.mark.parametrize(
    ("persona", "states"),
    [("member", {"OK"}), ("other-tenant-member", {"LOW"}), ("operator", {"OK", "LOW"})],
)
async def test_workload_rows_carry_the_tenants_runway_with_one_billing_call(
    harness: GatewayHarness, persona: str, states: set[str]
) -> None:
    await harness.query("{ viewer { persona } }", persona=persona)
    harness.calls()
    body = await harness.query(WORKLOAD_ROWS, {"first": 60}, persona=persona)
    assert "errors" not in body
    rows = body["data"]["workloads"]["nodes"]
    assert rows and all(row["runway"] for row in rows)
    assert {row["runway"]["state"] for row in rows} == states
    assert all(row["runway"]["hourlyBurn"]["amount"] != "0.00" for row in rows)
    calls = harness.calls()
    assert calls["account /v1/billing-accounts"] == 1, calls
    assert all(count == 1 for count in calls.values()), calls


@pytest.mark.parametrize("persona", ["member", "tenant-admin", "operator"])
async def test_account_page_makes_one_backend_call_per_resource_type(harness: GatewayHarness, persona: str) -> None:
    await harness.query("{ viewer { persona } }", persona=persona)
    harness.calls()
    await account_page(harness, persona)
    calls = harness.calls()
    assert {"account /v1/profiles", "account /v1/security-settings", "account /v1/sessions"} <= set(calls)
    assert all(count == 1 for count in calls.values()), calls
