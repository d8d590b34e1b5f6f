"""A corpus of malformed requests, each sent through HTTP: a 4xx with a coded GraphQL body and the security headers,
never a 5xx.

Bodies, headers, documents, variables, GET, and credentials. Requests the GraphQL-over-HTTP specification answers
by their GraphQL result (a document that does not parse or validate, variables that do not coerce) are 4xx when
the client accepts ``application/graphql-response+json`` and, for ``application/json`` clients, keep the
specification's status 200 (with ``data: null`` and the same code): both are checked. A subset runs again against
``gateway serve`` on a loopback socket, where the HTTP server (uvicorn) reads the bytes first.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gateway.security_settings import SecuritySettings
from gateway.settings import Settings
from tests.http.embedded_gateway import embedded_gateway_url
from tests.support import GatewayHarness, build_harness

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
DEV = ("x-dev-viewer", "u-tara")
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
VIEWER = "{ viewer { persona } }"
WORKLOADS = "query($first: Int!) { workloads(first: $first) { totalCount } }"
FILTERED = "query($f: WorkloadFilter) { workloads(filter: $f) { totalCount } }"
STOP = "mutation($id: ID!) { stopWorkload(input: {workloadId: $id}) { userErrors { code } } }"
EXPENSIVE = "workloads(first: 100) { nodes { project { name } tabs { storage { mounts { bucket { name } } } } } }"
SCHEMA_SELECTION = "__schema { types { name fields { name args { name } type { name ofType { name } } } } }"


@dataclasses.dataclass(frozen=True)
class Case:
    """One malformed request and what it must get: ``status`` and the first error's ``code``."""

    id: str
    status: int
    code: str
    body: bytes | None = None  # raw POST body (``json_body`` when None)
    json_body: Any = None
    method: str = "POST"
    params: dict[str, str] | None = None  # GET query string
    headers: tuple[tuple[str, str | bytes], ...] = ()
    content_type: str | None = JSON  # None: no Content-Type header
    credentials: bool = True  # the development viewer header
    batching: bool = False  # a gateway that accepts batches (of at most 3 operations)

    def request(self, accept: str | None = None) -> dict[str, Any]:
        """``httpx`` keyword arguments for this case."""
        headers: list[tuple[str, str | bytes]] = []
        if self.content_type is not None and self.method == "POST":
            headers.append(("content-type", self.content_type))
        if self.credentials:
            headers.append(DEV)
        if accept is not None:
            headers.append(("accept", accept))
        headers.extend(self.headers)
        found: dict[str, Any] = {"method": self.method, "url": "/graphql", "headers": headers}
        if self.method == "GET":
            found["params"] = self.params
        else:
            found["content"] = self.body if self.body is not None else json.dumps(self.json_body).encode()
        return found


def post(case_id: str, status: int, code: str, json_body: Any = None, **fields: Any) -> Case:
    return Case(case_id, status, code, json_body=json_body, **fields)


def aliased(count: int, selection: str) -> str:
    return "{ " + " ".join(f"a{i}: {selection}" for i in range(count)) + " }"


def unsigned_jwt(header: dict[str, Any], claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}.c2lnbmF0dXJl"


TOO_LARGE = 300_000
BODIES = [
    post("not-json", 400, "BAD_REQUEST", body=b"{not json"),
    post("truncated-json", 400, "BAD_REQUEST", body=b'{"query": "{ viewer { pers'),
    post("empty-body", 400, "BAD_REQUEST", body=b""),
    post("whitespace-body", 400, "BAD_REQUEST", body=b"  \n\t "),
    post("json-null", 400, "BAD_REQUEST", body=b"null"),
    post("json-number", 400, "BAD_REQUEST", body=b"42"),
    post("json-float", 400, "BAD_REQUEST", body=b"3.5"),
    post("json-true", 400, "BAD_REQUEST", body=b"true"),
    post("json-string", 400, "BAD_REQUEST", body=b'"x"'),
    post("json-array-batching-off", 400, "BATCHING_DISABLED", [{"query": VIEWER}]),
    post("json-empty-array-batching-off", 400, "BATCHING_DISABLED", []),
    post("json-array-of-numbers-batching-off", 400, "BATCHING_DISABLED", [1, 2]),
    post("array-of-numbers", 400, "BAD_REQUEST", [1, 2], batching=True),
    post("array-of-null", 400, "BAD_REQUEST", [None], batching=True),
    post("array-of-arrays", 400, "BAD_REQUEST", [[{"query": VIEWER}]], batching=True),
    post("empty-array", 400, "BAD_REQUEST", [], batching=True),
    post("array-entry-with-bad-query", 400, "BAD_REQUEST", [{"query": VIEWER}, {"query": 5}], batching=True),
    post("array-too-long", 400, "BATCH_TOO_LARGE", [{"query": VIEWER}] * 4, batching=True),
    post("not-utf-8", 400, "BAD_REQUEST", body=b'{"query": "{ viewer \xff\xfe }"}'),
    post("utf-16", 400, "BAD_REQUEST", body=json.dumps({"query": VIEWER}).encode("utf-16")),
    post("byte-order-mark", 400, "BAD_REQUEST", body=b"\xef\xbb\xbf" + json.dumps({"query": VIEWER}).encode()),
    post("nan-constant", 400, "BAD_REQUEST", body=b'{"query": "{ viewer { persona } }", "variables": {"x": NaN}}'),
    post(
        "infinity-constant",
        400,
        "BAD_REQUEST",
        body=b'{"query": "{ viewer { persona } }", "variables": {"x": -Infinity}}',
    ),
    post(
        "number-with-5000-digits",
        400,
        "BAD_REQUEST",
        body=b'{"query": "{ __typename }", "variables": {"x": ' + b"9" * 5000 + b"}}",
    ),
    post("json-nested-100000-deep", 400, "BAD_REQUEST", body=b"[" * 100_000 + b"]" * 100_000),
    post(
        "object-nested-40000-deep",
        400,
        "BAD_REQUEST",
        body=b'{"query": "{ __typename }", "variables": ' + b'{"a":' * 40_000 + b"1" + b"}" * 40_001,
    ),
    post("huge-body", 413, "REQUEST_TOO_LARGE", {"query": VIEWER, "padding": "x" * TOO_LARGE}),
    post("missing-query", 400, "BAD_REQUEST", {}),
    post("misspelt-query", 400, "BAD_REQUEST", {"qeury": VIEWER}),
    post("empty-query", 400, "BAD_REQUEST", {"query": ""}),
    post("duplicate-keys-last-not-a-string", 400, "BAD_REQUEST", body=b'{"query": "{ __typename }", "query": 5}'),
    *[
        post(f"{name}-{label}", 400, "BAD_REQUEST", {"query": VIEWER, name: value})
        for name, values in {
            "query": {"number": 5, "object": {"nested": [[{}]]}, "array": [VIEWER], "boolean": True},
            "variables": {"string": "{}", "number": 0, "boolean": False, "array": [1]},
            "operationName": {"number": 5, "object": {"name": "Q"}, "array": ["Q"], "boolean": False},
            "extensions": {"string": "{}", "number": 0, "boolean": False, "array": [{}]},
        }.items()
        for label, value in values.items()
    ],
    post("persisted-query-not-an-object", 400, "BAD_REQUEST", {"extensions": {"persistedQuery": [1]}}),
    post(
        "persisted-query-bad-hash",
        400,
        "BAD_REQUEST",
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "zz"}}},
    ),
    post(
        "persisted-query-hash-mismatch",
        400,
        "PERSISTED_QUERY_HASH_MISMATCH",
        {"query": VIEWER, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
    ),
]

HEADERS = [
    post("no-content-type", 415, "UNSUPPORTED_MEDIA_TYPE", {"query": VIEWER}, content_type=None),
    post("text-plain", 415, "UNSUPPORTED_MEDIA_TYPE", {"query": VIEWER}, content_type="text/plain"),
    post(
        "form",
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        body=b"query=%7B+viewer+%7D",
        content_type="application/x-www-form-urlencoded",
    ),
    post("multipart", 415, "UNSUPPORTED_MEDIA_TYPE", {"query": VIEWER}, content_type="multipart/form-data; boundary=x"),
    post(
        "application-graphql", 415, "UNSUPPORTED_MEDIA_TYPE", body=VIEWER.encode(), content_type="application/graphql"
    ),
    post("json-lookalike", 415, "UNSUPPORTED_MEDIA_TYPE", {"query": VIEWER}, content_type="application/jsonx"),
    post("content-type-garbage", 415, "UNSUPPORTED_MEDIA_TYPE", {"query": VIEWER}, content_type=";;;==="),
    post("huge-content-type", 415, "UNSUPPORTED_MEDIA_TYPE", {"query": VIEWER}, content_type="x" * 65_536),
    *[
        post(f"accept-{label}", 406, "NOT_ACCEPTABLE", {"query": VIEWER}, headers=(("accept", accept),))
        for label, accept in {
            "text-plain": "text/plain",
            "xml": "application/xml",
            "json-refused": "application/json;q=0, application/graphql-response+json;q=0",
            "image-wildcard": "image/*",
            "garbage": ";;;,,,===",
            "huge": "text/x-nothing, " * 4096,
        }.items()
    ],
    *[
        post(f"duplicate-{name}", 400, "BAD_REQUEST", {"query": VIEWER}, headers=((name, first), (name, second)))
        for name, first, second in (
            ("content-type", JSON, JSON),
            ("authorization", "Bearer a.b.c", "Bearer d.e.f"),
            ("idempotency-key", "key-0000000000000001", "key-0000000000000002"),
            ("x-dev-viewer", "u-tara", "u-gina"),
        )
    ],
    post(
        "huge-authorization",
        401,
        "UNAUTHENTICATED",
        {"query": VIEWER},
        headers=(("authorization", "Bearer " + "a" * 65_536),),
        credentials=False,
    ),
    post(
        "huge-dev-viewer",
        401,
        "UNAUTHENTICATED",
        {"query": VIEWER},
        headers=(("x-dev-viewer", "u" * 65_536),),
        credentials=False,
    ),
    post(
        "latin-1-dev-viewer",
        401,
        "UNAUTHENTICATED",
        {"query": VIEWER},
        headers=(("x-dev-viewer", b"u-t\xe9ra"),),
        credentials=False,
    ),
    *[
        post(
            f"idempotency-key-{label}",
            400,
            "IDEMPOTENCY_KEY_INVALID",
            {"query": STOP, "variables": {"id": "V29ya2xvYWQ6d2wtMDAzOQ=="}},
            headers=(("idempotency-key", key),),
        )
        for label, key in {
            "empty": "",
            "too-short": "abc",
            "too-long": "k" * 300,
            "spaces": "a key with some spaces in it",
            "non-ascii": b"cl\xe9-0000000000000001",
            "huge": "k" * 65_536,
        }.items()
    ],
]

# GraphQL-level failures: (case, code); status 400 as graphql-response+json, 200 as application/json.
DOCUMENTS = [
    (post("syntax-error", 400, "GRAPHQL_PARSE_FAILED", {"query": "{ viewer { persona "}), "Syntax Error"),
    (post("only-whitespace", 400, "GRAPHQL_PARSE_FAILED", {"query": "   \n  "}), "Syntax Error"),
    (post("trailing-junk", 400, "GRAPHQL_PARSE_FAILED", {"query": VIEWER + " }"}), "Syntax Error"),
    (post("nested-3000-braces", 400, "GRAPHQL_PARSE_FAILED", {"query": "{" * 3000}), "Syntax Error"),
    (post("token-bomb", 400, "GRAPHQL_PARSE_FAILED", {"query": "{ viewer { " + "persona " * 6000 + "} }"}), "tokens"),
    (post("unknown-field", 400, "GRAPHQL_VALIDATION_FAILED", {"query": "{ viewer { noSuchField } }"}), "noSuchField"),
    (
        post("unknown-argument", 400, "GRAPHQL_VALIDATION_FAILED", {"query": "{ workloads(nope: 1) { totalCount } }"}),
        "nope",
    ),
    (
        post(
            "literal-of-wrong-type",
            400,
            "GRAPHQL_VALIDATION_FAILED",
            {"query": '{ workloads(first: "ten") { totalCount } }'},
        ),
        "Int",
    ),
    (post("unknown-directive", 400, "GRAPHQL_VALIDATION_FAILED", {"query": "{ viewer @nope { persona } }"}), "nope"),
    (post("unknown-fragment", 400, "GRAPHQL_VALIDATION_FAILED", {"query": "{ ...Nope }"}), "Nope"),
    (
        post(
            "fragment-cycle",
            400,
            "GRAPHQL_VALIDATION_FAILED",
            {"query": "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"},
        ),
        "A",
    ),
    (
        post(
            "undefined-variable-type",
            400,
            "GRAPHQL_VALIDATION_FAILED",
            {"query": "query($x: Nope) { viewer { persona @skip(if: $x) } }"},
        ),
        "Nope",
    ),
    (
        post("leaf-with-selection", 400, "GRAPHQL_VALIDATION_FAILED", {"query": "{ viewer { persona { x } } }"}),
        "persona",
    ),
    (
        post(
            "deep-nesting",
            400,
            "MAX_DEPTH_EXCEEDED",
            {"query": "{ " + "viewer { tenant { " * 20 + "name" + " } }" * 20 + " }"},
        ),
        "levels",
    ),
    (post("alias-bomb", 400, "MAX_ALIASES_EXCEEDED", {"query": aliased(31, "viewer { persona }")}), "aliases"),
    (
        post("root-field-bomb", 400, "MAX_ROOT_FIELDS_EXCEEDED", {"query": "{ " + "viewer { persona } " * 21 + "}"}),
        "root fields",
    ),
    (
        post(
            "directive-bomb",
            400,
            "MAX_DIRECTIVES_EXCEEDED",
            {"query": "{ viewer " + "@skip(if: false) " * 60 + "{ persona } }"},
        ),
        "directives",
    ),
    (post("cost-bomb", 400, "MAX_COST_EXCEEDED", {"query": aliased(10, EXPENSIVE)}), "cost"),
    (post("introspection-bomb", 400, "MAX_COST_EXCEEDED", {"query": aliased(19, SCHEMA_SELECTION)}), "cost"),
    (
        post(
            "one-field-1200-times",
            400,
            "MAX_FIELD_REPEATS_EXCEEDED",
            {"query": "{ viewer { " + "projects { id } " * 1200 + "} }"},
        ),
        "pairs",
    ),
    (
        post(
            "too-many-operations",
            400,
            "MAX_OPERATIONS_EXCEEDED",
            {"query": " ".join(f"query Q{i} {{ __typename }}" for i in range(60)), "operationName": "Q0"},
        ),
        "operations",
    ),
]
# Refused by HTTP status whatever the client accepts (nothing GraphQL ran).
DOCUMENT_REQUESTS = [
    post("huge-document", 413, "DOCUMENT_TOO_LARGE", {"query": "{ viewer { persona } }" + " " * 60_000}),
    post(
        "several-operations-without-name",
        400,
        "BAD_REQUEST",
        {"query": "query A { __typename } query B { __typename }"},
    ),
    post("unknown-operation-name", 400, "BAD_REQUEST", {"query": "query A { __typename }", "operationName": "B"}),
    post("subscription-over-plain-post", 400, "SUBSCRIPTION_NEEDS_STREAM", {"query": "subscription { unreadCount }"}),
]

VARIABLES = [
    (post("wrong-type", 400, "BAD_USER_INPUT", {"query": WORKLOADS, "variables": {"first": "ten"}}), "$first"),
    (post("missing-required", 400, "BAD_USER_INPUT", {"query": WORKLOADS, "variables": {}}), "$first"),
    (post("null-for-non-null", 400, "BAD_USER_INPUT", {"query": WORKLOADS, "variables": {"first": None}}), "$first"),
    (post("huge-number", 400, "BAD_USER_INPUT", {"query": WORKLOADS, "variables": {"first": 2**53}}), "$first"),
    (
        post(
            "number-past-float",
            400,
            "BAD_USER_INPUT",
            {"query": WORKLOADS},
            body=b'{"query": "' + WORKLOADS.encode() + b'", "variables": {"first": 1e400}}',
        ),
        "$first",
    ),
    (post("float-for-int", 400, "BAD_USER_INPUT", {"query": WORKLOADS, "variables": {"first": 1.5}}), "$first"),
    (post("list-for-int", 400, "BAD_USER_INPUT", {"query": WORKLOADS, "variables": {"first": [1]}}), "$first"),
    (post("object-for-int", 400, "BAD_USER_INPUT", {"query": WORKLOADS, "variables": {"first": {"n": 1}}}), "$first"),
    (
        post(
            "unknown-enum-value",
            400,
            "BAD_USER_INPUT",
            {"query": FILTERED, "variables": {"f": {"kinds": ["SPACESHIP"]}}},
        ),
        "$f",
    ),
    (
        post(
            "extra-input-field",
            400,
            "BAD_USER_INPUT",
            {"query": FILTERED, "variables": {"f": {"kinds": ["COMPUTE"], "bogus": 1}}},
        ),
        "$f",
    ),
    (post("scalar-for-input-object", 400, "BAD_USER_INPUT", {"query": FILTERED, "variables": {"f": "COMPUTE"}}), "$f"),
]
VARIABLE_REQUESTS = [
    post(
        "variables-too-large",
        413,
        "VARIABLES_TOO_LARGE",
        {"query": WORKLOADS, "variables": {"first": 1, "pad": "x" * 70_000}},
    ),
]

GETS = [
    Case("get-mutation", 405, "METHOD_NOT_ALLOWED", method="GET", params={"query": "mutation { __typename }"}),
    Case("get-subscription", 405, "METHOD_NOT_ALLOWED", method="GET", params={"query": "subscription { unreadCount }"}),
    Case(
        "get-named-mutation-among-queries",
        405,
        "METHOD_NOT_ALLOWED",
        method="GET",
        params={"query": "query Q { __typename } mutation M { __typename }", "operationName": "M"},
    ),
    Case("get-without-query", 400, "BAD_REQUEST", method="GET", params={}),
    Case("get-variables-not-json", 400, "BAD_REQUEST", method="GET", params={"query": VIEWER, "variables": "{"}),
    Case("get-variables-array", 400, "BAD_REQUEST", method="GET", params={"query": VIEWER, "variables": "[1]"}),
    Case("get-extensions-not-json", 400, "BAD_REQUEST", method="GET", params={"query": VIEWER, "extensions": "nope"}),
    Case("get-extensions-number", 400, "BAD_REQUEST", method="GET", params={"query": VIEWER, "extensions": "5"}),
]

EXPIRED = {"sub": "u-tara", "exp": 1_000_000_000}
TOKENS = [
    post(
        f"token-{label}",
        401,
        "UNAUTHENTICATED",
        {"query": VIEWER},
        headers=(("authorization", value),),
        credentials=False,
    )
    for label, value in {
        "garbage": "Bearer garbage",
        "scheme-only": "Bearer",
        "empty": "Bearer ",
        "basic": "Basic dXNlcjpwYXNz",
        "three-garbage-parts": "Bearer a.b.c",
        "two-parts": "Bearer aaa.bbb",
        "alg-none": "Bearer " + unsigned_jwt({"alg": "none", "typ": "JWT"}, {"sub": "u-tara"}).rsplit(".", 1)[0] + ".",
        "hs256": "Bearer " + unsigned_jwt({"alg": "HS256", "typ": "JWT"}, {"sub": "u-tara"}),
        "header-not-an-object": "Bearer " + unsigned_jwt([1, 2], {}),  # type: ignore[arg-type]
        "kid-a-number": "Bearer " + unsigned_jwt({"alg": "ES256", "kid": 5}, {"sub": 1}),
        "unknown-kid": "Bearer " + unsigned_jwt({"alg": "ES256", "kid": "nope"}, EXPIRED),
        "latin-1": b"Bearer \xe9\xe9\xe9",
    }.items()
]


@pytest.fixture(scope="module")
def gateway() -> GatewayHarness:
    """The embedded default (one per module: no case changes its state)."""
    return build_harness()


@pytest.fixture(scope="module")
def batching_gateway() -> GatewayHarness:
    security = dataclasses.replace(SecuritySettings(), max_batch_operations=3)
    return build_harness(settings=Settings.from_env({}, viewer_cache_seconds=0, security=security))


@pytest.fixture
def harness_for(gateway: GatewayHarness, batching_gateway: GatewayHarness) -> Any:
    return lambda case: batching_gateway if case.batching else gateway


async def send(harness: GatewayHarness, case: Case, accept: str | None = None) -> httpx.Response:
    async with harness.client() as client:
        return await client.request(**case.request(accept))


def assert_coded(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The status, a GraphQL JSON body whose every error is coded (the first with ``code``), the security headers."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["content-type"].split(";")[0] in (JSON, GRAPHQL_RESPONSE), response.headers
    body = response.json()
    assert isinstance(body, dict) and body["errors"], body
    for error in body["errors"]:
        assert error["extensions"]["code"], error
    assert body["errors"][0]["extensions"]["code"] == code, body
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.headers)
    assert "default-src 'none'" in response.headers["content-security-policy"]
    if status >= 400:
        assert "data" not in body, body
    return body


def ids(cases: list[Case]) -> list[str]:
    return [case.id for case in cases]


@pytest.mark.parametrize("case", BODIES, ids=ids(BODIES))
async def test_malformed_bodies(case: Case, harness_for: Any) -> None:
    for accept in (None, GRAPHQL_RESPONSE):
        assert_coded(await send(harness_for(case), case, accept), case.status, case.code)


@pytest.mark.parametrize("case", HEADERS, ids=ids(HEADERS))
async def test_malformed_headers(case: Case, harness_for: Any) -> None:
    assert_coded(await send(harness_for(case), case), case.status, case.code)


@pytest.mark.parametrize(("case", "message"), DOCUMENTS + VARIABLES, ids=ids([c for c, _ in DOCUMENTS + VARIABLES]))
async def test_malformed_documents_and_variables(case: Case, message: str, harness_for: Any) -> None:
    """A request error: 400 without ``data`` as graphql-response+json; 200 with ``data: null`` as application/json
    (the specification's status for those clients), the same code either way."""
    harness = harness_for(case)
    strict = await send(harness, case, GRAPHQL_RESPONSE)
    body = assert_coded(strict, case.status, case.code)
    assert strict.headers["content-type"] == GRAPHQL_RESPONSE
    assert message in body["errors"][0]["message"]
    legacy = await send(harness, case, JSON)
    assert_coded(legacy, 200, case.code)
    assert legacy.json()["data"] is None


@pytest.mark.parametrize("case", DOCUMENT_REQUESTS + VARIABLE_REQUESTS, ids=ids(DOCUMENT_REQUESTS + VARIABLE_REQUESTS))
async def test_documents_refused_before_graphql(case: Case, harness_for: Any) -> None:
    for accept in (JSON, GRAPHQL_RESPONSE):
        response = await send(harness_for(case), case, accept)
        assert_coded(response, case.status, case.code)
        assert response.headers["content-type"] == accept


@pytest.mark.parametrize("case", GETS, ids=ids(GETS))
async def test_malformed_gets(case: Case, harness_for: Any) -> None:
    for accept in (JSON, GRAPHQL_RESPONSE):
        assert_coded(await send(harness_for(case), case, accept), case.status, case.code)


@pytest.mark.parametrize("case", TOKENS, ids=ids(TOKENS))
async def test_malformed_tokens(case: Case, harness_for: Any) -> None:
    response = await send(harness_for(case), case)
    assert_coded(response, case.status, case.code)
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_an_extra_variable_is_ignored_as_the_specification_says(gateway: GatewayHarness) -> None:
    """Not malformed: variables the operation does not define are ignored (GraphQL's CoerceVariableValues)."""
    case = post("extra-variable", 200, "-", {"query": WORKLOADS, "variables": {"first": 1, "unused": [1, {"a": None}]}})
    response = await send(gateway, case, GRAPHQL_RESPONSE)
    assert response.status_code == 200 and response.json()["data"]["workloads"]["totalCount"] > 0


async def test_an_unexpected_exception_still_gets_a_coded_body_with_the_security_headers(
    gateway: GatewayHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth: a bug raising past every handler answers 500 INTERNAL_SERVER_ERROR, naming nothing of it."""

    async def broken(*_: Any) -> Any:
        raise RuntimeError("a bug with a secret in its message: SEEDSECRET")

    monkeypatch.setattr(gateway.app.state.guard, "admit", broken)
    transport = httpx.ASGITransport(app=gateway.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        response = await client.post("/graphql", json={"query": VIEWER}, headers=[DEV])
    body = assert_coded(response, 500, "INTERNAL_SERVER_ERROR")
    assert body["errors"][0]["message"] == "Internal server error" and "SEEDSECRET" not in response.text


# --- the same on a real socket: ``gateway serve`` behind uvicorn -------------------------------------------------

SOCKET_CASES = [
    *(
        case
        for case in BODIES
        if not case.batching
        and case.id
        in {
            "not-json",
            "truncated-json",
            "empty-body",
            "json-null",
            "json-number",
            "json-array-batching-off",
            "not-utf-8",
            "json-nested-100000-deep",
            "huge-body",
            "query-number",
            "variables-array",
            "operationName-object",
        }
    ),
    *(
        case
        for case in HEADERS
        if case.id
        in {
            "no-content-type",
            "text-plain",
            "form",
            "accept-text-plain",
            "duplicate-authorization",
            "duplicate-idempotency-key",
            "idempotency-key-too-short",
            "latin-1-dev-viewer",
        }
    ),
    *DOCUMENT_REQUESTS,
    *VARIABLE_REQUESTS,
    *GETS[:2],
    *(case for case in TOKENS if case.id in {"token-garbage", "token-basic", "token-alg-none", "token-latin-1"}),
]


@pytest.fixture(scope="module")
def socket_url(request: pytest.FixtureRequest) -> str:
    return embedded_gateway_url(request.config)


@pytest.mark.socket
@pytest.mark.parametrize("case", SOCKET_CASES, ids=ids(SOCKET_CASES))
def test_malformed_requests_on_a_socket(case: Case, socket_url: str) -> None:
    with httpx.Client(base_url=socket_url, timeout=10.0) as client:
        request = case.request(GRAPHQL_RESPONSE if case.status != 406 else None)
        request["url"] = "/graphql"
        response = client.request(**request)
    assert_coded(response, case.status, case.code)


@pytest.mark.socket
@pytest.mark.parametrize(
    ("case", "message"), DOCUMENTS[:6] + VARIABLES[:3], ids=ids([c for c, _ in DOCUMENTS[:6] + VARIABLES[:3]])
)
def test_request_errors_on_a_socket(case: Case, message: str, socket_url: str) -> None:
    with httpx.Client(base_url=socket_url, timeout=10.0) as client:
        body = assert_coded(client.request(**case.request(GRAPHQL_RESPONSE)), case.status, case.code)
    assert message in body["errors"][0]["message"]


def raw_exchange(url: str, request: bytes) -> tuple[int, bytes]:
    """Send bytes as they are; the status line's code and the whole answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10.0) as connection:
        connection.sendall(request)
        connection.shutdown(socket.SHUT_WR)  # all there is: a body shorter than announced stays short
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return int(received.split(b" ", 2)[1]), received


def framing(body: bytes, **headers: str) -> Iterator[bytes]:
    yield b"POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n"
    for name, value in headers.items():
        yield f"{name.replace('_', '-')}: {value}\r\n".encode()
    yield b"\r\n" + body


@pytest.mark.socket
@pytest.mark.parametrize(
    "request_bytes",
    [
        # Framing the server itself refuses (a bad Content-Length, headers past its 16 KiB buffer, a broken request
        # line): uvicorn answers before the gateway sees the request, in plain text. Still 4xx, never 5xx.
        b"".join(framing(b'{"query": "{ __typename }"}', content_type=JSON, content_length="abc")),
        b"".join(framing(b"{}", content_type=JSON, content_length="2", x_junk="j" * 70_000)),
        b"GARBAGE / NOT-HTTP\r\n\r\n",
        # A body shorter than its Content-Length, then the connection closes: nothing to answer, or a 4xx.
        b"".join(framing(b'{"query": "{ __ty', content_type=JSON, content_length="200")),
    ],
    ids=["bad-content-length", "headers-past-server-limit", "not-http", "body-cut-short"],
)
def test_what_the_http_server_refuses_is_never_a_5xx(request_bytes: bytes, socket_url: str) -> None:
    try:
        status, _ = raw_exchange(socket_url, request_bytes)
    except (IndexError, ValueError):  # the server closed the connection without an answer
        return
    assert 400 <= status < 500, status
