"""Service accounts: integrators call the API as a project's non-human identity.

The token names the account (``sub``) and says it is one (``principal_type: service_account``); the access
service describes it (its project and tenant; refused when unknown or disabled); it acts as a member of its
one project through the same scope checks as people; every action is attributed to it in the audit trail;
and with trusted documents on, it (and only it) may run documents outside the registry.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import jwt
import pytest

from gateway.auth.local import LOCAL_ISSUER, LocalSigner
from gateway.auth.principal import Principal, principal_kind
from gateway.auth.tokens_cli import mint
from gateway.documents import DEFAULT_OPERATIONS_DIR, DocumentRegistry, PersistedQueries, document_hash
from gateway.errors import Unauthenticated
from gateway.ids import encode_global_id
from gateway.rejections import RequestRejected
from gateway.security_settings import SecuritySettings
from gateway.settings import Settings, SettingsError
from tests.live_support import bearer, live_client, serving, until
from tests.support import GatewayHarness, build_harness

AUDIENCE = "controlplane-gateway"
ACCOUNT = "sa-llm-eval"  # p-llm (t-acme), enabled
LLM = encode_global_id("Project", "p-llm")
VISION = encode_global_id("Project", "p-vision")
GENOMICS = encode_global_id("Project", "p-genomics")
STOP = "mutation($w: ID!) { stopWorkload(input: {workloadId: $w}) { workload { id status } userErrors { code } } }"
CREATE_BUCKET = """mutation($p: ID!, $name: String!) {
  createBucket(input: {projectId: $p, name: $name, purpose: "dataset", provider: WEKA, region: "us-east-1",
                       quotaBytes: 1099511627776}) { bucket { id name project { id } } userErrors { code } }
}"""
AD_HOC = "{ viewer { persona } }"


def gateway(**security: Any) -> GatewayHarness:
    settings = Settings.from_env({}, viewer_cache_seconds=0)
    if security:
        replaced = dataclasses.replace(settings.security, **security)
        settings = Settings.from_env({}, viewer_cache_seconds=0, security=replaced)
    return build_harness(settings=settings)


def account_token(harness: GatewayHarness, account: str = ACCOUNT, **claims: Any) -> str:
    """A development token for a service account, as ``gateway token --service-account`` mints it."""
    signer = harness.app.state.guard.authenticator.signer
    assert signer is not None
    given: dict[str, Any] = {"tenant": "t-acme", "roles": [], "principal_type": "service_account", **claims}
    return signer.mint(account, audience=AUDIENCE, **given)


async def call(
    harness: GatewayHarness, token: str, query: str, variables: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    headers = {"authorization": f"Bearer {token}", "idempotency-key": f"sa-{uuid.uuid4()}"}
    async with harness.client() as client:
        response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    return response.status_code, response.json()


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


def audit_of(harness: GatewayHarness, actor: str) -> list[dict[str, Any]]:
    """The access service's audit events of an actor, newest first (the ground truth)."""
    store = harness.services["access"].state.store
    return store.query("audit_events", {"actor_id": [actor]}, limit=100).items


# --- the token ------------------------------------------------------------------------------------------------


def test_the_principal_type_claim_names_the_kind() -> None:
    assert principal_kind({}) == principal_kind({"principal_type": "user"}) == "user"
    assert principal_kind({"principal_type": "service_account"}) == "service_account"
    for bad in ("robot", "", 1, ["service_account"]):
        with pytest.raises(Unauthenticated) as refused:
            principal_kind({"principal_type": bad})
        assert refused.value.extensions["reason"] == "malformed"


@pytest.mark.socket  # runs `gateway token` as a process
def test_gateway_token_mints_a_service_account_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    output = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "token", "--service-account", ACCOUNT],
        env={**env, "GATEWAY_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    signer = LocalSigner.load_or_create(tmp_path)
    claims = jwt.decode(output, signer.public_key, algorithms=["ES256"], audience=AUDIENCE, issuer=LOCAL_ISSUER)
    assert (claims["sub"], claims["principal_type"], claims["tenant"], claims["roles"]) == (
        ACCOUNT,
        "service_account",
        "t-acme",
        [],
    )


@pytest.mark.parametrize(
    ("account", "message"), [("sa-nobody", "knows no service account"), ("sa-vision-labeler", "is disabled")]
)
async def test_gateway_token_refuses_unknown_and_disabled_accounts(tmp_path: Path, account: str, message: str) -> None:
    settings = Settings.from_env({"GATEWAY_DATA_DIR": str(tmp_path)})
    with pytest.raises(SettingsError, match=message):
        await mint(settings, persona=None, user_id=None, ttl_seconds=None, service_account=account)


async def test_a_minted_service_account_token_is_accepted_by_the_local_gateway(tmp_path: Path) -> None:
    settings = Settings.from_env({"GATEWAY_DATA_DIR": str(tmp_path)}, viewer_cache_seconds=0)
    token = await mint(settings, persona=None, user_id=None, ttl_seconds=None, service_account=ACCOUNT)
    status, body = await call(build_harness(settings=settings), token, "{ viewer { persona user { name } } }")
    assert status == 200 and body["data"]["viewer"] == {"persona": "MEMBER", "user": {"name": "llm-eval"}}


@pytest.mark.parametrize(
    ("subject", "claims", "reason"),
    [
        (ACCOUNT, {"principal_type": None}, "unknown_user"),  # a person's token cannot name a service account
        ("u-priya", {}, "unknown_service_account"),  # nor a service account's token a person
        ("sa-nobody", {}, "unknown_service_account"),
        ("sa-vision-labeler", {}, "service_account_disabled"),
        (ACCOUNT, {"tenant": "t-globex"}, "claims_mismatch"),
        (ACCOUNT, {"roles": ["tenant_admin"]}, "claims_mismatch"),
        (ACCOUNT, {"principal_type": "robot"}, "malformed"),
    ],
)
async def test_tokens_that_do_not_name_an_enabled_service_account_are_unauthenticated(
    subject: str, claims: dict[str, Any], reason: str
) -> None:
    harness = gateway()
    given = {k: v for k, v in claims.items() if v is not None}
    token = account_token(harness, subject, **given)
    if claims.get("principal_type", "") is None:  # a person's token: no principal_type claim at all
        signer = harness.app.state.guard.authenticator.signer
        assert signer is not None
        token = signer.mint(subject, audience=AUDIENCE, tenant="t-acme", roles=[])
    status, body = await call(harness, token, AD_HOC)
    assert status == 401 and codes(body) == ["UNAUTHENTICATED"]
    assert body["errors"][0]["extensions"]["reason"] == reason


# --- scope: a member of its one project -------------------------------------------------------------------


async def test_a_service_account_sees_its_own_project_only() -> None:
    harness = gateway()
    query = """{ viewer { persona projects { id } }
                 workloads(first: 100) { nodes { project { id } } }
                 buckets(first: 100) { nodes { project { id } viewerAccess { kind } } } }"""
    status, body = await call(harness, account_token(harness), query)
    assert status == 200 and "errors" not in body
    data = body["data"]
    assert data["viewer"] == {"persona": "MEMBER", "projects": [{"id": LLM}]}
    assert data["workloads"]["nodes"] and {n["project"]["id"] for n in data["workloads"]["nodes"]} == {LLM}
    # its project's buckets, and those other projects share with it (vision-checkpoints, research-datasets)
    owners = {n["project"]["id"] for n in data["buckets"]["nodes"] if n["viewerAccess"]["kind"] == "OWNER"}
    shared = {n["project"]["id"] for n in data["buckets"]["nodes"] if n["viewerAccess"]["kind"] == "GRANT"}
    assert owners == {LLM} and shared == {VISION, encode_global_id("Project", "p-research")}


async def test_a_service_account_acts_in_its_project_and_the_audit_names_it() -> None:
    harness = gateway()
    token = account_token(harness)
    status, stopped = await call(harness, token, STOP, {"w": encode_global_id("Workload", "wl-0019")})
    assert status == 200 and stopped["data"]["stopWorkload"]["userErrors"] == []
    status, created = await call(harness, token, CREATE_BUCKET, {"p": LLM, "name": "sa-made"})
    assert created["data"]["createBucket"]["userErrors"] == []
    events = audit_of(harness, ACCOUNT)[:2]
    assert [(e["action"], e["actor_type"], e["project_id"], e["outcome"]) for e in events] == [
        ("bucket.created", "service_account", "p-llm", "success"),
        ("workload.stopped", "service_account", "p-llm", "success"),
    ]
    assert events[1]["target_id"] == "wl-0019"
    # The backends saw the account as the actor of each command (X-Actor-Id), so the workload's events do too.
    workload_events = harness.services["workloads"].state.store.query(
        "workload_events", {"workload_id": ["wl-0019"]}, limit=5
    )
    assert workload_events.items[0]["actor_id"] == ACCOUNT


async def test_a_business_refusal_is_audited_as_a_failure_of_the_service_account() -> None:
    harness = gateway()
    token = account_token(harness)
    await call(harness, token, CREATE_BUCKET, {"p": LLM, "name": "sa-twice"})
    _, again = await call(harness, token, CREATE_BUCKET, {"p": LLM, "name": "sa-twice"})  # another key
    assert again["data"]["createBucket"]["userErrors"] == [{"code": "ALREADY_EXISTS"}]
    latest = audit_of(harness, ACCOUNT)[0]
    assert (latest["action"], latest["outcome"], latest["actor_type"]) == (
        "bucket.created",
        "failure",
        "service_account",
    )
    assert latest["details"]["error"] == "name_taken" and latest["project_id"] == "p-llm"


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        (STOP, {"w": encode_global_id("Workload", "wl-0039")}, "NOT_FOUND"),  # p-vision, the same tenant
        (STOP, {"w": encode_global_id("Workload", "wl-0033")}, "NOT_FOUND"),  # another tenant
        (CREATE_BUCKET, {"p": VISION, "name": "sa-elsewhere"}, "NOT_FOUND"),
        (CREATE_BUCKET, {"p": GENOMICS, "name": "sa-elsewhere"}, "NOT_FOUND"),
        (  # sharing is for project admins: the account is a member
            """mutation($b: ID!, $p: ID!) { createStorageGrant(input: {bucketId: $b, projectId: $p, permission: READ})
                 { userErrors { code } } }""",
            {"b": encode_global_id("Bucket", "bk-0004"), "p": LLM},
            "FORBIDDEN",
        ),
        (
            """mutation($p: ID!) { createServiceAccount(input: {projectId: $p, name: "sa-spawn"})
                 { userErrors { code } } }""",
            {"p": LLM},
            "FORBIDDEN",
        ),
        (
            "mutation($n: ID!) { cordonNode(input: {nodeId: $n}) { userErrors { code } } }",
            {"n": encode_global_id("GpuNode", "node-001")},
            "FORBIDDEN",
        ),
        ("{ tenantOverview { spend { monthToDate { amount } } } }", None, "FORBIDDEN"),
    ],
)
async def test_outside_its_project_and_role_a_service_account_gets_not_found_or_forbidden(
    query: str, variables: dict[str, Any] | None, code: str
) -> None:
    harness = gateway()
    before = audit_of(harness, ACCOUNT)
    _, body = await call(harness, account_token(harness), query, variables)
    assert codes(body) == [code]
    assert audit_of(harness, ACCOUNT) == before, "refused before any command reached a service"


# --- which documents each kind of caller may run -----------------------------------------------------------


def documents(**security: Any) -> PersistedQueries:
    registered = "{ viewer { id } }"
    settings = dataclasses.replace(SecuritySettings(), **security)
    return PersistedQueries(settings, DocumentRegistry({document_hash(registered): registered}))


PERSON = Principal(user_id="u-priya", source="token")
SERVICE_ACCOUNT = Principal(user_id=ACCOUNT, source="token", kind="service_account")


@pytest.mark.parametrize(
    ("security", "caller", "runs_any"),
    [
        ({"trusted_documents": False}, None, True),  # development: every document
        ({"trusted_documents": False}, PERSON, True),
        ({"trusted_documents": True}, None, False),  # anonymous: registered only
        ({"trusted_documents": True}, PERSON, False),  # people (the console): registered only
        ({"trusted_documents": True}, SERVICE_ACCOUNT, True),  # integrators: any, within the limits
        ({"trusted_documents": True, "service_account_documents": "registered"}, SERVICE_ACCOUNT, False),
        ({"mode": "production"}, PERSON, False),
        ({"mode": "production"}, SERVICE_ACCOUNT, True),
    ],
)
def test_the_document_policy_by_caller_and_mode(
    security: dict[str, Any], caller: Principal | None, runs_any: bool
) -> None:
    persisted = documents(**security)
    assert persisted.runs_any_document(caller) is runs_any
    assert persisted.resolve("{ viewer { id } }", None, caller) == "{ viewer { id } }"  # registered: always
    for extensions in (None, {"persistedQuery": {"version": 1, "sha256Hash": document_hash(AD_HOC)}}):
        if runs_any:
            assert persisted.resolve(AD_HOC, extensions, caller) == AD_HOC
        else:
            with pytest.raises(RequestRejected) as refused:
                persisted.resolve(AD_HOC, extensions, caller)
            assert refused.value.code == "TRUSTED_DOCUMENT_REQUIRED"


def test_the_service_account_document_setting_is_checked() -> None:
    assert Settings.from_env({"GATEWAY_SERVICE_ACCOUNT_DOCUMENTS": "registered"}).security.service_account_documents
    with pytest.raises(SettingsError, match="GATEWAY_SERVICE_ACCOUNT_DOCUMENTS"):
        Settings.from_env({"GATEWAY_SERVICE_ACCOUNT_DOCUMENTS": "some"})


async def test_under_trusted_documents_a_service_account_runs_its_own_documents_and_a_person_does_not() -> None:
    harness = gateway(trusted_documents=True)
    own = "{ workloads(first: 2) { nodes { id project { id } } } }"
    status, body = await call(harness, account_token(harness), own)
    assert status == 200 and len(body["data"]["workloads"]["nodes"]) == 2
    status, body = await call(harness, harness.token("u-priya"), own)
    assert status == 400 and codes(body) == ["TRUSTED_DOCUMENT_REQUIRED"]
    committed = (DEFAULT_OPERATIONS_DIR / "workloads.graphql").read_text()
    status, body = await call(harness, account_token(harness), committed)
    assert status == 200 and body["data"]["workloads"]["totalCount"] > 0  # registered documents too


async def test_operation_limits_still_bind_a_service_accounts_documents() -> None:
    harness = gateway(trusted_documents=True, max_cost=100)
    _, body = await call(harness, account_token(harness), "{ workloads(first: 100) { edges { node { id } } } }")
    assert codes(body) == ["MAX_COST_EXCEEDED"]


@pytest.mark.socket
async def test_a_service_accounts_own_subscription_passes_the_websocket_document_check() -> None:
    harness = gateway(trusted_documents=True)
    own = "subscription { workloadStatusChanged { eventId status } }"
    async with serving(harness.app) as address, live_client(address) as client:
        await client.init(bearer(account_token(harness)))
        await client.subscribe(own)
        await until(lambda: harness.app.state.live.hub.count == 1, "the service account's subscription is live")
