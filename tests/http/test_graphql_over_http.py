"""The GraphQL-over-HTTP specification: content negotiation by ``Accept``, the status codes of
``application/graphql-response+json``, unchanged ``application/json`` answers, and graphql-http's own audit
(``scripts/graphql_http_audit.mjs``) against ``gateway serve`` on a loopback socket: every check passes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.guarded_view import GRAPHQL_RESPONSE_JSON, negotiate
from gateway.rejections import RequestRejected
from gateway.security_settings import SecuritySettings
from gateway.settings import Settings
from tests.http.embedded_gateway import embedded_gateway_url
from tests.support import GatewayHarness, build_harness

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
JSON = "application/json"
PARSE_FAILURE = {"query": "{"}
VALIDATION_FAILURE = {"query": "{ noSuchField }"}
COERCION_FAILURE = {"query": "query CoerceFailure($id: ID!) { __typename }", "variables": {"id": None}}
NOT_FOUND = {"query": "query($id: ID!) { workload(id: $id) { id } }", "variables": {"id": "V29ya2xvYWQ6d2wtOTk5OQ=="}}


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, JSON),
        ("", JSON),
        ("application/json", JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        ("application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json, application/json", GRAPHQL_RESPONSE_JSON),
        ("application/json, application/graphql-response+json", JSON),
        ("application/json;q=0.9, application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("*/*, application/graphql-response+json;q=0.5", JSON),
        ("application/graphql-response+json;q=0.5, */*;q=0.5", GRAPHQL_RESPONSE_JSON),
        ("text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8", JSON),  # a browser's address bar
        ("application/graphql-response+json, application/json, multipart/mixed", GRAPHQL_RESPONSE_JSON),  # GraphiQL
        ("text/event-stream", "text/event-stream"),
        ("Application/GraphQL-Response+JSON; charset=utf-8", GRAPHQL_RESPONSE_JSON),
        ("application/json;q=bad", JSON),  # a malformed weight counts as 1
        ("text/plain", None),
        ("application/xml, text/html", None),
        ("application/json;q=0", None),
        ("multipart/mixed", None),
    ],
)
def test_accept_negotiation(accept: str | None, media_type: str | None) -> None:
    if media_type is None:
        with pytest.raises(RequestRejected) as refused:
            negotiate(accept)
        assert refused.value.status == 406 and refused.value.code == "NOT_ACCEPTABLE"
    else:
        assert negotiate(accept) == media_type


async def post(harness: GatewayHarness, payload: dict[str, Any], accept: str | None) -> httpx.Response:
    headers = {"x-dev-viewer": "u-tara", **({"accept": accept} if accept else {})}
    async with harness.client() as client:
        return await client.post("/graphql", json=payload, headers=headers)


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (PARSE_FAILURE, "GRAPHQL_PARSE_FAILED"),
        (VALIDATION_FAILURE, "GRAPHQL_VALIDATION_FAILED"),
        (COERCION_FAILURE, "BAD_USER_INPUT"),
    ],
    ids=["parse", "validation", "coercion"],
)
async def test_request_errors_as_graphql_response_json_are_400_without_data(
    harness: GatewayHarness, payload: dict[str, Any], code: str
) -> None:
    response = await post(harness, payload, GRAPHQL_RESPONSE_JSON)
    assert response.status_code == 400
    assert response.headers["content-type"] == GRAPHQL_RESPONSE_JSON
    body = response.json()
    assert "data" not in body and body["errors"][0]["extensions"]["code"] == code
    for accept in (None, JSON, "*/*"):  # application/json: as before, 200 with data null
        legacy = await post(harness, payload, accept)
        assert legacy.status_code == 200 and legacy.headers["content-type"] == JSON
        assert legacy.json()["data"] is None and legacy.json()["errors"][0]["extensions"]["code"] == code


async def test_once_execution_started_graphql_response_json_is_200_with_data(harness: GatewayHarness) -> None:
    ok = await post(harness, {"query": "{ viewer { persona } }"}, GRAPHQL_RESPONSE_JSON)
    assert ok.status_code == 200 and ok.headers["content-type"] == GRAPHQL_RESPONSE_JSON
    assert ok.json()["data"] == {"viewer": {"persona": "TENANT_ADMIN"}}
    partial = await post(harness, NOT_FOUND, GRAPHQL_RESPONSE_JSON)  # a field error: execution ran
    assert partial.status_code == 200
    assert partial.json()["data"] == {"workload": None}
    assert partial.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_the_same_query_answers_the_same_body_in_both_media_types(harness: GatewayHarness) -> None:
    strict = await post(harness, {"query": "{ viewer { persona projects { name } } }"}, GRAPHQL_RESPONSE_JSON)
    legacy = await post(harness, {"query": "{ viewer { persona projects { name } } }"}, JSON)
    assert strict.status_code == legacy.status_code == 200
    assert strict.json() == legacy.json()


async def test_refusals_answer_in_the_negotiated_media_type(harness: GatewayHarness) -> None:
    async with harness.client() as client:
        unauthenticated = await client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"accept": GRAPHQL_RESPONSE_JSON, "x-dev-viewer": "!"}
        )
        not_acceptable = await client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"accept": "text/plain", "x-dev-viewer": "u-tara"}
        )
        get_mutation = await client.get(
            "/graphql",
            params={"query": "mutation { __typename }"},
            headers={"accept": GRAPHQL_RESPONSE_JSON, "x-dev-viewer": "u-tara"},
        )
    assert unauthenticated.status_code == 401 and unauthenticated.headers["content-type"] == GRAPHQL_RESPONSE_JSON
    assert not_acceptable.status_code == 406 and not_acceptable.headers["content-type"] == JSON
    assert get_mutation.status_code == 405 and get_mutation.headers["content-type"] == GRAPHQL_RESPONSE_JSON


async def test_batches_keep_status_200_and_drop_data_of_entries_that_did_not_run() -> None:
    security = dataclasses.replace(SecuritySettings(), max_batch_operations=2)
    harness = build_harness(settings=Settings.from_env({}, viewer_cache_seconds=0, security=security))
    async with harness.client() as client:
        response = await client.post(
            "/graphql",
            json=[{"query": "{ __typename }"}, PARSE_FAILURE],
            headers={"accept": GRAPHQL_RESPONSE_JSON, "x-dev-viewer": "u-tara"},
        )
    assert response.status_code == 200
    first, second = response.json()
    assert first["data"] == {"__typename": "Query"} and "data" not in second


# --- graphql-http's audit ------------------------------------------------------------------------------------------


def _audit_prefix(config: pytest.Config) -> Path:
    """Where the pinned audit package is installed: under the virtualenv (or pytest's cache), never the tree."""
    if sys.prefix != sys.base_prefix:
        return Path(sys.prefix) / "graphql-http-audit"
    return config.cache.mkdir("graphql-http-audit") if config.cache is not None else Path(".pytest_cache")


def _install_audit(config: pytest.Config, npm: str) -> Path:
    """``npm ci`` of scripts/package-lock.json into the prefix, once per lockfile (its hash is the stamp)."""
    prefix = _audit_prefix(config)
    lock = (SCRIPTS / "package-lock.json").read_bytes()
    stamp = prefix / ".installed"
    digest = hashlib.sha256(lock + (SCRIPTS / "package.json").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest and (prefix / "node_modules" / "graphql-http").is_dir():
        return prefix
    prefix.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SCRIPTS / "package.json", prefix / "package.json")
    shutil.copyfile(SCRIPTS / "package-lock.json", prefix / "package-lock.json")
    installed = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"],
        cwd=prefix,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if installed.returncode != 0:
        reason = f"npm ci of the graphql-http audit failed: {installed.stderr.strip()[-500:]}"
        print(reason)
        pytest.skip(reason)
    stamp.write_text(digest)
    return prefix


@pytest.mark.socket
def test_graphql_http_audit_passes_every_check(request: pytest.FixtureRequest) -> None:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        reason = f"the graphql-http audit needs Node.js and npm on PATH (node: {node}, npm: {npm})"
        print(reason)
        pytest.skip(reason)
    prefix = _install_audit(request.config, npm)
    url = embedded_gateway_url(request.config) + "/graphql"
    audit = subprocess.run(
        [node, str(SCRIPTS / "graphql_http_audit.mjs"), url, "--json"],
        env={**os.environ, "GRAPHQL_HTTP_AUDIT_PREFIX": str(prefix)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert audit.stdout, audit.stderr
    report = json.loads(audit.stdout)
    failed = [f"{r['status']} {r['id']} {r['name']}: {r['reason']}" for r in report["results"] if r["status"] != "ok"]
    assert failed == [], "\n".join(failed)
    assert report["total"] == report["ok"] == 61, report
    assert audit.returncode == 0
