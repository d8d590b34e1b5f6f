"""Trusted documents (the committed operations/ registry) and automatic persisted queries (APQ)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.documents import DEFAULT_OPERATIONS_DIR, DocumentRegistry, document_hash
from gateway.security_settings import SecuritySettings
from gateway.settings import Settings
from tests.auth_support import IdentityProvider, idp_harness, jwks_server
from tests.support import GatewayHarness, build_harness

WORKLOADS = (DEFAULT_OPERATIONS_DIR / "workloads.graphql").read_text()
AD_HOC = "{ viewer { persona } }"


def gateway(**security: Any) -> GatewayHarness:
    return build_harness(
        settings=Settings.from_env(
            {}, viewer_cache_seconds=0, security=dataclasses.replace(SecuritySettings(), **security)
        )
    )


async def send(harness: GatewayHarness, payload: dict[str, Any], method: str = "POST") -> Any:
    headers = {"authorization": f"Bearer {harness.token('member')}"}
    async with harness.client() as client:
        if method == "GET":
            params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in payload.items()}
            return await client.get("/graphql", params=params, headers=headers)
        return await client.post("/graphql", json=payload, headers=headers)


def persisted(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def code_of(response: Any) -> str:
    return response.json()["errors"][0]["extensions"]["code"]


def test_the_registry_holds_every_committed_operation() -> None:
    registry = DocumentRegistry.load(None)
    files = sorted(DEFAULT_OPERATIONS_DIR.rglob("*.graphql"))
    assert files and len(registry) == len({p.read_text() for p in files})
    assert registry.get(document_hash(WORKLOADS)) == WORKLOADS


async def test_trusted_mode_runs_registered_documents_by_hash_or_text() -> None:
    harness = gateway(trusted_documents=True)
    variables = {"first": 3}
    by_hash = await send(harness, {"variables": variables, "extensions": persisted(document_hash(WORKLOADS))})
    by_text = await send(harness, {"query": WORKLOADS, "variables": variables})
    by_get = await send(harness, {"variables": variables, "extensions": persisted(document_hash(WORKLOADS))}, "GET")
    for response in (by_hash, by_text, by_get):
        assert response.status_code == 200 and len(response.json()["data"]["workloads"]["edges"]) == 3


async def test_trusted_mode_refuses_any_other_document() -> None:
    harness = gateway(trusted_documents=True)
    response = await send(harness, {"query": AD_HOC})
    assert response.status_code == 400 and code_of(response) == "TRUSTED_DOCUMENT_REQUIRED"
    with_hash = await send(harness, {"query": AD_HOC, "extensions": persisted(document_hash(AD_HOC))})
    assert with_hash.status_code == 400 and code_of(with_hash) == "TRUSTED_DOCUMENT_REQUIRED"


async def test_an_unknown_hash_is_persisted_query_not_found() -> None:
    response = await send(gateway(), {"extensions": persisted("0" * 64)})
    assert response.status_code == 200
    assert response.json()["errors"][0] == {
        "message": "PersistedQueryNotFound",
        "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
    }


async def test_apq_registers_a_document_once_its_hash_is_verified() -> None:
    harness = gateway(apq=True, trusted_documents=True)
    digest = document_hash(AD_HOC)
    first = await send(harness, {"extensions": persisted(digest)})
    assert code_of(first) == "PERSISTED_QUERY_NOT_FOUND"
    lying = await send(harness, {"query": "{ viewer { user { email } } }", "extensions": persisted(digest)})
    assert lying.status_code == 400 and code_of(lying) == "PERSISTED_QUERY_HASH_MISMATCH"
    registered = await send(harness, {"query": AD_HOC, "extensions": persisted(digest)})
    assert registered.json()["data"]["viewer"]["persona"] == "MEMBER"
    again = await send(harness, {"extensions": persisted(digest)})
    assert again.json()["data"]["viewer"]["persona"] == "MEMBER"


@pytest.mark.parametrize("extension", [{"version": 2, "sha256Hash": "0" * 64}, {"version": 1, "sha256Hash": "xyz"}])
async def test_a_malformed_persisted_query_extension_is_a_bad_request(extension: dict[str, Any]) -> None:
    response = await send(gateway(), {"extensions": {"persistedQuery": extension}})
    assert response.status_code == 400 and code_of(response) == "BAD_REQUEST"


def test_the_registry_reads_any_graphql_file_in_the_directory(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "a.graphql").write_text("{ viewer { persona } }")
    registry = DocumentRegistry.load(tmp_path)
    assert registry.names == {document_hash("{ viewer { persona } }"): "pages/a.graphql"}


@pytest.fixture
def provider_url() -> Iterator[tuple[IdentityProvider, str]]:
    provider = IdentityProvider()
    with jwks_server(provider) as url:
        yield provider, url


@pytest.mark.socket
async def test_production_mode_trusts_only_registered_documents_without_introspection_or_graphiql(
    provider_url: tuple[IdentityProvider, str],
) -> None:
    provider, url = provider_url
    harness = idp_harness(url, production=True)
    headers = {"authorization": f"Bearer {provider.token('u-marco')}"}
    async with harness.client() as client:
        page = await client.get("/graphql", headers={"accept": "text/html"})
        ad_hoc = await client.post("/graphql", json={"query": AD_HOC}, headers=headers)
        registered = await client.post(
            "/graphql", json={"query": WORKLOADS, "variables": {"first": 2}}, headers=headers
        )
    assert page.status_code == 404
    assert code_of(ad_hoc) == "TRUSTED_DOCUMENT_REQUIRED"
    assert len(registered.json()["data"]["workloads"]["edges"]) == 2
    settings = harness.app.state.settings
    assert not settings.security.introspection_enabled and settings.security.bucket is not None
