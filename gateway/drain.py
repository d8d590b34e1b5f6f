"""Drain before shutdown (``GATEWAY_DRAIN_SECONDS``): a load balancer's health checks see the replica leave
before it stops accepting.

Without it, SIGTERM makes uvicorn close its listener at once. Behind HAProxy (or any balancer that learns
from ``/readyz``) the replica is still in the pool until its checks fail, so requests routed to it in that
window are refused or, with several workers sharing the supervisor's socket, reset. With a drain, the first
SIGTERM only turns ``/readyz`` to 503 (``"status": "draining"``) while everything keeps being served; after
the drain the server's own SIGTERM handling runs (in-flight requests finish within
``GATEWAY_SHUTDOWN_TIMEOUT``). A second SIGTERM, or SIGINT, stops at once. Kubernetes does the same with a
``preStop`` sleep, so its manifests leave this at 0.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from types import FrameType
from typing import Any

logger = logging.getLogger("gateway.drain")

_draining = threading.Event()  # per process: each uvicorn worker receives the supervisor's SIGTERM itself


def draining() -> bool:
    """Whether this process received SIGTERM and is waiting out its drain."""
    return _draining.is_set()


def install(seconds: float) -> None:
    """Defer the server's SIGTERM handler by ``seconds``. Call from the app's lifespan start-up, which uvicorn
    runs in the main thread after installing its own handlers (it restores the originals when it exits).
    Does nothing when ``seconds`` is 0, off the main thread, or when no server handler is installed."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        return
    server_handler = signal.getsignal(signal.SIGTERM)
    if not callable(server_handler):
        return
    loop = asyncio.get_running_loop()

    def on_sigterm(signum: int, frame: FrameType | None) -> Any:
        if _draining.is_set():  # asked twice: stop now
            return server_handler(signum, frame)
        _draining.set()
        logger.warning("SIGTERM: /readyz answers 503 for %.1f s, then the server shuts down", seconds)
        loop.call_soon_threadsafe(loop.call_later, seconds, server_handler, signum, None)
        return None

    signal.signal(signal.SIGTERM, on_sigterm)
