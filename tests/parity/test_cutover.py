"""The seed's cutover routes on the embedded default: no blocking gap and no seed gap; what the schema's
`@scopedTo` declarations keep from a persona is "not applicable to this persona", and pickers on the page are
followed."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette

from parity import baseline as baselines
from parity.cli import run_pass
from parity.findings import GapClass
from reference_services.embedded import create_services
from tests.parity.support import gaps_of, stored, target_on, upsert

BASELINE = Path(__file__).resolve().parents[2] / "parity-baseline.json"
# A member's credential lists hold only their own keys, so no service-account key reaches their overview: the
# schema declares it (`@scopedTo(gets: OWN_ITEMS, personas: [MEMBER], unseen: ["owner.serviceAccount"])`).
ACCESS_RULE = ("/project/overview", "member", "projectOverview.access.expiringCredentials.owner.serviceAccount")


async def test_the_cutover_set_has_no_blocking_gap_and_no_seed_gap() -> None:
    target = await target_on(create_services())
    outcome = await run_pass(target, routes=["cutover"], baseline=baselines.load(BASELINE))
    await target.aclose()
    assert gaps_of(outcome, GapClass.BLOCKING) == []
    assert gaps_of(outcome, GapClass.SEED) == []
    route, persona, path = ACCESS_RULE
    scoped = outcome.run.cells[(route, persona)].not_applicable
    assert [n.path for n in scoped] == [path]
    assert "@scopedTo on OverviewAccess.expiringCredentials" in scoped[0].reason
    assert outcome.new == [] and outcome.stale == [] and outcome.exit_code == 0


async def test_a_null_the_schema_declares_for_the_viewers_role_is_not_applicable_not_a_seed_gap() -> None:
    target = await target_on(create_services())
    outcome = await run_pass(target, routes=["/storage/{id}", "/account"], personas=["tenant_admin", "operator"])
    await target.aclose()
    # A tenant admin's projects own every bucket they open (grant: `@scopedTo(whenField: "kind", whenValues:
    # ["OWNER"])`); an operator belongs to no tenant (profile.tenant: `@scopedTo(personas: [OPERATOR])`).
    assert gaps_of(outcome, GapClass.SEED) == []
    bucket = outcome.run.cells[("/storage/{id}", "tenant_admin")]
    assert "bucket.viewerAccess.grant" in {n.path for n in bucket.not_applicable}
    account = outcome.run.cells[("/account", "operator")]
    assert "account.overview.profile.tenant" in {n.path for n in account.not_applicable}


async def test_a_role_the_response_does_not_name_keeps_the_seed_gap() -> None:
    services: dict[str, Starlette] = create_services()
    # Every audit event of the tenant loses its actor's service account: the page would never show one.
    store = services["access"].state.store
    accounts = [a["id"] for a in store.query("service_accounts", {}, limit=1000).items]
    acted = store.query("audit_events", {"actor_id": accounts}, limit=1000)
    assert acted.items, "the seed has service-account actions"
    for event in acted.items:
        upsert(services, "access", "audit_events", {**event, "actor_type": "system", "actor_id": "system"})
    target = await target_on(services)
    outcome = await run_pass(target, routes=["/access/audit"], personas=["tenant_admin"])
    await target.aclose()
    assert [g.path for g in gaps_of(outcome, GapClass.SEED)] == ["access.audit.nodes.actor.serviceAccount"]


async def test_the_evidence_page_is_opened_in_every_scope_its_picker_offers() -> None:
    target = await target_on(create_services())
    outcome = await run_pass(target, routes=["/evidence"], personas=["member", "tenant_admin"])
    await target.aclose()
    # USER scope (the default) holds only the viewer's actions; PROJECT (and TENANT for the tenant admin) hold
    # the service accounts' too. TENANT and PLATFORM are refused to a member: not offered, not walked.
    assert outcome.run.cells[("/evidence", "member")].runs == 2
    assert outcome.run.cells[("/evidence", "tenant_admin")].runs == 3
    assert gaps_of(outcome, GapClass.SEED) == [] and gaps_of(outcome, GapClass.BLOCKING) == []


async def test_a_subtree_under_a_future_state_is_not_a_seed_gap() -> None:
    services: dict[str, Starlette] = create_services()
    target = await target_on(services)
    outcome = await run_pass(target, routes=["/launch/compute"], personas=["project_admin"])
    await target.aclose()
    # network.firewallRules is empty in every draft because networkAvailability is FUTURE: one future gap.
    assert [g.path for g in gaps_of(outcome, GapClass.FUTURE_PRODUCT, "/launch/compute")].count(
        "launchDrafts.networkAvailability"
    ) == 1
    assert gaps_of(outcome, GapClass.SEED) == []
    drafts = stored(services, "workloads", "launch_drafts", ["ld-seed-priya-compute"])
    assert drafts and drafts[0]["inputs"]["access"]["new_service_account"]["name"] == "priya-ablation-runner"
