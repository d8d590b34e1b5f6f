"""Headless Chromium driven over the DevTools protocol (a websocket), for the browser tests; no Playwright.

``Chromium`` starts Debian's ``chromium`` with a throwaway profile and no way off the machine except the gateway's
loopback port: host names resolve to nothing (``--host-resolver-rules``), and whatever still wants out goes to
``RefusingProxy``, which records the attempt and closes the connection. ``Page`` is one tab: commands, recorded
events (requests, websockets, console, CSP violations) and small helpers to wait on the DOM.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import websockets

BINARIES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
STARTUP_SECONDS = 20.0
COMMAND_SECONDS = 20.0


def chromium_binary() -> str | None:
    """The first Chromium on PATH (Debian's package installs ``chromium``)."""
    return next((found for name in BINARIES if (found := shutil.which(name))), None)


class RefusingProxy:
    """An HTTP proxy on loopback that forwards nothing: it records each request line it is sent, then hangs up."""

    def __init__(self) -> None:
        self.attempts: list[str] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> RefusingProxy:
        self._server = await asyncio.start_server(self._refuse, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _refuse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            line = await asyncio.wait_for(reader.readline(), 2.0)
            self.attempts.append(line.decode(errors="replace").strip() or "(connection without a request)")
        writer.close()


class Page:
    """One tab, attached to the browser's DevTools websocket with a flat session."""

    def __init__(self, browser: Chromium, session: str) -> None:
        self.browser = browser
        self.session = session

    async def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self.browser.send(method, params, session=self.session)

    def events(self, method: str) -> list[dict[str, Any]]:
        mine = (e for e in self.browser.events if e.get("sessionId") == self.session)
        return [e["params"] for e in mine if e["method"] == method]

    async def evaluate(self, expression: str) -> Any:
        """The expression's value (awaited if a promise), JSON-serialisable; raises on a page exception."""
        result = await self.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"page exception in {expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, what: str, timeout: float = 20.0) -> Any:
        """Poll ``expression`` until it is truthy (bounded); its value."""
        deadline = time.monotonic() + timeout
        value: Any = None
        while time.monotonic() < deadline:
            value = await self.evaluate(expression)
            if value:
                return value
            await asyncio.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; last value {value!r}")

    async def navigate(self, url: str) -> None:
        await self.send("Page.navigate", {"url": url})

    async def screenshot(self, path: Path) -> Path:
        shot = await self.send("Page.captureScreenshot", {"format": "png"})
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


class Chromium:
    """A headless Chromium process and its browser-level DevTools connection."""

    def __init__(self, binary: str, profile: Path, proxy_port: int) -> None:
        self.binary = binary
        self.profile = profile
        self.proxy_port = proxy_port
        self.events: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._process: subprocess.Popen[bytes] | None = None
        self._socket: Any = None
        self._reader: asyncio.Task[None] | None = None

    def argv(self) -> list[str]:
        return [
            self.binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-default-apps",
            "--disable-sync",
            "--disable-extensions",
            "--no-default-browser-check",
            "--metrics-recording-only",
            "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,NetworkTimeServiceQuerying,OptimizationGuideModelDownloading,CertificateTransparencyComponentUpdater",
            "--disable-client-side-phishing-detection",
            "--disable-domain-reliability",
            "--no-pings",
            "--disable-breakpad",
            "--allow-pre-commit-input",
            # Nothing resolves but the loopback address, and anything that still wants out meets a proxy that
            # refuses (loopback itself bypasses proxies: Chromium never proxies 127.0.0.1).
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--proxy-server=http://127.0.0.1:{self.proxy_port}",
            "--window-size=1440,900",
            f"--user-data-dir={self.profile}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "about:blank",
        ]

    async def __aenter__(self) -> Chromium:
        self.profile.mkdir(parents=True, exist_ok=True)
        port_file = self.profile / "DevToolsActivePort"
        port_file.unlink(missing_ok=True)  # a previous browser's
        self._process = subprocess.Popen(
            self.argv(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not port_file.exists() or len(port_file.read_text().splitlines()) < 2:
                assert self._process.poll() is None, f"chromium exited with {self._process.returncode}"
                assert time.monotonic() < deadline, "chromium did not open its DevTools port"
                await asyncio.sleep(0.05)
            port, path = port_file.read_text().splitlines()[:2]
            self._socket = await websockets.connect(f"ws://127.0.0.1:{port}{path}", max_size=None)
            self._reader = asyncio.create_task(self._read())
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await self._socket.close()
        process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)  # its own session: the browser and its helper processes
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    async def _read(self) -> None:
        async for raw in self._socket:
            message = json.loads(raw)
            if "id" in message:
                future = self._pending.pop(message["id"], None)
                if future is not None and not future.done():
                    future.set_result(message)
            else:
                self.events.append(message)

    async def send(self, method: str, params: dict[str, Any] | None = None, *, session: str | None = None) -> Any:
        command_id = next(self._ids)
        message: dict[str, Any] = {"id": command_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[command_id] = future
        await self._socket.send(json.dumps(message))
        reply = await asyncio.wait_for(future, COMMAND_SECONDS)
        if "error" in reply:
            raise AssertionError(f"{method} failed: {reply['error']}")
        return reply.get("result", {})

    @contextlib.asynccontextmanager
    async def page(self, before_load: Callable[[Page], Any] | None = None) -> AsyncIterator[Page]:
        """A fresh tab with the Page, Runtime, Network and Log domains on."""
        target = await self.send("Target.createTarget", {"url": "about:blank"})
        attached = await self.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True})
        page = Page(self, attached["sessionId"])
        for domain in ("Page", "Runtime", "Network", "Log"):
            await page.send(f"{domain}.enable")
        if before_load is not None:
            await before_load(page)
        try:
            yield page
        finally:
            with contextlib.suppress(Exception):
                await self.send("Target.closeTarget", {"targetId": target["targetId"]})
