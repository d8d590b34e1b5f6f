"""Gateway replicas behind HAProxy on loopback, for the load-balancer fault test and ``bench.balancer``.

HAProxy runs from ``deploy/haproxy/loopback.cfg.template`` (rendered with the replicas' ports) in the
foreground, its admin socket read for each replica's state (``show stat``). Each replica is ``gateway serve``
with its workers, started in a session of its own so that a crash (``kill``: SIGKILL to the whole group, as
when a container dies) takes its workers with it, while ``terminate`` sends SIGTERM to the supervisor only,
as an orchestrator does, and lets uvicorn drain.
"""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import IO

import httpx

from tests.processes import free_port

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "haproxy" / "loopback.cfg.template"
BIN = Path(sys.executable).parent
HAPROXY_MISSING = (
    "haproxy is not installed: install Debian's `haproxy` package (apt-get install haproxy; .ci/run does where apt can)"
)
STARTUP_SECONDS = 60.0


def haproxy_binary() -> str | None:
    """The HAProxy executable (Debian installs it in /usr/sbin, often not on a user's PATH), or None."""
    found = shutil.which("haproxy")
    if found:
        return found
    return "/usr/sbin/haproxy" if os.access("/usr/sbin/haproxy", os.X_OK) else None


def render_config(
    frontend_port: int,
    servers: dict[str, int],
    stats_socket: Path,
    inter_ms: int,
    *,
    check_timeout_ms: int = 1000,
    log_level: str = "info",
) -> str:
    """The template with the frontend, admin socket, check interval and one ``server`` line per replica;
    ``log_level`` ``info`` logs every request, ``notice`` only state changes (the bench's choice)."""
    lines = "\n".join(f"    server {name} 127.0.0.1:{port}" for name, port in servers.items())
    return Template(TEMPLATE.read_text()).substitute(
        frontend_address=f"127.0.0.1:{frontend_port}",
        stats_socket=str(stats_socket),
        inter_ms=str(inter_ms),
        check_timeout_ms=str(check_timeout_ms),
        servers=lines,
        log_level=log_level,
    )


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


@dataclass
class Replica:
    """One ``gateway serve`` process (with its workers) on a fixed loopback port."""

    name: str
    port: int
    env: dict[str, str]
    workers: int
    log_dir: Path
    popen: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start (or restart on the same port); returns at once (``wait_ready`` waits)."""
        self._close_log()
        self._log = open(self.log_dir / f"{self.name}.log", "ab")  # noqa: SIM115 - closed in stop()
        argv = [str(BIN / "gateway"), "serve", "--port", str(self.port), "--workers", str(self.workers)]
        self.popen = subprocess.Popen(
            argv,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = STARTUP_SECONDS) -> None:
        """Until ``/readyz`` answers 200 (bounded); the log's tail when the process dies or never gets there."""
        assert self.popen is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.popen.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.url}/readyz", timeout=2.0).status_code == 200:
                    return
            time.sleep(0.1)
        raise AssertionError(f"{self.name} not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL the whole process group (supervisor and workers), as a crashed container."""
        assert self.popen is not None
        _signal_group(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def terminate(self) -> None:
        """SIGTERM to the supervisor only (what an orchestrator sends); uvicorn drains its workers."""
        assert self.popen is not None
        self.popen.send_signal(signal.SIGTERM)

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM, then SIGKILL to the group whatever is left; safe to call twice."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=grace)
        if self.popen is not None:
            _signal_group(self.popen.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=grace)
        self._close_log()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join((self.log_dir / f"{self.name}.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


@dataclass
class HAProxy:
    """HAProxy in the foreground over ``replicas``, with its admin socket."""

    replicas: list[Replica]
    work_dir: Path
    inter_ms: int = 500
    check_timeout_ms: int = 1000
    log_level: str = "info"
    port: int = field(default_factory=free_port)
    popen: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def stats_socket(self) -> Path:
        return self.work_dir / "haproxy.sock"

    def start(self) -> None:
        """Render the configuration, check it (``haproxy -c``), start, and wait until every replica is UP."""
        binary = haproxy_binary()
        if binary is None:
            raise RuntimeError(HAPROXY_MISSING)
        config = self.work_dir / "haproxy.cfg"
        config.write_text(
            render_config(
                self.port,
                {r.name: r.port for r in self.replicas},
                self.stats_socket,
                self.inter_ms,
                check_timeout_ms=self.check_timeout_ms,
                log_level=self.log_level,
            )
        )
        checked = subprocess.run([binary, "-c", "-q", "-f", str(config)], capture_output=True, text=True, timeout=30)
        if checked.returncode != 0:
            raise AssertionError(f"haproxy refused {config}:\n{checked.stdout}{checked.stderr}")
        self._log = open(self.work_dir / "haproxy.log", "wb")  # noqa: SIM115 - closed in stop()
        # -db: foreground, no daemon; -W off: one process that SIGTERM stops.
        self.popen = subprocess.Popen(
            [binary, "-db", "-f", str(config)], stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        self.wait_states({r.name: "UP" for r in self.replicas})

    def states(self) -> dict[str, str]:
        """Each replica's status as HAProxy sees it now (``UP``, ``DOWN``, ``UP 1/2``, ``MAINT`` ...)."""
        rows = csv.DictReader(self.command("show stat").lstrip("# ").splitlines())
        return {row["svname"]: row["status"] for row in rows if row["pxname"] == "gateways"}

    def command(self, line: str) -> str:
        """One command on the admin socket; its answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as admin:
            admin.settimeout(5)
            admin.connect(str(self.stats_socket))
            admin.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := admin.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def wait_states(self, wanted: dict[str, str], timeout: float = STARTUP_SECONDS) -> None:
        """Until HAProxy reports each named replica in the wanted status (bounded)."""
        deadline = time.monotonic() + timeout
        seen: dict[str, str] = {}
        while time.monotonic() < deadline:
            assert self.popen is not None and self.popen.poll() is None, f"haproxy exited:\n{self.log_tail()}"
            with contextlib.suppress(OSError):
                seen = self.states()
                if all(seen.get(name) == status for name, status in wanted.items()):
                    return
            time.sleep(0.05)
        raise AssertionError(f"haproxy states {seen}, wanted {wanted}:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join((self.work_dir / "haproxy.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
