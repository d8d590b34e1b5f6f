"""SIGTERM with ``GATEWAY_DRAIN_SECONDS``: ``/readyz`` turns 503 while queries are still served, then the process
exits cleanly; without it (the default) readiness is not touched and uvicorn stops at once."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.settings import Settings, SettingsError
from tests.balancer_support import Replica, free_port
from tests.processes import bearer, gateway_process_env, reference_services

pytestmark = pytest.mark.socket
QUERY = {"query": "{ viewer { user { name } } }"}
# After a graceful shutdown a single uvicorn server re-raises the SIGTERM it handled (its exit status says so);
# the multi-worker supervisor exits 0.
EXIT_AFTER_SIGTERM = {1: -signal.SIGTERM, 2: 0}


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with reference_services() as urls:
        yield {**urls, "GATEWAY_DATA_DIR": str(tmp_path_factory.mktemp("gateway-data"))}


def test_a_negative_drain_is_refused() -> None:
    with pytest.raises(SettingsError, match="GATEWAY_DRAIN_SECONDS"):
        Settings.from_env({"GATEWAY_DRAIN_SECONDS": "-1"}).validate()


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_fails_readiness_first_and_keeps_serving_through_the_drain(
    services: dict[str, str], tmp_path: Path, workers: int
) -> None:
    env = gateway_process_env(**services, GATEWAY_DRAIN_SECONDS="4", GATEWAY_LOG_LEVEL="warning")
    auth = bearer(env, "u-marco")
    replica = Replica("drained", free_port(), env, workers, tmp_path)
    replica.start()
    try:
        replica.wait_ready()
        assert replica.popen is not None
        replica.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 3  # well inside the 4 s drain, even on a loaded machine
        readiness = httpx.get(f"{replica.url}/readyz", timeout=2)
        while readiness.status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.05)
            readiness = httpx.get(f"{replica.url}/readyz", timeout=2)
        assert (readiness.status_code, readiness.json()) == (503, {"status": "draining"})
        served = httpx.post(f"{replica.url}/graphql", json=QUERY, headers=auth, timeout=5)
        assert served.status_code == 200 and served.json()["data"]["viewer"]["user"]["name"], served.text
        assert replica.popen.wait(timeout=30) == EXIT_AFTER_SIGTERM[workers]
        with pytest.raises(httpx.TransportError):  # and then it is gone
            httpx.get(f"{replica.url}/healthz", timeout=2)
    finally:
        replica.stop()


def test_without_a_drain_sigterm_stops_the_server_without_failing_readiness_first(
    services: dict[str, str], tmp_path: Path
) -> None:
    env = gateway_process_env(**services, GATEWAY_LOG_LEVEL="warning")
    replica = Replica("immediate", free_port(), env, 1, tmp_path)
    replica.start()
    try:
        replica.wait_ready()
        assert replica.popen is not None
        replica.popen.send_signal(signal.SIGTERM)
        assert replica.popen.wait(timeout=30) == EXIT_AFTER_SIGTERM[1]
        assert "readyz answers 503" not in replica.log_tail()
    finally:
        replica.stop()
