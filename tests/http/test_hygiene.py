"""HTTP hygiene: body and variable sizes, methods, content types (CSRF), CORS, security headers, batching,
GraphiQL's persona picker, and error masking."""

from __future__ import annotations

import dataclasses
import html
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from gateway.security_settings import SecuritySettings
from gateway.settings import Settings
from tests.support import GatewayHarness, build_harness

QUERY = "{ viewer { persona } }"


def configured(**security: Any) -> GatewayHarness:
    return build_harness(
        settings=Settings.from_env(
            {}, viewer_cache_seconds=0, security=dataclasses.replace(SecuritySettings(), **security)
        )
    )


def code_of(response: httpx.Response) -> str:
    return response.json()["errors"][0]["extensions"]["code"]


async def test_an_oversize_body_is_413_by_content_length(harness: GatewayHarness) -> None:
    padding = "#" * (256 * 1024)
    async with harness.client() as client:
        response = await client.post("/graphql", json={"query": QUERY + padding}, headers=auth(harness))
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"] == {"code": "REQUEST_TOO_LARGE", "maxBytes": 256 * 1024}


async def test_an_oversize_streamed_body_is_413(harness: GatewayHarness) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "' + b"#" * 200_000
        yield b"#" * 200_000 + b'"}'

    async with harness.client() as client:
        response = await client.post(
            "/graphql", content=chunks(), headers={**auth(harness), "content-type": "application/json"}
        )
    assert response.status_code == 413 and code_of(response) == "REQUEST_TOO_LARGE"


async def test_oversize_variables_are_refused(harness: GatewayHarness) -> None:
    variables = {"filter": {"names": ["x" * 1000] * 70}}
    async with harness.client() as client:
        response = await client.post("/graphql", json={"query": QUERY, "variables": variables}, headers=auth(harness))
    assert response.status_code == 413 and code_of(response) == "VARIABLES_TOO_LARGE"


async def test_deeply_nested_json_is_a_400_not_a_crash(harness: GatewayHarness) -> None:
    body = '{"query": "{ viewer { persona } }", "variables": {"x": ' + "[" * 50_000 + "]" * 50_000 + "}}"
    async with harness.client() as client:
        response = await client.post(
            "/graphql", content=body, headers={**auth(harness), "content-type": "application/json"}
        )
    assert response.status_code == 400 and code_of(response) == "BAD_REQUEST"


async def test_several_operations_need_an_operation_name(harness: GatewayHarness) -> None:
    document = "query First { viewer { persona } } query Second { shell { persona } }"
    async with harness.client() as client:
        unnamed = await client.post("/graphql", json={"query": document}, headers=auth(harness))
        named = await client.post(
            "/graphql", json={"query": document, "operationName": "Second"}, headers=auth(harness)
        )
        mentions_query = await client.post(
            "/graphql",
            json={"query": "query Only { viewer { persona } } # a query, not a mutation"},
            headers=auth(harness),
        )
    assert unnamed.status_code == 400 and code_of(unnamed) == "BAD_REQUEST"
    assert "operationName" in unnamed.json()["errors"][0]["message"] and "data" not in unnamed.json()
    assert named.status_code == 200 and named.json()["data"]["shell"]["persona"] == "TENANT_ADMIN"
    assert mentions_query.status_code == 200 and "errors" not in mentions_query.json()


async def test_a_mutation_over_get_is_405(harness: GatewayHarness) -> None:
    async with harness.client() as client:
        response = await client.get("/graphql", params={"query": "mutation { anything }"}, headers=auth(harness))
        query = await client.get("/graphql", params={"query": QUERY}, headers=auth(harness))
    assert response.status_code == 405
    assert response.headers["allow"] == "POST" and code_of(response) == "METHOD_NOT_ALLOWED"
    assert query.status_code == 200 and query.json()["data"]["viewer"]["persona"] == "TENANT_ADMIN"


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("application/x-www-form-urlencoded", "query=%7B+viewer+%7B+persona+%7D+%7D"),
        (
            "multipart/form-data; boundary=x",
            '--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n{ viewer { persona } }\r\n--x--',
        ),
        ("text/plain", '{"query": "{ viewer { persona } }"}'),
    ],
)
async def test_form_and_text_posts_are_refused(harness: GatewayHarness, content_type: str, content: str) -> None:
    async with harness.client() as client:
        response = await client.post(
            "/graphql", content=content, headers={**auth(harness), "content-type": content_type}
        )
    assert response.status_code == 415 and code_of(response) == "UNSUPPORTED_MEDIA_TYPE"


async def test_no_origin_is_allowed_by_default(harness: GatewayHarness) -> None:
    async with harness.client() as client:
        preflight = await client.options("/graphql", headers=preflight_headers("https://evil.example"))
        simple = await client.post(
            "/graphql", json={"query": QUERY}, headers={**auth(harness), "origin": "https://evil.example"}
        )
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in simple.headers


async def test_configured_origins_only() -> None:
    harness = configured(cors_origins=("https://console.example",))
    async with harness.client() as client:
        allowed = await client.options("/graphql", headers=preflight_headers("https://console.example"))
        refused = await client.options("/graphql", headers=preflight_headers("https://evil.example"))
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://console.example"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers


async def test_security_headers_and_no_store(harness: GatewayHarness) -> None:
    async with harness.client() as client:
        response = await client.post("/graphql", json={"query": QUERY}, headers=auth(harness))
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store"


async def test_graphiql_offers_persona_tokens_under_a_csp_that_lets_it_run(harness: GatewayHarness) -> None:
    async with harness.client() as client:
        page = await client.get("/graphql", headers={"accept": "text/html"})
        personas = html.unescape(page.text.split('data-personas="')[1].split('"')[0])  # the picker's tokens
        tokens = json.loads(personas)
        assert sorted(tokens) == ["member", "operator", "project-admin", "tenant-admin"]
        viewer = await client.post(
            "/graphql", json={"query": QUERY}, headers={"authorization": f"Bearer {tokens['project-admin']}"}
        )
    csp = page.headers["content-security-policy"]  # GraphiQL's assets are the gateway's own (gateway.graphiql)
    assert "script-src 'self';" in csp and "style-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert viewer.json()["data"]["viewer"]["persona"] == "PROJECT_ADMIN"


async def test_batching_is_off_unless_enabled_and_then_bounded(harness: GatewayHarness) -> None:
    batch = [{"query": QUERY}] * 3
    async with harness.client() as client:
        off = await client.post("/graphql", json=batch, headers=auth(harness))
    assert off.status_code == 400 and code_of(off) == "BATCHING_DISABLED"
    enabled = configured(max_batch_operations=2)
    async with enabled.client() as client:
        too_many = await client.post("/graphql", json=batch, headers=auth(enabled))
        two = await client.post("/graphql", json=batch[:2], headers=auth(enabled))
    assert too_many.status_code == 400 and code_of(too_many) == "BATCH_TOO_LARGE"
    assert [r["data"]["viewer"]["persona"] for r in two.json()] == ["TENANT_ADMIN", "TENANT_ADMIN"]


async def test_unexpected_errors_are_masked_keeping_a_code() -> None:
    async def explode(_: Any) -> Response:
        return Response("OperationalError: no such table: secrets at http://10.1.2.3:5432/db", status_code=500)

    broken = Starlette(routes=[Route("/{path:path}", explode)])
    harness = build_harness(workloads=broken)
    body = await harness.query("{ workloads(first: 5) { totalCount } }")
    text = json.dumps(body)
    assert body["errors"][0]["extensions"]["code"] == "BACKEND_UNAVAILABLE"
    for internal in ("OperationalError", "10.1.2.3", "no such table", "Traceback", "workloads.embedded"):
        assert internal not in text


def auth(harness: GatewayHarness, persona: str = "tenant-admin") -> dict[str, str]:
    return {"authorization": f"Bearer {harness.token(persona)}"}


def preflight_headers(origin: str) -> dict[str, str]:
    return {
        "origin": origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
    }


async def test_other_methods_are_405_before_credentials_are_asked_for() -> None:
    from tests.auth_support import IdentityProvider, idp_harness, jwks_server

    with jwks_server(IdentityProvider()) as url:
        harness = idp_harness(url, production=True)
        async with harness.client() as client:
            response = await client.request("DELETE", "/graphql")
    assert response.status_code == 405 and code_of(response) == "METHOD_NOT_ALLOWED"


async def test_a_literal_a_custom_scalar_cannot_parse_is_a_validation_error_not_internal(
    harness: GatewayHarness,
) -> None:
    body = await harness.query(
        'mutation { createBucket(input: {projectId: "x", name: "n", purpose: "p", '
        'provider: WEKA, region: "r", quotaBytes: "ten"}) { __typename } }'
    )
    [error] = body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "BigInt" in error["message"] and "int()" not in error["message"]
