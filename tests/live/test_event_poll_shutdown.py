"""A long-poll of the event stream ends with its client: a stopped gateway never holds the services up."""

from __future__ import annotations

import signal
import subprocess

import httpx
import pytest

from tests.processes import BIN, clean_env, free_port, read_until, start, stop, wait_healthy

pytestmark = pytest.mark.socket


def test_services_stop_on_sigterm_while_a_departed_client_was_long_polling() -> None:
    services = start(str(BIN / "reference-services"), "serve", "--base-port", str(free_port(5)), env=clean_env())
    try:
        urls = dict(line.split("=", 1) for line in read_until(services, "ready") if line.startswith("GATEWAY_"))
        account = urls["GATEWAY_ACCOUNT_URL"]
        wait_healthy(f"{account}/healthz", services)
        head = httpx.get(f"{account}/v1/events", timeout=5.0).json()["last_id"]
        # A poller that waits up to 30 s for an event that never comes, and gives up after a moment.
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(f"{account}/v1/events", params={"after": head, "wait": "30"}, timeout=0.5)
        services.terminate()
        # Shut down gracefully (uvicorn waits for open requests): the abandoned poll must have ended, or the
        # process is still there when the wait gives up and would have to be killed.
        assert services.wait(timeout=15) != -signal.SIGKILL
    except subprocess.TimeoutExpired:
        pytest.fail("reference-services serve was still waiting for an abandoned long-poll after SIGTERM")
    finally:
        stop(services)
