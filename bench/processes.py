"""Subprocesses of a benchmark run: the reference services and the gateway, on loopback only.

Each subprocess starts in its own session (process group) so that stopping it also stops the
uvicorn workers it forked; ``Stack`` is a context manager that always does so. The gateway runs on
backend URLs, so it takes bearer tokens only: the stack mints development tokens the way ``gateway
token`` does, with a signing key in a data directory of its own that the gateway is pointed at.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

HOST = "127.0.0.1"
SERVICE_COUNT = 5  # reference services take consecutive ports from the base port
BIN = Path(sys.executable).parent
BENCH_VIEWER = "u-tara"  # the tenant admin: every page and mutation of the bench is theirs to see or do


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port_range(count: int, *, attempts: int = 50) -> int:
    """A base port such that ``count`` consecutive loopback ports are free now."""
    for _ in range(attempts):
        base = random.randrange(20000, 60000 - count)
        if all(_bindable(base + offset) for offset in range(count)):
            return base
    raise RuntimeError(f"found no {count} consecutive free ports on {HOST}")


@dataclass
class Process:
    """A started subprocess and its output file."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        """Process id of the command (the uvicorn supervisor for a multi-worker gateway)."""
        return self.popen.pid

    def log_tail(self, lines: int = 20) -> str:
        """The last lines the process printed, for error messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM the process group, then SIGKILL whatever is left after ``grace`` seconds."""
        if self.popen.poll() is None:
            _signal_group(self.popen.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=grace)
        # Workers may outlive a supervisor that died early: the group is killed either way.
        _signal_group(self.popen.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=grace)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _start(name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> tuple[Process, IO[bytes]]:
    log_path = log_dir / f"{name}.log"
    log = open(log_path, "wb")  # noqa: SIM115 - the child writes to it; closed by the caller
    popen = subprocess.Popen(
        argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True
    )
    return Process(name=name, popen=popen, log_path=log_path), log


@dataclass
class Stack:
    """Reference services plus gateway, started together and always stopped together."""

    latency_ms: float = 20.0
    scale: int = 1
    workers: int = 2
    log_dir: Path = field(default_factory=lambda: Path(__file__).resolve().parent / "results")
    startup_timeout: float = 60.0
    gateway_env: dict[str, str] = field(default_factory=dict)
    with_gateway: bool = True
    services: Process | None = None
    gateway: Process | None = None
    backend_urls: dict[str, str] = field(default_factory=dict)
    gateway_url: str = ""
    data_dir: Path | None = None  # GATEWAY_DATA_DIR: the development signing key, shared with the gateway
    _tokens: dict[str, str] = field(default_factory=dict)
    _logs: list[IO[bytes]] = field(default_factory=list)

    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start services, wait for "ready", then (unless ``with_gateway`` is off) the gateway up to /healthz."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
        base = free_port_range(SERVICE_COUNT)
        self.services, log = _start(
            "services",
            [
                str(BIN / "reference-services"),
                "serve",
                "--host",
                HOST,
                "--base-port",
                str(base),
                "--latency-ms",
                str(self.latency_ms),
                "--scale",
                str(self.scale),
            ],
            env,
            self.log_dir,
        )
        self._logs.append(log)
        self.backend_urls = self._wait_for_services(self.services)
        self.data_dir = Path(tempfile.mkdtemp(prefix="bench-gateway-data-"))
        self.token_for(BENCH_VIEWER)  # minted once per run, before the clock starts
        if not self.with_gateway:
            return
        port = free_port_range(1)
        gateway_env = {
            **env,
            **self.backend_urls,
            "GATEWAY_DATA_DIR": str(self.data_dir),
            "GATEWAY_REPORT_BACKEND_CALLS": "1",
            **_passed_through(),
            **self.gateway_env,
        }
        self.gateway, log = _start(
            "gateway",
            [str(BIN / "gateway"), "serve", "--host", HOST, "--port", str(port), "--workers", str(self.workers)],
            gateway_env,
            self.log_dir,
        )
        self._logs.append(log)
        self.gateway_url = f"http://{HOST}:{port}"
        self._wait_for_health(self.gateway, self.gateway_url + "/healthz")

    def gateway_settings_env(self) -> dict[str, str]:
        """The ``GATEWAY_*`` variables of a gateway on this stack's services and signing key."""
        assert self.data_dir is not None, "the stack is not started"
        return {**self.backend_urls, "GATEWAY_DATA_DIR": str(self.data_dir), **_passed_through()}

    def token_for(self, user: str = BENCH_VIEWER) -> str:
        """A development bearer token for ``user``, minted once per stack by ``gateway token``'s code."""
        if user not in self._tokens:
            from gateway.auth.tokens_cli import mint_for
            from gateway.settings import Settings

            settings = Settings.from_env(self.gateway_settings_env())
            # mint_for runs an event loop of its own, and the bench may call from inside one: use a thread.
            with ThreadPoolExecutor(max_workers=1) as pool:
                self._tokens[user] = pool.submit(
                    mint_for, settings, persona=None, user_id=user, ttl_seconds=24 * 3600
                ).result()
        return self._tokens[user]

    def auth_headers(self, user: str = BENCH_VIEWER) -> dict[str, str]:
        """``Authorization: Bearer ...`` for ``user``."""
        return {"authorization": f"Bearer {self.token_for(user)}"}

    def _wait_for_services(self, process: Process) -> dict[str, str]:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise RuntimeError(f"reference services exited early:\n{process.log_tail()}")
            lines = process.log_path.read_text(errors="replace").splitlines()
            if "ready" in lines:
                return dict(line.split("=", 1) for line in lines if line.startswith("GATEWAY_") and "=" in line)
            time.sleep(0.1)
        raise RuntimeError(f"reference services not ready after {self.startup_timeout:.0f}s:\n{process.log_tail()}")

    def _wait_for_health(self, process: Process, url: str) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise RuntimeError(f"gateway exited early:\n{process.log_tail()}")
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200 and len(self.gateway_workers()) >= self.workers:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gateway not healthy after {self.startup_timeout:.0f}s:\n{process.log_tail()}")

    def gateway_workers(self) -> list[int]:
        """Pids of the processes serving requests: the uvicorn worker children, or the gateway itself."""
        if self.gateway is None:
            return []
        if self.workers == 1:
            return [self.gateway.pid]
        return [pid for pid in children(self.gateway.pid) if "multiprocessing.spawn" in cmdline(pid)]

    def stop(self) -> None:
        """Stop the gateway, then the services; safe to call twice."""
        for process in (self.gateway, self.services):
            if process is not None:
                process.stop()
        for log in self._logs:
            log.close()
        self._logs.clear()
        if self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def children(pid: int) -> list[int]:
    """Direct children of a process (from /proc)."""
    found = []
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            found = [int(p) for p in handle.read().split()]
    except OSError:
        pass
    return found


def cmdline(pid: int) -> str:
    """A process's command line, or "" when it is gone."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def peak_rss_mb(pid: int) -> float | None:
    """Peak resident set size (VmHWM) of a process in MiB, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time a process has used, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def connection_owners(pids: list[int], server_port: int) -> dict[int, int]:
    """Which process holds the server side of each loopback connection to ``server_port``: client port -> pid."""
    inode_owner: dict[str, int] = {}
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inode_owner[target[8:-1]] = pid
    owners: dict[int, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as handle:
                rows = handle.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == server_port and fields[9] in inode_owner:
                owners[int(fields[2].rsplit(":", 1)[1], 16)] = inode_owner[fields[9]]
    return owners


# Settings the bench's own environment may choose for the gateway it starts (other GATEWAY_* are dropped).
PASSED_THROUGH = ("GATEWAY_BACKEND_TRANSPORT",)


def _passed_through() -> dict[str, str]:
    """The ``PASSED_THROUGH`` variables set in this process's environment (to compare implementations)."""
    return {name: os.environ[name] for name in PASSED_THROUGH if os.environ.get(name)}
