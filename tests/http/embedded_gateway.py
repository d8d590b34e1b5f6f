"""One ``gateway serve`` on the embedded default, on a loopback socket, shared by the socket tests of ``tests/http``
that need nothing but a gateway (the malformed-request corpus, the GraphQL-over-HTTP audit).

Started on first use and stopped when the pytest session ends; the embedded default needs no credentials (its
development viewer answers), so HTTP clients written in any language can talk to it as they are.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile

import pytest

from tests.processes import BIN, free_port, gateway_process_env, start, stop, wait_healthy

_running: dict[str, str] = {}


def embedded_gateway_url(config: pytest.Config) -> str:
    """``http://127.0.0.1:<port>`` of the session's embedded gateway (started now if it is not running)."""
    if "url" not in _running:
        data_dir = tempfile.mkdtemp(prefix="gateway-http-")
        port = free_port()
        process = start(
            str(BIN / "gateway"),
            "serve",
            "--port",
            str(port),
            env=gateway_process_env(GATEWAY_DATA_DIR=data_dir, GATEWAY_LOG_LEVEL="warning"),
        )

        def cleanup(process: subprocess.Popen[bytes] = process) -> None:
            stop(process)
            shutil.rmtree(data_dir, ignore_errors=True)
            _running.clear()

        config.add_cleanup(cleanup)
        url = f"http://127.0.0.1:{port}"
        wait_healthy(f"{url}/healthz", process)
        _running["url"] = url
    return _running["url"]
