"""The `access` root field: every section for every persona, persona scope, NOT_FOUND for foreign ids,
no secret ever returned, membership paging, and one backend call per resource type."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from gateway.ids import decode_global_id, encode_global_id
from gateway.settings import Settings
from reference_services.seed import SECRET_MARKER
from tests.support import PERSONA_USERS, GatewayHarness, build_harness

pytestmark = pytest.mark.asyncio(loop_scope="module")

ACCESS_PAGE = """query AccessPage($tenant: ID, $project: ID) {
  access(tenant: $tenant) {
    tenants { id name }
    viewerCanManage
    overview(project: $project) {
      counts { projects members admins serviceAccounts credentials credentialsExpiringSoon pendingInvites
               ssoIntegrations ssoDegraded }
      attention { kind severity title detail action { label route } subjectType subjectId dueAt }
    }
    memberships(project: $project, first: 100) {
      totalCount nodes { id role viewerCanManage user { id name } project { id name } }
    }
    admins(project: $project) { user { id name } tenantAdmin projects { id } }
    invites(project: $project) { id email role status viewerCanManage project { id } invitedBy { name } }
    serviceAccounts(project: $project) {
      id name description disabled lastUsedAt viewerCanManage project { id } keys { id name status }
    }
    credentials(project: $project) {
      id name kind status prefix lastFour fingerprint createdAt lastUsedAt expiresAt revokedAt viewerCanManage
      project { id } owner { kind user { id name } serviceAccount { id name } }
    }
    entitlements(project: $project) {
      tenantWide project { id } tenant { id }
      gpuQuotas { gpuModel limit used fractionUsed state }
      storage { quotaBytes usedBytes fractionUsed state } features { name enabled }
    }
    connectivity {
      network { state reason link } firewall { state reason link }
      sshGateways { region hostname portRange status hostKeyFingerprint }
    }
    identity { id displayName provider protocol status statusReason domains lastSyncAt usersSynced viewerCanManage }
    policies { mfaRequired maxSessionHours allowedRegions credentialMaxLifetimeDays tenant { id } }
    audit(project: $project, first: 50) {
      totalCount nodes { id action scope outcome sourceIp actor { kind displayName } target { type localId }
                         details { key value } }
    }
  }
}"""

ACME_PROJECTS = {"p-vision", "p-llm", "p-research"}
GLOBEX_PROJECTS = {"p-genomics", "p-robotics"}
ADMINS = {"tenant-admin", "other-tenant-admin", "operator", "project-admin"}


def gid(type_name: str, local: str) -> str:
    return encode_global_id(type_name, local)


def local(global_id: str) -> str:
    return decode_global_id(global_id)[1]


def walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for child in value.values():
            yield from walk(child)
    elif isinstance(value, list):
        for child in value:
            yield from walk(child)


@pytest.fixture(scope="module")
def harness() -> GatewayHarness:
    """One seeded gateway for the module (every test only reads); the viewer is cached as in production."""
    return build_harness(settings=Settings.from_env({}, viewer_cache_seconds=3600))


async def access_page(harness: GatewayHarness, persona: str, **variables: Any) -> dict[str, Any]:
    body = await harness.query(ACCESS_PAGE, variables, persona=persona)
    assert SECRET_MARKER not in json.dumps(body)
    return body


@pytest.mark.parametrize("persona", sorted(PERSONA_USERS))
async def test_every_section_has_data_for_every_persona(harness: GatewayHarness, persona: str) -> None:
    body = await access_page(harness, persona)
    assert "errors" not in body, body["errors"]
    access = body["data"]["access"]
    counts = access["overview"]["counts"]
    assert counts["projects"] >= 1 and counts["members"] >= 1 and counts["ssoIntegrations"] >= 1
    assert access["overview"]["attention"], "every persona has something to act on"
    assert all(i["action"]["route"].startswith("/") for i in access["overview"]["attention"])
    assert access["memberships"]["nodes"] and access["memberships"]["totalCount"] == len(access["memberships"]["nodes"])
    assert access["serviceAccounts"] and access["credentials"] and access["entitlements"]
    assert access["identity"] and access["policies"] and access["connectivity"]["sshGateways"]
    assert access["audit"]["nodes"]
    # Invites are for those who manage them: admins (operators read-only); members manage none.
    assert bool(access["invites"]) == (persona in ADMINS)
    assert access["viewerCanManage"] == (persona in ADMINS - {"operator"})


async def test_reference_data_holds_secrets_the_gateway_never_returns(harness: GatewayHarness) -> None:
    store = harness.services["access"].state.store
    for table in ("credentials", "identity_providers", "invites", "ssh_gateways", "audit_events"):
        stored = store.query(table, {}, limit=1000).items
        assert SECRET_MARKER in json.dumps(stored), f"the seed should exercise the allow-list in {table}"
    body = await access_page(harness, "operator")  # the widest view
    assert "errors" not in body
    keys = {k for node in walk(body) if isinstance(node, dict) for k in node}
    assert not keys & {"secretValue", "privateKey", "clientSecret", "inviteToken", "hostPrivateKey", "issuerUrl"}


async def test_member_sees_own_credentials_and_their_projects_only(harness: GatewayHarness) -> None:
    access = (await access_page(harness, "member"))["data"]["access"]
    marco = gid("User", "u-marco")
    assert {c["owner"]["user"]["id"] for c in access["credentials"]} == {marco}
    assert not any(c["owner"]["serviceAccount"] for c in access["credentials"])
    projects = {local(m["project"]["id"]) for m in access["memberships"]["nodes"]}
    assert projects == {"p-vision", "p-llm"}
    assert {local(sa["project"]["id"]) for sa in access["serviceAccounts"]} <= projects
    assert all(not sa["viewerCanManage"] and sa["keys"] == [] for sa in access["serviceAccounts"])
    assert not any(e["tenantWide"] for e in access["entitlements"]), "tenant-wide quotas are for tenant admins"
    assert all(not m["viewerCanManage"] for m in access["memberships"]["nodes"])


async def test_project_admin_manages_their_project_and_sees_its_credentials(harness: GatewayHarness) -> None:
    access = (await access_page(harness, "project-admin"))["data"]["access"]
    by_name = {c["name"]: c for c in access["credentials"]}
    assert "marco-notebook-token" in by_name, "a member's key bound to the admin's project"
    assert by_name["llm-gateway-2025"]["owner"]["serviceAccount"]["name"] == "llm-gateway"
    assert "marco-cli" not in by_name, "a key of a project the viewer only belongs to"
    assert "tara-admin-key" not in by_name
    manage = {local(sa["project"]["id"]): sa["viewerCanManage"] for sa in access["serviceAccounts"]}
    assert manage == {"p-llm": True, "p-vision": False}
    assert {local(i["project"]["id"]) for i in access["invites"]} == {"p-llm"}
    assert all(i["viewerCanManage"] for i in access["invites"])


async def test_tenant_admin_sees_the_tenant_and_nothing_of_another(harness: GatewayHarness) -> None:
    access = (await access_page(harness, "tenant-admin"))["data"]["access"]
    assert [t["id"] for t in access["tenants"]] == [gid("Tenant", "t-acme")]
    assert any(e["tenantWide"] for e in access["entitlements"])
    assert {local(m["project"]["id"]) for m in access["memberships"]["nodes"]} <= ACME_PROJECTS
    text = json.dumps(access)
    for foreign in ("Globex", "genomics", "gina", "sam-cli"):
        assert foreign not in text
    assert all(c["viewerCanManage"] for c in access["credentials"])
    assert any(i["project"] is None and i["role"] == "TENANT_ADMIN" for i in access["invites"])


async def test_operator_sees_every_tenant_read_only(harness: GatewayHarness) -> None:
    access = (await access_page(harness, "operator"))["data"]["access"]
    assert {local(t["id"]) for t in access["tenants"]} == {"t-acme", "t-globex"}
    assert {local(sa["project"]["id"]) for sa in access["serviceAccounts"]} == ACME_PROJECTS | GLOBEX_PROJECTS
    assert not any(sa["viewerCanManage"] for sa in access["serviceAccounts"])
    assert not any(i["viewerCanManage"] for i in access["invites"])
    manageable = {c["name"] for c in access["credentials"] if c["viewerCanManage"]}
    assert manageable == {"olivia-yubikey", "olivia-ops-cli"}, "operators manage only their own keys"
    assert {i["status"] for i in access["identity"]} == {"ACTIVE", "DEGRADED"}
    narrowed = (await access_page(harness, "operator", tenant=gid("Tenant", "t-globex")))["data"]["access"]
    assert [t["name"] for t in narrowed["tenants"]] == ["Globex Research"]
    assert {local(sa["project"]["id"]) for sa in narrowed["serviceAccounts"]} <= GLOBEX_PROJECTS


@pytest.mark.parametrize(
    ("persona", "variables"),
    [
        ("tenant-admin", {"tenant": gid("Tenant", "t-globex")}),
        ("tenant-admin", {"tenant": gid("Tenant", "t-nowhere")}),
        ("tenant-admin", {"project": gid("Project", "p-genomics")}),
        ("tenant-admin", {"project": gid("Project", "p-nowhere")}),
        ("member", {"project": gid("Project", "p-research")}),
        ("other-tenant-member", {"project": gid("Project", "p-llm")}),
    ],
)
async def test_foreign_and_missing_ids_answer_not_found(harness: GatewayHarness, persona: str, variables: dict) -> None:
    query = "query($tenant: ID, $project: ID) { access(tenant: $tenant) { serviceAccounts(project: $project) { id } } }"
    body = await harness.query(query, variables, persona=persona)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
    assert body["errors"][0]["message"] in {"no tenant with this id", "no project with this id"}
    assert "genomics" not in json.dumps(body) and "Vision" not in json.dumps(body)


async def test_nodes_of_access_objects_follow_section_scope(harness: GatewayHarness) -> None:
    query = (
        "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Credential { name } ... on ServiceAccount { name } "
        "... on SsoIntegration { displayName } } }"
    )
    ids = [
        gid("Credential", "cred-marco-cli"),
        gid("Credential", "cred-tara-admin"),
        gid("ServiceAccount", "sa-vision-ci"),
        gid("ServiceAccount", "sa-genomics-pipeline"),
        gid("SsoIntegration", "idp-acme-okta"),
        gid("SsoIntegration", "idp-globex-entra"),
    ]
    body = await harness.query(query, {"ids": ids}, persona="member")
    names = [n and (n.get("name") or n.get("displayName")) for n in body["data"]["nodes"]]
    assert names == ["marco-cli", None, "vision-ci", None, "Acme Okta", None]
    assert {e["extensions"]["code"] for e in body["errors"]} == {"NOT_FOUND"}
    body = await harness.query(query, {"ids": ids}, persona="operator")
    assert all(body["data"]["nodes"]) and "errors" not in body


async def test_project_argument_narrows_every_section(harness: GatewayHarness) -> None:
    access = (await access_page(harness, "tenant-admin", project=gid("Project", "p-llm")))["data"]["access"]
    llm = gid("Project", "p-llm")
    assert access["overview"]["counts"]["projects"] == 1
    assert {m["project"]["id"] for m in access["memberships"]["nodes"]} == {llm}
    assert {sa["project"]["id"] for sa in access["serviceAccounts"]} == {llm}
    assert {c["project"]["id"] for c in access["credentials"]} == {llm}
    assert [e["project"]["id"] for e in access["entitlements"]] == [llm]
    assert {i["project"]["id"] for i in access["invites"]} == {llm}


async def test_entitlements_show_usage_near_the_limit_with_an_action(harness: GatewayHarness) -> None:
    access = (await access_page(harness, "project-admin"))["data"]["access"]
    llm = next(e for e in access["entitlements"] if e["project"] and local(e["project"]["id"]) == "p-llm")
    near = [q for q in llm["gpuQuotas"] if q["state"] == "NEAR_LIMIT"]
    assert near and all(0.85 <= q["fractionUsed"] < 1 and q["used"] < q["limit"] for q in near)
    assert llm["storage"]["state"] == "NEAR_LIMIT"
    items = [i for i in access["overview"]["attention"] if i["kind"] == "quota_near_limit"]
    llm = urlencode({"project": encode_global_id("Project", "p-llm")})
    assert items and all(i["action"]["route"] == f"/access/entitlements?{llm}" for i in items)


async def test_credentials_expiring_within_14_days_are_flagged(harness: GatewayHarness) -> None:
    access = (await access_page(harness, "other-tenant-admin"))["data"]["access"]
    expiring = {c["name"] for c in access["credentials"] if c["status"] == "EXPIRING_SOON"}
    assert expiring == {"sam-cli", "pipeline-key"}
    assert access["overview"]["counts"]["credentialsExpiringSoon"] == 2
    flagged = {i["subjectId"]: i for i in access["overview"]["attention"] if i["kind"] == "credential_expiring"}
    assert set(flagged) == {"cred-sam-cli", "cred-sa-genomics"}
    assert flagged["cred-sam-cli"]["severity"] == "CRITICAL", "expires within three days"
    assert any(i["kind"] == "sso_degraded" for i in access["overview"]["attention"])
    api_keys = [c for c in access["credentials"] if c["kind"] == "API_KEY"]
    assert all(c["prefix"] and len(c["lastFour"]) == 4 and c["fingerprint"] is None for c in api_keys)


async def test_connectivity_is_future_state_plus_real_ssh_gateways(harness: GatewayHarness) -> None:
    connectivity = (await access_page(harness, "member"))["data"]["access"]["connectivity"]
    for part in ("network", "firewall"):
        assert connectivity[part]["state"] == "FUTURE"
        assert connectivity[part]["reason"] and connectivity[part]["link"].startswith("/docs/access/connectivity#")
    hosts = {g["hostname"] for g in connectivity["sshGateways"]}
    assert hosts == {"ssh.acme.gpucloud.example", "ssh-eu.acme.gpucloud.example"}


async def test_memberships_page_with_cursors(harness: GatewayHarness) -> None:
    query = (
        "query($after: String) { access { memberships(first: 2, after: $after) { totalCount "
        "pageInfo { hasNextPage endCursor } nodes { id } } } }"
    )
    seen: list[str] = []
    after = None
    while True:
        page = (await harness.query(query, {"after": after}, persona="operator"))["data"]["access"]["memberships"]
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == page["totalCount"] == 5
    body = await harness.query(query, {"after": "bm90LWEtY3Vyc29y"}, persona="operator")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_access_audit_is_scoped_and_limited_to_access_changes(harness: GatewayHarness) -> None:
    member = (await access_page(harness, "member"))["data"]["access"]["audit"]["nodes"]
    assert {n["scope"] for n in member} == {"PROJECT"}
    assert {n["target"]["type"] for n in member} <= {"membership", "invite", "service_account", "credential"}
    admin = (await access_page(harness, "tenant-admin"))["data"]["access"]["audit"]["nodes"]
    assert {"TENANT", "PROJECT", "USER"} <= {n["scope"] for n in admin}
    assert not any(n["target"]["type"] in {"workload", "bucket", "node"} for n in admin)
    details = {d["key"] for n in admin for d in n["details"]}
    assert not details & {"secret_value", "client_secret", "password_attempt", "card_number", "totp_secret"}


@pytest.mark.parametrize("persona", ["member", "tenant-admin", "operator"])
async def test_access_page_makes_one_backend_call_per_resource_type(harness: GatewayHarness, persona: str) -> None:
    await harness.query("{ viewer { persona } }", persona=persona)  # the viewer is cached, as in production
    harness.calls()
    body = await access_page(harness, persona)
    assert "errors" not in body
    calls = harness.calls()
    assert {"access /v1/credentials", "access /v1/memberships", "access /v1/audit-events"} <= set(calls)
    assert all(count == 1 for count in calls.values()), calls
