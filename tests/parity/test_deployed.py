"""`gateway parity --url`: the pass against a gateway served by another process, with a token per persona."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.processes import BIN, bearer, free_port, gateway_process_env, reference_services, start, stop, wait_healthy


@pytest.mark.socket
def test_the_pass_runs_against_a_deployed_gateway_with_tokens(tmp_path: Path) -> None:
    env = gateway_process_env(GATEWAY_DATA_DIR=str(tmp_path / "data"), GATEWAY_LOG_LEVEL="warning")
    port = free_port()
    process = start(str(BIN / "gateway"), "serve", "--port", str(port), env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(f"{url}/healthz", process)
        token = bearer(env, "u-marco")["authorization"].removeprefix("Bearer ")
        command = [str(BIN / "gateway"), "parity", "--url", f"{url}/graphql", "--token", f"member={token}"]
        command += ["--routes", "/access/connectivity,/workloads/{id}", "--personas", "member,tenant_admin"]
        command += ["--out", str(tmp_path / "out"), "--baseline", str(tmp_path / "none.json")]
        finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    finally:
        stop(process)
    assert finished.returncode == 1, finished.stdout + finished.stderr  # the future-product gaps are not accepted
    assert "parity: [1/" in finished.stderr, "plain progress lines off a terminal"
    report = json.loads((tmp_path / "out" / "parity.json").read_text())
    assert report["target"] == f"deployed gateway {url}"
    routes = {r["route"]: r["personas"] for r in report["routes"]}
    assert routes["/access/connectivity"]["tenant_admin"]["status"] == "skipped", "no token for that persona"
    member = routes["/workloads/{id}"]["member"]
    assert member["status"] == "ran" and member["responses"] >= 4, "ids come from the deployed gateway's lists"
    assert {g["class"] for g in routes["/access/connectivity"]["member"]["gaps"]} == {"future_product"}


@pytest.mark.socket
def test_the_pass_runs_on_backend_urls_with_tokens_it_signs(tmp_path: Path) -> None:
    # The same settings as `gateway serve` on backend URLs: the pass serves the gateway in-process and signs
    # development tokens for the demo users (the development header is refused there).
    with reference_services() as urls:
        env = gateway_process_env(GATEWAY_DATA_DIR=str(tmp_path / "data"), **urls)
        command = [str(BIN / "gateway"), "parity", "--routes", "/workloads/{id}", "--personas", "member"]
        command += ["--user", "member=u-priya", "--out", str(tmp_path / "out"), "--baseline", str(tmp_path / "b.json")]
        finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    report = json.loads((tmp_path / "out" / "parity.json").read_text())
    assert report["target"] == "backend URLs (in-process gateway)"
    [route] = report["routes"]
    assert route["personas"]["member"]["responses"] >= 4 and route["verdict"] == "no blocking gap"
