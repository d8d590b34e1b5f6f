"""Identity is exact: one id names one user, and a record nobody asked for is never data.

- A token subject (or development header) outside the id grammar (``gateway.ids``: a comma, whitespace,
  control characters, another separator, too long) is a 401 before any backend call: ``u-olivia,u-sam``
  must not reach the batch read ``/v1/users?ids=u-olivia,u-sam`` and come back as the operator.
- Credentials that name no known user, or whose tenant or role claims the access service contradicts,
  are 401 with the Bearer challenge too (not HTTP 200 with ``data: null``).
- Ids in arguments are checked against the same grammar: ``BAD_USER_INPUT``, no backend call.
- A domain service that answers a batch read with a record that was not asked for breaks its contract:
  ``BACKEND_BAD_RESPONSE`` at the field that read it, the rest of the page intact.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from gateway.backends._client import ServiceClient
from gateway.backends.workloads.models import Workload
from gateway.errors import BackendBadResponse
from gateway.ids import encode_global_id, is_valid_id
from tests.support import GatewayHarness, build_harness

VIEWER = "{ viewer { persona user { id } projects { id } } }"
CHALLENGE = 'Bearer realm="controlplane-gateway", error="invalid_token"'
WORKLOAD = encode_global_id("Workload", "wl-0027")  # a running training job of t-acme (README)


def workload_query(local_id: str) -> str:
    return '{ workload(id: "' + encode_global_id("Workload", local_id) + '") { name } }'


async def post(
    harness: GatewayHarness, query: str, *, token: str | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    sent = {"authorization": f"Bearer {token}"} if token is not None else {}
    sent.update(headers or {})
    async with harness.client() as client:
        return await client.post("/graphql", json={"query": query}, headers=sent)


def assert_challenged(response: httpx.Response, reason: str) -> dict[str, Any]:
    """401, the Bearer challenge, and every error ``UNAUTHENTICATED`` with ``reason``; no data."""
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith(CHALLENGE)
    assert response.headers["x-content-type-options"] == "nosniff"
    body: dict[str, Any] = response.json()
    assert body.get("data") is None
    assert body["errors"]
    for error in body["errors"]:
        assert error["extensions"] == {"code": "UNAUTHENTICATED", "reason": reason}
    return body


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


# Subjects that are not one user id. Each would have reached a backend as given before.
NOT_ONE_ID = {
    "comma: two users": "u-olivia,u-sam",
    "comma: a member and an admin": "u-marco,u-tara",
    "comma at the end": "u-olivia,",
    "semicolon": "u-olivia;u-sam",
    "percent-encoded comma": "u-olivia%2Cu-sam",
    "leading space": " u-olivia",
    "trailing space": "u-olivia ",
    "inner space": "u olivia",
    "tab": "u-olivia\tu-sam",
    "newline": "u-olivia\nu-sam",
    "NUL": "u-olivia\x00",
    "DEL": "u-olivia\x7f",
    "slash and dots": "u-marco/../u-olivia",
    "dot segment": "..",
    "colon": "User:u-olivia",
    "query characters": "u-olivia?ids=u-sam",
    "fragment": "u-olivia#u-sam",
    "wildcard": "*",
    "non-ASCII lookalike": "u-ol\u0456via",  # CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I for the "i"
    "overlong": "u-" + "a" * 200,
}


@pytest.mark.parametrize("case", list(NOT_ONE_ID))
async def test_a_subject_that_is_not_one_user_id_is_401_before_any_backend_call(
    harness: GatewayHarness, case: str
) -> None:
    subject = NOT_ONE_ID[case]
    assert not is_valid_id(subject)
    token = harness.token(subject, tenant=None, roles=None)  # asserting nothing the access service could contradict
    harness.calls()
    body = assert_challenged(await post(harness, VIEWER, token=token), "malformed")
    assert "subject" in body["errors"][0]["message"]
    assert harness.calls() == {}  # refused before any backend read


async def test_the_comma_subject_of_issue_11_is_not_the_operator(harness: GatewayHarness) -> None:
    """Before: ``/v1/users?ids=u-olivia,u-sam`` answered both users and the first (the operator) was taken."""
    token = harness.token("u-olivia,u-sam", tenant=None, roles=None)
    response = await post(harness, "{ viewer { persona } tenants { id } }", token=token)
    assert_challenged(response, "malformed")
    assert "OPERATOR" not in response.text


async def test_an_empty_subject_is_401_missing_claim(harness: GatewayHarness) -> None:
    assert_challenged(await post(harness, VIEWER, token=harness.token("", tenant=None, roles=None)), "missing_claim")


@pytest.mark.parametrize("viewer", ["u-olivia,u-sam", "u-olivia;u-sam", "u-olivia%2Cu-sam", "u-" + "a" * 200])
async def test_the_development_header_names_exactly_one_user(harness: GatewayHarness, viewer: str) -> None:
    harness.calls()
    assert_challenged(await post(harness, VIEWER, headers={"x-dev-viewer": viewer}), "malformed")
    assert harness.calls() == {}


async def test_an_unknown_user_is_401_with_the_challenge(harness: GatewayHarness) -> None:
    assert_challenged(await post(harness, VIEWER, token=harness.token("u-nobody")), "unknown_user")
    assert_challenged(await post(harness, VIEWER, headers={"x-dev-viewer": "u-nobody"}), "unknown_user")


@pytest.mark.parametrize(
    ("persona", "claims", "what"),
    [
        ("member", {"tenant": "t-globex"}, "tenant"),  # another tenant
        ("member", {"tenant": None}, "tenant"),  # "no tenant" asserted for a tenant's user: an operator's claim
        ("operator", {"tenant": "t-acme"}, "tenant"),  # the operator claimed into a tenant
        ("member", {"roles": ["platform_operator"]}, "roles"),  # escalation
        ("operator", {"roles": []}, "roles"),  # the operator's roles denied
        ("tenant-admin", {"roles": ["tenant_admin", "platform_operator"]}, "roles"),  # one role too many
    ],
)
async def test_claims_the_access_service_contradicts_are_401_with_the_challenge(
    harness: GatewayHarness, persona: str, claims: dict[str, Any], what: str
) -> None:
    query = "{ viewer { persona } workloads(first: 1) { totalCount } }"  # every root field refused alike
    body = assert_challenged(await post(harness, query, token=harness.token(persona, **claims)), "claims_mismatch")
    assert what in body["errors"][0]["message"]


async def test_the_seed_claims_still_pass(harness: GatewayHarness) -> None:
    for persona, expected in [("member", "MEMBER"), ("tenant-admin", "TENANT_ADMIN"), ("operator", "OPERATOR")]:
        response = await post(harness, VIEWER, token=harness.token(persona))
        assert response.status_code == 200 and "www-authenticate" not in response.headers
        assert response.json()["data"]["viewer"]["persona"] == expected


# Argument ids follow the same grammar: a global id wrapping "a,b" is bad input, not two objects.
@pytest.mark.parametrize(
    "query",
    [
        workload_query("wl-0027,wl-0001"),
        workload_query("wl-0027 "),
        workload_query("wl-0027/../wl-0001"),
        '{ workloads(filter: {projectIds: ["'
        + encode_global_id("Project", "p-vision,p-genomics")
        + '"]}) { totalCount } }',
    ],
)
async def test_an_argument_id_that_is_not_one_id_is_bad_user_input(harness: GatewayHarness, query: str) -> None:
    response = await post(harness, query, token=harness.token("tenant-admin"))
    assert response.status_code == 200
    assert codes(response.json()) == ["BAD_USER_INPUT"]
    assert not [call for call in harness.calls() if call.startswith("workloads")]


class ExtraRecord(httpx.AsyncBaseTransport):
    """A service that answers more than it was asked: ``param`` of reads of ``path`` widened by ``extra``."""

    def __init__(self, inner: httpx.AsyncBaseTransport, path: str, param: str, extra: str) -> None:
        self.inner = inner
        self.path = path
        self.param = param
        self.extra = extra

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path == self.path and self.param in request.url.params:
            widened = f"{request.url.params[self.param]},{self.extra}"
            request = httpx.Request("GET", request.url.copy_set_param(self.param, widened), headers=request.headers)
        return await self.inner.handle_async_request(request)


def answering_extra(domain: str, path: str, param: str, extra: str) -> GatewayHarness:
    def wrap(name: str, inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        return ExtraRecord(inner, path, param, extra) if name == domain else inner

    return build_harness(wrap_transport=wrap)


async def test_a_batch_answer_with_a_record_not_asked_for_is_backend_bad_response_on_that_path_only() -> None:
    query = '{ viewer { persona } workload(id: "' + WORKLOAD + '") { name } }'
    honest = build_harness()
    assert (await post(honest, query, token=honest.token("tenant-admin"))).json()["data"]["workload"]["name"]

    harness = answering_extra("workloads", "/v1/workloads", "ids", "wl-0001")
    response = await post(harness, query, token=harness.token("tenant-admin"))
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"viewer": {"persona": "TENANT_ADMIN"}, "workload": None}
    [error] = body["errors"]
    assert error["path"] == ["workload"]
    assert error["extensions"] == {"code": "BACKEND_BAD_RESPONSE", "service": "workloads"}


async def test_a_users_answer_with_another_user_never_becomes_the_viewer() -> None:
    """The issue's escalation from the backend's side: asked for u-marco, it also answers the operator."""
    harness = answering_extra("access", "/v1/users", "ids", "u-olivia")
    response = await post(harness, "{ viewer { persona } }", token=harness.token("member"))
    body = response.json()
    assert body.get("data") is None and "OPERATOR" not in response.text
    assert codes(body) == ["BACKEND_BAD_RESPONSE"]


async def test_a_memberships_answer_with_another_users_projects_never_becomes_the_viewers() -> None:
    """Asked for u-marco's memberships, the service also answers u-sam's (p-genomics of t-globex)."""
    harness = answering_extra("access", "/v1/memberships", "user_id", "u-sam")
    response = await post(harness, VIEWER, token=harness.token("member"))
    body = response.json()
    assert body.get("data") is None and "p-genomics" not in response.text
    assert codes(body) == ["BACKEND_BAD_RESPONSE"]


async def test_the_shared_client_never_sends_an_id_outside_the_grammar() -> None:
    sent: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked: Sequence[str] = request.url.params["ids"].split(",")
        sent.extend(asked)
        items = [{"id": i} for i in asked]
        return httpx.Response(200, json={"items": items})

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://workloads.test")
    client = ServiceClient("workloads", http)
    with pytest.raises(BackendBadResponse):  # the minimal items do not match the model: proves the call went out
        await client.batch("workloads", ["wl-0027", "wl-0027,wl-0001", " wl-0002", "wl-0003\n"], Workload)
    assert sent == ["wl-0027"]
    sent.clear()
    assert await client.batch("workloads", ["a,b", "c d"], Workload) == []
    assert sent == []  # nothing valid to ask for: no call at all
    await http.aclose()
