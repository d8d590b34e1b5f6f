"""The gateway and the reference services as real processes on loopback sockets."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gateway.ids import encode_global_id
from tests.processes import (
    BIN,
    bearer,
    clean_env,
    free_port,
    gateway_process_env,
    read_until,
    reference_services,
    start,
    stop,
    wait_healthy,
)

pytestmark = pytest.mark.socket


@pytest.fixture(scope="module")
def services() -> Iterator[dict[str, str]]:
    """``reference-services serve`` on free consecutive ports: GATEWAY_<DOMAIN>_URL -> URL."""
    with reference_services() as urls:
        yield urls


@pytest.fixture(scope="module")
def gateway_env(services: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The socket services' URLs and the data directory holding the development signing key."""
    return {**services, "GATEWAY_DATA_DIR": str(tmp_path_factory.mktemp("gateway-data"))}


@pytest.fixture(scope="module")
def gateway_url(gateway_env: dict[str, str]) -> Iterator[str]:
    """``gateway serve`` pointed at the socket services (bearer tokens only)."""
    port = free_port()
    env = gateway_process_env(**gateway_env, GATEWAY_REPORT_BACKEND_CALLS="1", GATEWAY_LOG_LEVEL="warning")
    process = start(str(BIN / "gateway"), "serve", "--port", str(port), env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(f"{url}/healthz", process)
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="module")
def tara(gateway_env: dict[str, str]) -> dict[str, str]:
    """The tenant admin's credentials."""
    return bearer(gateway_env, "u-tara")


def post(
    url: str, query: str, variables: dict[str, object] | None = None, *, headers: dict[str, str]
) -> dict[str, object]:
    response = httpx.post(
        f"{url}/graphql", json={"query": query, "variables": variables}, headers=headers, timeout=10.0
    )
    assert response.status_code == 200
    return response.json()


def test_reference_services_serve_their_openapi_documents(services: dict[str, str]) -> None:
    for variable, url in services.items():
        document = httpx.get(f"{url}/openapi.json", timeout=5.0).json()
        assert document["openapi"].startswith("3.")
        domain = variable.removeprefix("GATEWAY_").removesuffix("_URL").lower()
        assert document["info"]["title"].lower().startswith(domain)
    workloads = httpx.get(f"{services['GATEWAY_WORKLOADS_URL']}/openapi.json", timeout=5.0).json()
    assert {"/v1/workloads", "/v1/workloads/{id}", "/v1/workload-events"} <= set(workloads["paths"])


def test_workloads_page_over_real_sockets(gateway_url: str, tara: dict[str, str]) -> None:
    body = post(
        gateway_url,
        """{ workloads(first: 50) { totalCount edges { node {
      name kind status node { hostname } project { name } tabs { storage { mounts { bucket { name } } } }
    } } } }""",
        headers=tara,
    )
    assert "errors" not in body
    rows = [edge["node"] for edge in body["data"]["workloads"]["edges"]]  # type: ignore[index]
    assert len(rows) == 50 and body["data"]["workloads"]["totalCount"] == 64  # type: ignore[index]
    assert {row["kind"] for row in rows} == {"COMPUTE", "JUPYTER", "VLLM", "TRAINING"}
    assert any(row["node"] for row in rows) and any(row["tabs"]["storage"]["mounts"] for row in rows)
    # Cold request: the viewer lookup plus the page, each resource fetched once over the wire.
    calls = body["extensions"]["backendCalls"]  # type: ignore[index]
    assert "platform /v1/nodes" in calls and set(calls.values()) == {1}


def test_the_gateway_process_runs_the_executor_the_suite_runs(gateway_url: str, tara: dict[str, str]) -> None:
    # `GATEWAY_EXECUTOR=standard pytest` (the second pass of .ci/run) must reach the gateways tests start, not only
    # the in-process apps: graphql-core's path compiles no plan, the compiled default one per new document.
    post(gateway_url, "query ExecutorProbe { viewer { user { name } } }", headers=tara)
    compiled = _metric(httpx.get(f"{gateway_url}/metrics", timeout=5.0).text, "gateway_executor_plans_compiled_total")
    if os.environ.get("GATEWAY_EXECUTOR") == "standard":
        assert compiled == 0
    else:
        assert compiled >= 1


def _metric(exposition: str, name: str) -> float:
    """The value of an unlabelled sample in a Prometheus text exposition."""
    values = [float(line.split()[1]) for line in exposition.splitlines() if line.split(" ", 1)[0] == name]
    assert len(values) == 1, f"{name} not exposed once"
    return values[0]


def test_bucket_detail_over_real_sockets(gateway_url: str, tara: dict[str, str]) -> None:
    body = post(
        gateway_url,
        """query($id: ID!) { bucket(id: $id) {
      name usage { usedBytes quotaBytes state } provider { provider capabilities { name validated } }
      tabs { objects { availability { state link } objects { key } } mountedWorkloads { workload { name } }
             accessAudiences { kind project { name } } lifecycle { availability { state } rules { prefix } }
             events { message } }
    } }""",
        {"id": encode_global_id("Bucket", "bk-0001")},
        headers=tara,
    )
    assert "errors" not in body
    bucket = body["data"]["bucket"]  # type: ignore[index]
    assert bucket["provider"]["provider"] == "WEKA"
    assert bucket["usage"]["quotaBytes"] > 0
    assert bucket["tabs"]["mountedWorkloads"] and bucket["tabs"]["accessAudiences"][0]["kind"] == "OWNER"


def test_gateway_serve_on_the_embedded_default_serves_graphiql() -> None:
    port = free_port()
    process = start(str(BIN / "gateway"), "serve", "--port", str(port), env=clean_env(GATEWAY_LOG_LEVEL="warning"))
    try:
        lines = read_until(process, "Control-plane gateway")
        assert f"GraphiQL: http://127.0.0.1:{port}/graphql" in lines[-1]
        wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
        page = httpx.get(f"http://127.0.0.1:{port}/graphql", headers={"accept": "text/html"}, timeout=5.0)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "graphiql" in page.text.lower()
        data = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": "{ viewer { persona } }"}, timeout=10.0)
        assert data.json()["data"] == {"viewer": {"persona": "TENANT_ADMIN"}}
    finally:
        stop(process)


def test_a_gateway_on_backend_urls_refuses_the_development_header(gateway_url: str) -> None:
    def refusal(headers: dict[str, str]) -> dict[str, Any]:
        response = httpx.post(
            f"{gateway_url}/graphql", json={"query": "{ viewer { user { name } } }"}, headers=headers, timeout=10.0
        )
        assert response.status_code == 401
        body = response.json()
        assert body.get("data") is None
        [error] = body["errors"]
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
        return error

    refused = refusal({"x-dev-viewer": "u-olivia"})
    assert refused["extensions"]["reason"] == "dev_header_refused"
    assert "X-Dev-Viewer" in refused["message"] and "gateway token --persona" in refused["message"]
    assert refusal({})["extensions"]["reason"] == "missing"  # no development default viewer either


def test_gateway_token_is_accepted_by_gateway_serve_on_socket_backends(
    gateway_url: str, gateway_env: dict[str, str]
) -> None:
    printed = subprocess.run(
        [str(BIN / "gateway"), "token", "--persona", "member"],
        env=clean_env(**gateway_env),
        capture_output=True,
        timeout=60,
        check=True,
    )
    token = printed.stdout.decode().strip()
    body = post(gateway_url, "{ viewer { persona user { id } } }", headers={"authorization": f"Bearer {token}"})
    assert body["data"] == {"viewer": {"persona": "MEMBER", "user": {"id": encode_global_id("User", "u-marco")}}}
