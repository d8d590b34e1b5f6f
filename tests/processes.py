"""Real processes on loopback for the socket tests: free ports, start/stop, readiness, dev tokens."""

from __future__ import annotations

import contextlib
import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx

from gateway.auth.tokens_cli import mint_for
from gateway.settings import DOMAINS, Settings

BIN = Path(sys.executable).parent
STARTUP_SECONDS = 30.0


def free_port(consecutive: int = 1) -> int:
    """A port whose next ``consecutive - 1`` neighbours are free too (bound and released)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + consecutive > 65535:
            continue
        try:
            for port in range(base, base + consecutive):
                with socket.socket() as taken:
                    taken.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free loopback ports")


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without any GATEWAY_* setting but the run's GATEWAY_EXECUTOR, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    return {**env, **run_executor_env(), "PYTHONUNBUFFERED": "1", **extra}


def run_executor_env() -> dict[str, str]:
    """``GATEWAY_EXECUTOR`` when the run sets it (``GATEWAY_EXECUTOR=standard pytest``, the second pass of
    ``.ci/run``), so the processes a test starts run the same executor as its in-process apps (tests/conftest.py);
    likewise ``GATEWAY_BACKEND_TRANSPORT`` (``GATEWAY_BACKEND_TRANSPORT=native pytest`` runs the socket and process
    tests on the native backend transport)."""
    executor = os.environ.get("GATEWAY_EXECUTOR")
    out = {"GATEWAY_EXECUTOR": executor} if executor else {}
    if os.environ.get("GATEWAY_BACKEND_TRANSPORT"):
        out["GATEWAY_BACKEND_TRANSPORT"] = os.environ["GATEWAY_BACKEND_TRANSPORT"]
    return out


# A gateway long-polls the services' event streams (GATEWAY_EVENTS_POLL_SECONDS, 20 s by default). When it exits,
# the reference services keep answering its last, orphaned long-poll until the wait is over (their JSON long-poll
# does not notice that the client went away), and `reference-services serve` lets uvicorn wait for it on SIGTERM
# without a graceful-shutdown timeout: the services' teardown would wait up to 20 s. With a short poll they stop
# within about a second.
GATEWAY_POLL_SECONDS = "1"


def gateway_process_env(**extra: str) -> dict[str, str]:
    """``clean_env`` for a ``gateway serve`` process on the reference services: short event long-polls, plus
    ``extra``."""
    return clean_env(**{"GATEWAY_EVENTS_POLL_SECONDS": GATEWAY_POLL_SECONDS, **extra})


def bearer(gateway_env: dict[str, str], user: str) -> dict[str, str]:
    """``Authorization`` for ``user``: a token minted as ``gateway token --user`` does, with the signing key in
    ``gateway_env``'s GATEWAY_DATA_DIR (a gateway on backend URLs takes tokens only). Not inside an event loop."""
    token = mint_for(Settings.from_env(gateway_env), persona=None, user_id=user, ttl_seconds=3600)
    return {"authorization": f"Bearer {token}"}


def start(*argv: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    if process.stdout is not None:
        process.stdout.close()


def read_until(process: subprocess.Popen[bytes], last: str) -> list[str]:
    """Lines the process prints up to and including one starting with ``last`` (bounded wait)."""
    assert process.stdout is not None
    fd = process.stdout.fileno()  # raw reads: a buffered reader would hide lines from select()
    received = b""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            received += chunk
            lines = received.decode(errors="replace").splitlines()
            for index, line in enumerate(lines):
                if line.startswith(last) and (received.endswith(b"\n") or index < len(lines) - 1):
                    return lines[: index + 1]
        elif process.poll() is not None:
            break
    raise AssertionError(f"{process.args[0]} did not print {last!r}; output so far: {received.decode()!r}")


def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    """Poll ``url`` until it answers 200 (bounded)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{process.args[0]} exited with {process.returncode}"
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{url} did not become healthy")


@contextlib.contextmanager
def reference_services(*options: str, health_path: str = "/healthz") -> Iterator[dict[str, str]]:
    """``reference-services serve`` (with ``options``) on free consecutive loopback ports, every service answering
    ``health_path``: GATEWAY_<DOMAIN>_URL -> URL. Stopped on exit."""
    # A fixed clock: money figures derived from it hold still between a test's reads.
    fixed = datetime.now(UTC).isoformat(timespec="seconds")
    process = start(
        str(BIN / "reference-services"),
        "serve",
        "--base-port",
        str(free_port(len(DOMAINS))),
        *options,
        env={**clean_env(), "REFERENCE_CLOCK": fixed},
    )
    try:
        lines = read_until(process, "ready")
        urls = dict(line.split("=", 1) for line in lines if line.startswith("GATEWAY_"))
        assert set(urls) == {f"GATEWAY_{d.upper()}_URL" for d in DOMAINS}, lines
        for url in urls.values():
            wait_healthy(f"{url}{health_path}", process)
        yield urls
    finally:
        stop(process)


def by_domain(urls: dict[str, str]) -> dict[str, str]:
    """GATEWAY_<DOMAIN>_URL -> URL as domain -> URL."""
    return {name.removeprefix("GATEWAY_").removesuffix("_URL").lower(): url for name, url in urls.items()}
