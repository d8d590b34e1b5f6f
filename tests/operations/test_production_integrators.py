"""A production gateway (``GATEWAY_MODE=production``) with integrators: real processes on loopback sockets.

The reference services (``reference-services serve``), a test identity provider publishing its JWKS over HTTP,
and ``gateway serve`` in production mode pointed at both. People (the console) run the committed documents,
their mutations included, and nothing else; a service account's client-credentials token runs documents of
its own, within its project and role, and the audit names it; anonymous callers run nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.documents import DEFAULT_OPERATIONS_DIR, document_hash
from gateway.ids import encode_global_id
from tests import route_operations as ops
from tests.auth_support import ISSUER, IdentityProvider, jwks_server
from tests.processes import (
    BIN,
    free_port,
    gateway_process_env,
    reference_services,
    start,
    stop,
    wait_healthy,
)

pytestmark = pytest.mark.socket

ACCOUNT = "sa-llm-eval"  # a service account of p-llm (t-acme)
LLM = encode_global_id("Project", "p-llm")
VISION = encode_global_id("Project", "p-vision")
GENOMICS = encode_global_id("Project", "p-genomics")
RUNNING_IN_LLM = """query { workloads(first: 100, filter: {statuses: [RUNNING]}) { nodes { id project { id } } } }"""


def committed(name: str) -> str:
    """The text of a committed mutation document (operations/index.json ``mutations``)."""
    return (DEFAULT_OPERATIONS_DIR / ops.INDEX["mutations"][name]["file"]).read_text()


@pytest.fixture(scope="module")
def services() -> Iterator[dict[str, str]]:
    with reference_services() as urls:
        yield urls


@pytest.fixture(scope="module")
def provider() -> IdentityProvider:
    return IdentityProvider()


@pytest.fixture(scope="module")
def gateway(
    services: dict[str, str], provider: IdentityProvider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``gateway serve`` in production mode: tokens of the test identity provider only, trusted documents on."""
    data = tmp_path_factory.mktemp("production-gateway")
    port = free_port()
    with jwks_server(provider) as jwks_url:
        env = gateway_process_env(
            **services,
            GATEWAY_MODE="production",
            GATEWAY_JWKS_URL=jwks_url,
            GATEWAY_JWT_ISSUER=ISSUER,
            GATEWAY_DATA_DIR=str(data),
            GATEWAY_IDEMPOTENCY_STORE=f"sqlite:///{Path(data) / 'idempotency.sqlite3'}",
            GATEWAY_LOG_LEVEL="warning",
        )
        process = start(str(BIN / "gateway"), "serve", "--port", str(port), env=env)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(f"{url}/healthz", process)
            yield url
        finally:
            stop(process)


def person(provider: IdentityProvider, user: str) -> dict[str, str]:
    """A person's token from the identity provider (their tenant and roles as claims)."""
    return {"authorization": f"Bearer {provider.token(user)}"}


def service_account(provider: IdentityProvider, account: str = ACCOUNT, **claims: Any) -> dict[str, str]:
    """A client-credentials token: ``sub`` names the service account, ``principal_type`` says it is one."""
    shape = {"principal_type": "service_account", "azp": f"{account}-client", "tenant": "t-acme", "roles": [], **claims}
    return {"authorization": f"Bearer {provider.token(account, claims=shape)}"}


def post(
    url: str,
    credentials: dict[str, str],
    query: str | None,
    variables: dict[str, Any] | None = None,
    **payload: Any,
) -> httpx.Response:
    headers = {**credentials, "idempotency-key": f"prod-{uuid.uuid4()}"}
    body = (
        {"query": query, "variables": variables, **payload}
        if query is not None
        else {"variables": variables, **payload}
    )
    return httpx.post(f"{url}/graphql", json=body, headers=headers, timeout=30.0)


def data_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def code_of(response: httpx.Response) -> str:
    return response.json()["errors"][0]["extensions"]["code"]


def running_workload(url: str, credentials: dict[str, str], project: str) -> str:
    """A running workload of ``project`` (read with the console's committed workloads page)."""
    page = (DEFAULT_OPERATIONS_DIR / "workloads.graphql").read_text()
    found = data_of(post(url, credentials, page, {"first": 100, "filter": {"statuses": ["RUNNING"]}}))
    ids = [e["node"]["id"] for e in found["workloads"]["edges"] if e["node"]["project"]["id"] == project]
    assert ids, f"no running workload left in {project}"
    return ids[0]


def test_the_consoles_committed_mutations_work_for_a_person(gateway: str, provider: IdentityProvider) -> None:
    priya = person(provider, "u-priya")  # project admin of p-llm
    workload = running_workload(gateway, priya, LLM)
    stopped = data_of(post(gateway, priya, committed("StopWorkload"), {"input": {"workloadId": workload}}))
    assert stopped["stopWorkload"]["userErrors"] == []
    assert stopped["stopWorkload"]["workload"]["status"] in {"STOPPING", "STOPPED"}
    bucket = {
        "projectId": LLM,
        "name": "console-made",
        "purpose": "dataset",
        "provider": "WEKA",
        "region": "us-east-1",
        "quotaBytes": 1 << 40,
    }
    made = data_of(post(gateway, priya, committed("CreateBucket"), {"input": bucket}))["createBucket"]
    assert made["userErrors"] == [] and made["bucket"]["project"]["id"] == LLM
    # By hash alone (Apollo's persisted-query protocol), as a console build with its manifest sends them.
    digest = document_hash(committed("CreateServiceAccount"))
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    account = {"input": {"projectId": LLM, "name": "console-ci"}}
    created = data_of(post(gateway, priya, None, account, extensions=extensions))["createServiceAccount"]
    assert created["userErrors"] == [] and created["serviceAccount"]["name"] == "console-ci"
    read = data_of(post(gateway, priya, committed("MarkNotificationsRead"), {"input": {"all": True}}))
    assert read["markNotificationsRead"]["unreadCount"] == 0


def test_a_persons_own_documents_are_refused(gateway: str, provider: IdentityProvider) -> None:
    priya = person(provider, "u-priya")
    workload = running_workload(gateway, priya, LLM)
    own_mutation = "mutation($w: ID!) { stopWorkload(input: {workloadId: $w}) { workload { status } } }"
    for query, variables in ((own_mutation, {"w": workload}), ("{ viewer { persona } }", None)):
        refused = post(gateway, priya, query, variables)
        assert refused.status_code == 400 and code_of(refused) == "TRUSTED_DOCUMENT_REQUIRED"
    assert running_workload(gateway, priya, LLM) == workload, "nothing was stopped"


def test_anonymous_callers_run_nothing(gateway: str) -> None:
    for query in ("{ viewer { persona } }", committed("StopWorkload")):
        refused = post(gateway, {}, query, {"input": {"workloadId": encode_global_id("Workload", "wl-0019")}})
        assert refused.status_code == 401 and code_of(refused) == "UNAUTHENTICATED"
        assert refused.headers["www-authenticate"].startswith("Bearer")


def test_a_service_account_acts_in_its_project_with_its_own_documents_and_the_audit_names_it(
    gateway: str, provider: IdentityProvider
) -> None:
    bot = service_account(provider)
    running = data_of(post(gateway, bot, RUNNING_IN_LLM))["workloads"]["nodes"]
    assert running and {n["project"]["id"] for n in running} == {LLM}, "its project only"
    workload = running[0]["id"]
    stop_it = (
        "mutation($w: ID!) { stopWorkload(input: {workloadId: $w}) { workload { id status } userErrors { code } } }"
    )
    stopped = data_of(post(gateway, bot, stop_it, {"w": workload}))["stopWorkload"]
    assert stopped["userErrors"] == [] and stopped["workload"]["status"] in {"STOPPING", "STOPPED"}
    make_bucket = """mutation($p: ID!) { createBucket(input: {projectId: $p, name: "made-by-ci", purpose: "dataset",
        provider: WEKA, region: "us-east-1", quotaBytes: 1099511627776}) {
          bucket { id name } userErrors { code } } }"""
    made = data_of(post(gateway, bot, make_bucket, {"p": LLM}))["createBucket"]
    assert made["userErrors"] == [] and made["bucket"]["name"] == "made-by-ci"

    # The project's evidence, read by a person with the console's committed page, names the service account.
    evidence = (DEFAULT_OPERATIONS_DIR / ops.ROUTES["/evidence"]["file"]).read_text()
    variables = {"scope": "PROJECT", "project": LLM, "first": 20}  # newest first
    events = data_of(post(gateway, person(provider, "u-priya"), evidence, variables))["evidence"]["nodes"]
    mine = encode_global_id("ServiceAccount", ACCOUNT)
    by_action = {e["action"]: e for e in events if (e["actor"]["serviceAccount"] or {}).get("id") == mine}
    assert {"workload.stopped", "bucket.created"} <= set(by_action)
    stopped_event = by_action["workload.stopped"]
    assert stopped_event["target"]["nodeId"] == workload and stopped_event["outcome"] == "SUCCESS"
    for event in (stopped_event, by_action["bucket.created"]):
        actor = event["actor"]
        assert actor["kind"] == "SERVICE_ACCOUNT" and actor["user"] is None
        assert actor["serviceAccount"] == {"id": encode_global_id("ServiceAccount", ACCOUNT), "name": "llm-eval"}
        assert event["project"]["id"] == LLM


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        (  # a workload of p-vision (same tenant, not its project): exactly like a missing one
            "mutation($w: ID!) { stopWorkload(input: {workloadId: $w}) { userErrors { code } } }",
            {"w": encode_global_id("Workload", "wl-0039")},
            "NOT_FOUND",
        ),
        (
            """mutation($p: ID!) { createBucket(input: {projectId: $p, name: "elsewhere", purpose: "dataset",
                provider: WEKA, region: "us-east-1", quotaBytes: 1099511627776}) { userErrors { code } } }""",
            {"p": GENOMICS},
            "NOT_FOUND",
        ),
        (
            "query($id: ID!) { workload(id: $id) { name } }",
            {"id": encode_global_id("Workload", "wl-0039")},
            "NOT_FOUND",
        ),
        (  # member-level: sharing a bucket of its own project is for project admins
            """mutation($b: ID!, $p: ID!) { createStorageGrant(input: {bucketId: $b, projectId: $p, permission: READ})
                { userErrors { code } } }""",
            {"b": encode_global_id("Bucket", "bk-0004"), "p": VISION},
            "FORBIDDEN",
        ),
        (
            "mutation($n: ID!) { cordonNode(input: {nodeId: $n}) { userErrors { code } } }",
            {"n": encode_global_id("GpuNode", "node-001")},
            "FORBIDDEN",
        ),
    ],
)
def test_outside_its_project_and_role_a_service_account_gets_not_found_or_forbidden(
    gateway: str, provider: IdentityProvider, query: str, variables: dict[str, Any], code: str
) -> None:
    response = post(gateway, service_account(provider), query, variables)
    assert response.status_code == 200 and code_of(response) == code


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"principal_type": "user"}, "unknown_user"),  # the account's id is not a person
        ({"tenant": "t-globex"}, "claims_mismatch"),  # the identity provider and the access service disagree
        ({"principal_type": "robot"}, "malformed"),
    ],
)
def test_a_service_account_token_must_say_what_the_access_service_says(
    gateway: str, provider: IdentityProvider, claims: dict[str, Any], reason: str
) -> None:
    page = (DEFAULT_OPERATIONS_DIR / "workloads.graphql").read_text()  # registered: any caller gets this far
    response = post(gateway, service_account(provider, **claims), page, {"first": 1})
    assert response.status_code == 401 and response.json()["errors"][0]["extensions"]["reason"] == reason


def test_a_disabled_service_account_is_refused(gateway: str, provider: IdentityProvider) -> None:
    response = post(gateway, service_account(provider, "sa-vision-labeler"), "{ viewer { persona } }")
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["reason"] == "service_account_disabled"
