"""Faults over real sockets: ``reference-services serve --fault ...`` and ``POST /_faults`` on each service.

The gateway runs in-process here (its backend traffic still crosses real sockets: refused connections,
read timeouts, truncated bodies); ``test_operations.py`` runs ``gateway serve`` itself for health,
metrics, logs and graceful shutdown.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from bench.pages import Lookup
from gateway.app import create_app
from gateway.settings import Settings
from tests.fault_support import FAULTS, PAGES, assert_partial_result, lookup_value
from tests.processes import (
    bearer,
    by_domain,
    free_port,
    reference_services,
)

pytestmark = pytest.mark.socket


@pytest.fixture(scope="module")
def services() -> Iterator[dict[str, str]]:
    """The services on sockets, platform started slow from the command line: domain -> URL."""
    # /healthz of the slow service is slow too
    with reference_services("--fault", "platform=latency:1500", health_path="/openapi.json") as urls:
        yield by_domain(urls)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """GATEWAY_DATA_DIR: the signing key the gateway verifies and the test mints development tokens with."""
    return str(tmp_path_factory.mktemp("gateway-data"))


@pytest.fixture(scope="module")
def tara(services: dict[str, str], data_dir: str) -> dict[str, str]:
    """The tenant admin's bearer token (a gateway on backend URLs takes no development header)."""
    return bearer(
        {**{f"GATEWAY_{d.upper()}_URL": u for d, u in services.items()}, "GATEWAY_DATA_DIR": data_dir}, "u-tara"
    )


def set_fault(url: str, spec: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{url}/_faults", json={**spec, "reset_stats": True}, timeout=5.0)
    assert response.status_code == 200, response.text
    return response.json()


def gateway_settings(urls: dict[str, str], data_dir: str, **backend: Any) -> Settings:
    env = {**{f"GATEWAY_{d.upper()}_URL": u for d, u in urls.items()}, "GATEWAY_DATA_DIR": data_dir}
    base = Settings.from_env(env, viewer_cache_seconds=3600, report_backend_calls=True)
    knobs = {"read_timeout": 0.6, "total_timeout": 1.0, "retry_backoff": 0.0, "breaker_failures": 10_000, **backend}
    return dataclasses.replace(base, backends={d: dataclasses.replace(b, **knobs) for d, b in base.backends.items()})


async def post(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None) -> tuple[int, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    return response.status_code, response.json()


def gateway_client(app: Any, auth: dict[str, str]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test", headers=auth)


async def test_start_up_latency_and_a_refused_port_null_only_their_sections(
    services: dict[str, str], data_dir: str, tara: dict[str, str]
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens: connection refused
    app = create_app(gateway_settings({**services, "storage": closed}, data_dir))
    query, variables = PAGES["workloads"]
    timeouts = (
        REGISTRY.get_sample_value(
            "gateway_backend_requests_total",
            {"domain": "platform", "endpoint": "/v1/nodes", "method": "GET", "outcome": "timeout"},
        )
        or 0.0
    )
    try:
        async with gateway_client(app, tara) as client:
            status, body = await post(client, query, variables)
    finally:
        await app.state.backends.aclose()
    assert status == 200
    rows = [edge["node"] for edge in body["data"]["workloads"]["edges"]]
    assert rows and all(row["name"] and row["project"]["name"] for row in rows)
    by_service: dict[str, set[str]] = {}
    for error in body["errors"]:
        by_service.setdefault(error["extensions"]["service"], set()).add(error["extensions"]["code"])
        assert error["path"][0] == "workloads" and len(error["path"]) > 3
    assert by_service == {"platform": {"BACKEND_TIMEOUT"}, "storage": {"BACKEND_UNAVAILABLE"}}
    assert all(row["node"] is None for row in rows)
    assert all(row["tabs"]["storage"] is None for row in rows)
    assert (
        REGISTRY.get_sample_value(
            "gateway_backend_requests_total",
            {"domain": "platform", "endpoint": "/v1/nodes", "method": "GET", "outcome": "timeout"},
        )
        > timeouts
    )


async def test_faults_set_at_run_time_keep_every_page_partial(
    services: dict[str, str], data_dir: str, tara: dict[str, str]
) -> None:
    set_fault(services["platform"], {})  # the start-up latency is lifted through the admin endpoint
    app = create_app(gateway_settings(services, data_dir))
    try:
        async with gateway_client(app, tara) as client:
            baselines = {}
            for name, (query, variables) in PAGES.items():
                resolved = {}
                for key, value in variables.items():
                    if isinstance(value, Lookup):
                        value = lookup_value((await post(client, value.query, value.variables))[1], value)
                    resolved[key] = min(value, 10) if key == "first" else value
                await post(client, query, resolved)  # warm: the viewer is cached from here on
                status, healthy = await post(client, query, resolved)
                assert status == 200 and "errors" not in healthy, (name, healthy)
                reads = {call.split(" ", 1)[0] for call in healthy["extensions"]["backendCalls"]}
                baselines[name] = (query, resolved, healthy, reads)
            # Each fault once, in a domain every page family reads from, rotating over the domains.
            read_domains = ["workloads", "storage", "platform", "access"]
            for index, fault in enumerate(FAULTS):
                domain = read_domains[index % len(read_domains)]
                set_fault(services[domain], fault.spec)
                try:
                    for query, variables, healthy, reads in baselines.values():
                        status, body = await post(client, query, variables)
                        assert_partial_result(
                            healthy, status, body, domain=domain, codes={fault.code}, reads_domain=domain in reads
                        )
                finally:
                    seen = set_fault(services[domain], {})
                assert seen["faults"] == dataclasses.asdict(_no_faults())
    finally:
        await app.state.backends.aclose()


def _no_faults() -> Any:
    from reference_services.faults import FaultSpec

    return FaultSpec()


def test_the_admin_endpoint_refuses_bad_settings(services: dict[str, str]) -> None:
    url = services["account"]
    assert httpx.post(f"{url}/_faults", json={"explode": True}, timeout=5.0).status_code == 400
    assert httpx.post(f"{url}/_faults", json={"error_rate": 2}, timeout=5.0).status_code == 400
    state = httpx.get(f"{url}/_faults", timeout=5.0).json()
    assert state["faults"]["down"] is False
