"""Bad input and backend faults through HTTP: a clear error with ``extensions.code``, never a 500 or a leak."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.ids import encode_global_id
from tests.support import GatewayHarness, build_harness

WORKLOAD = "query($id: ID!) { workload(id: $id) { id name } }"
BUCKET = "query($id: ID!) { bucket(id: $id) { id name } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id __typename } }"
ACME_WORKLOAD, GLOBEX_WORKLOAD = "wl-0001", "wl-0033"
ACME_BUCKET, GLOBEX_BUCKET = "bk-0001", "bk-0010"
LEAK = "SEEDSECRET-injected-by-test"


def errors(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The body's errors; every one must carry a code."""
    found = body.get("errors", [])
    for error in found:
        assert error.get("extensions", {}).get("code"), f"error without extensions.code: {error}"
    return found


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in errors(body)]


def workload_id(local: str) -> str:
    return encode_global_id("Workload", local)


async def test_unknown_ids_are_null_with_not_found(harness: GatewayHarness) -> None:
    for query, global_id, field in [
        (WORKLOAD, workload_id("wl-9999"), "workload"),
        (BUCKET, encode_global_id("Bucket", "bk-9999"), "bucket"),
    ]:
        body = await harness.query(query, {"id": global_id})
        assert body["data"] == {field: None}
        assert codes(body) == ["NOT_FOUND"]
        assert body["errors"][0]["path"] == [field]


@pytest.mark.parametrize(
    ("query", "visible_to_owner", "missing"),
    [
        (WORKLOAD, workload_id(GLOBEX_WORKLOAD), workload_id("wl-9999")),
        (BUCKET, encode_global_id("Bucket", GLOBEX_BUCKET), encode_global_id("Bucket", "bk-9999")),
    ],
)
async def test_another_tenants_id_answers_exactly_like_a_missing_id(
    harness: GatewayHarness, query: str, visible_to_owner: str, missing: str
) -> None:
    owner = await harness.query(query, {"id": visible_to_owner}, persona="other-tenant-admin")
    assert "errors" not in owner and next(iter(owner["data"].values()))["id"] == visible_to_owner
    foreign = await harness.query(query, {"id": visible_to_owner}, persona="tenant-admin")
    absent = await harness.query(query, {"id": missing}, persona="tenant-admin")
    assert foreign == absent
    assert codes(foreign) == ["NOT_FOUND"]


async def test_node_hides_another_tenants_objects_like_missing_ones(harness: GatewayHarness) -> None:
    foreign = await harness.query(NODES, {"ids": [workload_id(GLOBEX_WORKLOAD)]})
    absent = await harness.query(NODES, {"ids": [workload_id("wl-9999")]})
    foreign.pop("extensions", None), absent.pop("extensions", None)  # extensions.cost: the same document's cost
    assert (
        foreign
        == absent
        == {
            "data": {"nodes": [None]},
            "errors": [
                {
                    "message": "no Workload with this id",
                    "locations": [{"line": 1, "column": 23}],
                    "path": ["nodes", 0],
                    "extensions": {"code": "NOT_FOUND"},
                }
            ],
        }
    )


@pytest.mark.parametrize(
    "bad_id",
    [
        "not a global id!",
        "",
        base64.b64encode(b"no-separator").decode(),
        base64.b64encode(b"Workload:has spaces").decode(),
        base64.b64encode(b"Workload:" + b"x" * 600).decode(),
        encode_global_id("Bucket", ACME_BUCKET),  # well formed, but the wrong type for workload(id:)
    ],
)
async def test_malformed_or_mistyped_global_ids_are_bad_user_input(harness: GatewayHarness, bad_id: str) -> None:
    body = await harness.query(WORKLOAD, {"id": bad_id})
    assert body["data"] == {"workload": None}
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["path"] == ["workload"]


async def test_a_bucket_id_for_a_workload_says_which_type_was_expected(harness: GatewayHarness) -> None:
    body = await harness.query(WORKLOAD, {"id": encode_global_id("Bucket", ACME_BUCKET)})
    assert body["errors"][0]["message"] == "`id` is the id of a Bucket, expected a Workload"


@pytest.mark.parametrize("field", ["workloads", "buckets"])
@pytest.mark.parametrize("first", [101, -1])
async def test_first_out_of_range_is_bad_user_input(harness: GatewayHarness, field: str, first: int) -> None:
    body = await harness.query(f"query($first: Int!) {{ {field}(first: $first) {{ totalCount }} }}", {"first": first})
    assert body["data"] == {field: None}
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["argument"] == "first"


async def test_first_at_the_limits_is_accepted(harness: GatewayHarness) -> None:
    body = await harness.query(
        "{ none: workloads(first: 0) { totalCount edges { cursor } } most: workloads(first: 100) { edges { cursor } } }"
    )
    assert "errors" not in body
    assert body["data"]["none"]["edges"] == [] and body["data"]["none"]["totalCount"] > 0
    assert len(body["data"]["most"]["edges"]) == body["data"]["none"]["totalCount"]


@pytest.mark.parametrize(
    "cursor",
    ["not-a-cursor", base64.urlsafe_b64encode(b"c1:abc").decode(), base64.urlsafe_b64encode(b"x9:12").decode(), "%%%"],
)
async def test_a_cursor_the_api_did_not_issue_is_bad_user_input(harness: GatewayHarness, cursor: str) -> None:
    body = await harness.query("query($after: String) { workloads(after: $after) { totalCount } }", {"after": cursor})
    assert body["data"] == {"workloads": None}
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["argument"] == "after"


async def test_an_issued_cursor_pages_forward(harness: GatewayHarness) -> None:
    page = (
        "query($after: String) { workloads(first: 5, after: $after) { pageInfo { endCursor } edges { node { id } } } }"
    )
    first = (await harness.query(page))["data"]["workloads"]
    second = (await harness.query(page, {"after": first["pageInfo"]["endCursor"]}))["data"]["workloads"]
    first_ids = [e["node"]["id"] for e in first["edges"]]
    second_ids = [e["node"]["id"] for e in second["edges"]]
    assert len(second_ids) == 5 and not set(first_ids) & set(second_ids)


async def test_nodes_reports_each_missing_or_malformed_id_at_its_index(harness: GatewayHarness) -> None:
    ids = [
        workload_id(ACME_WORKLOAD),
        workload_id("wl-9999"),
        encode_global_id("Bucket", ACME_BUCKET),
        workload_id(GLOBEX_WORKLOAD),
        "garbage",
        encode_global_id("Project", "p-vision"),
        encode_global_id("NoSuchType", "x"),
    ]
    body = await harness.query(NODES, {"ids": ids})
    nodes = body["data"]["nodes"]
    assert [n["__typename"] if n else None for n in nodes] == [
        "ComputeWorkload",
        None,
        "Bucket",
        None,
        None,
        "Project",
        None,
    ]
    assert [n["id"] for n in nodes if n] == [ids[0], ids[2], ids[5]]
    assert {tuple(e["path"]): e["extensions"]["code"] for e in errors(body)} == {
        ("nodes", 1): "NOT_FOUND",
        ("nodes", 3): "NOT_FOUND",
        ("nodes", 4): "BAD_USER_INPUT",
        ("nodes", 6): "NOT_FOUND",
    }


async def test_nodes_takes_at_most_100_ids(harness: GatewayHarness) -> None:
    body = await harness.query(NODES, {"ids": [workload_id(ACME_WORKLOAD)] * 101})
    assert codes(body) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    ("content", "content_type", "message"),
    [
        (b"{not json", "application/json", "Unable to parse request body as JSON"),
        (b'{"variables": {}}', "application/json", "No GraphQL query found in the request"),
        (b'{"query": 5}', "application/json", "`query` must be a string"),
        (b'{"query": "{ viewer { persona } }", "variables": [1]}', "application/json", "`variables` must be an object"),
    ],
)
async def test_a_request_that_is_not_graphql_gets_a_coded_error(
    harness: GatewayHarness, content: bytes, content_type: str, message: str
) -> None:
    async with harness.client() as client:
        response = await client.post("/graphql", content=content, headers={"content-type": content_type})
    assert response.status_code == 400
    body = response.json()
    assert codes(body) == ["BAD_REQUEST"]
    assert message in body["errors"][0]["message"]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_unsupported_methods_get_a_coded_405(harness: GatewayHarness, method: str) -> None:
    async with harness.client() as client:
        response = await client.request(method, "/graphql", json={"query": "{ viewer { persona } }"})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert codes(response.json()) == ["METHOD_NOT_ALLOWED"]


@pytest.mark.parametrize(
    ("query", "variables", "code", "message"),
    [
        (
            "query($first: Int!) { workloads(first: $first) { totalCount } }",
            {"first": "ten"},
            "BAD_USER_INPUT",
            "Variable '$first'",
        ),
        ("query($first: Int!) { workloads(first: $first) { totalCount } }", {}, "BAD_USER_INPUT", "Variable '$first'"),
        (
            "query($f: WorkloadFilter) { workloads(filter: $f) { totalCount } }",
            {"f": {"kinds": ["SPACESHIP"]}},
            "BAD_USER_INPUT",
            "Variable '$f'",
        ),
        ('{ workloads(first: "ten") { totalCount } }', None, "GRAPHQL_VALIDATION_FAILED", "Int cannot represent"),
        ("{ workloads { noSuchField } }", None, "GRAPHQL_VALIDATION_FAILED", "noSuchField"),
        ("{ workloads { ", None, "GRAPHQL_PARSE_FAILED", "Syntax Error"),
    ],
)
async def test_invalid_documents_and_variables_are_coded(
    harness: GatewayHarness, query: str, variables: dict[str, Any] | None, code: str, message: str
) -> None:
    async with harness.client() as client:
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers={"x-dev-viewer": "u-tara"}
        )
    assert response.status_code < 500
    body = response.json()
    assert codes(body) == [code]
    assert message in body["errors"][0]["message"]
    assert body.get("data") is None


@pytest.mark.parametrize("viewer", ["u-nobody", "not a user id!", "x" * 65])
async def test_an_unknown_development_viewer_is_unauthenticated(harness: GatewayHarness, viewer: str) -> None:
    async with harness.client() as client:
        response = await client.post(
            "/graphql",
            json={"query": "{ viewer { persona } workloads { totalCount } }"},
            headers={"x-dev-viewer": viewer},
        )
    body = response.json()
    # A malformed header is refused before anything runs, an unknown user when the viewer is resolved: both 401.
    assert response.status_code == 401 and "www-authenticate" in response.headers
    assert set(codes(body)) == {"UNAUTHENTICATED"}
    assert body.get("data") is None


class Unreachable(httpx.AsyncBaseTransport):
    """A service whose host refuses connections (the error text names an internal address)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused: http://10.20.30.40:8105", request=request)


class TimesOut(httpx.AsyncBaseTransport):
    """A service that never answers in time."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out reading http://10.20.30.40:8105", request=request)


def answering(status: int, content: bytes) -> Starlette:
    """A service that answers every API call with the same status and body."""

    async def endpoint(_: Request) -> Response:
        return Response(content, status_code=status, media_type="application/json")

    return Starlette(routes=[Route("/v1/{rest:path}", endpoint)])


PAGE = """{ workloads(first: 30) { totalCount edges { node {
  id name status project { name } node { hostname } tabs { storage { mounts { bucket { name } } } }
} } } }"""


def broken(domain: str, transport: httpx.AsyncBaseTransport) -> GatewayHarness:
    return build_harness(wrap_transport=lambda d, inner: transport if d == domain else inner)


@pytest.mark.parametrize(
    ("harness_of", "code"),
    [
        (lambda: broken("platform", Unreachable()), "BACKEND_UNAVAILABLE"),
        (lambda: broken("platform", TimesOut()), "BACKEND_TIMEOUT"),
        (
            lambda: build_harness(platform=answering(503, b'{"error": "db at postgres://10.1.1.1 down"}')),
            "BACKEND_UNAVAILABLE",
        ),
        (lambda: build_harness(platform=answering(200, b'{"items": [')), "BACKEND_BAD_RESPONSE"),
        (lambda: build_harness(platform=answering(200, b'{"items": [{"id": "node-001"}]}')), "BACKEND_BAD_RESPONSE"),
    ],
    ids=["unreachable", "timeout", "5xx", "malformed-json", "breaks-contract"],
)
async def test_a_failing_backend_costs_only_the_fields_it_serves(harness_of: Any, code: str) -> None:
    harness = harness_of()
    async with harness.client() as client:
        response = await client.post("/graphql", json={"query": PAGE}, headers={"x-dev-viewer": "u-tara"})
    assert response.status_code == 200
    body = response.json()
    rows = [edge["node"] for edge in body["data"]["workloads"]["edges"]]
    assert len(rows) == 30 and all(row["name"] and row["project"]["name"] for row in rows)
    assert any(row["tabs"]["storage"]["mounts"] for row in rows)
    failed_paths = [error["path"] for error in errors(body)]
    assert failed_paths, "the platform fault was not reported"
    assert set(codes(body)) == {code}
    assert all(path[-1] == "node" and path[:2] == ["workloads", "edges"] and len(path) == 5 for path in failed_paths)
    assert {rows[path[2]]["node"] is None for path in failed_paths} == {True}
    assert {error["extensions"]["service"] for error in body["errors"]} == {"platform"}
    for internal in ("10.20.30.40", "10.1.1.1", "http://", "Traceback", "Errno", 'File "'):
        assert internal not in response.text


async def test_a_failing_storage_service_nulls_only_the_storage_tab() -> None:
    harness = broken("storage", Unreachable())
    body = await harness.query(PAGE)
    rows = [edge["node"] for edge in body["data"]["workloads"]["edges"]]
    assert all(row["tabs"] == {"storage": None} for row in rows)
    assert any(row["node"] for row in rows)
    assert {tuple(e["path"][3:]) for e in errors(body)} == {("node", "tabs", "storage")}
    assert set(codes(body)) == {"BACKEND_UNAVAILABLE"}


class InjectingTransport(httpx.AsyncBaseTransport):
    """Adds a field no contract declares to every document (and every nested object) a service sends."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = json.loads(await response.aread())
        return httpx.Response(response.status_code, json=self.inject(body))

    def inject(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {**{k: self.inject(v) for k, v in value.items()}, "internal_token": LEAK}
        if isinstance(value, list):
            return [self.inject(v) for v in value]
        return value


async def test_fields_no_contract_declares_never_reach_the_client() -> None:
    harness = build_harness(wrap_transport=lambda _, inner: InjectingTransport(inner))
    query = """{
      viewer { user { id name email } tenant { name } projects { name tenant { name } } }
      workloads(first: 100) { edges { node {
        id name gpu { model } node { hostname } owner { email } project { name }
        tabs { events { message } storage { mounts { mountPath bucket { name usage { usedBytes } } } }
               metrics { latest { powerWatts } sources { href } } config { environment { name value redacted } } }
        ... on VllmWorkload { serving { route } }
        ... on TrainingWorkload { training { checkpointBucket { name } } }
      } } }
      buckets(first: 100) { edges { node { name provider { capabilities { name } }
        tabs { accessAudiences { project { name } } mountedWorkloads { workload { name } }
               lifecycle { rules { prefix } } }
      } } }
    }"""
    async with harness.client() as client:
        response = await client.post("/graphql", json={"query": query}, headers={"x-dev-viewer": "u-tara"})
    body = response.json()
    assert "errors" not in body, body.get("errors")
    assert len(body["data"]["workloads"]["edges"]) > 30
    assert LEAK not in response.text
    assert "internal_token" not in response.text and "internalToken" not in response.text
