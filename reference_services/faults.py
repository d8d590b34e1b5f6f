"""Fault injection for the reference services: what a sick domain service does to its callers.

Each service has one ``FaultState``. Faults apply to the API (``/v1/...``) and ``/healthz``; the admin
endpoint ``/_faults`` (loopback callers only) and ``/openapi.json`` are never affected.

- ``down``: every affected request answers 503 (``refuse`` at start: the port is never bound);
- ``latency_ms``: added before the request is handled;
- ``error_rate``: that share of requests answers 500 (seeded, so runs repeat);
- ``fail_next``: the next N affected requests answer 503, then the service recovers;
- ``malformed``: 200 with a body that is not JSON; ``truncated``: the real body cut in half;
- ``wrong_shape``: valid JSON that breaks the contract (documents reduced to their ids).

``paths`` (prefixes) and ``methods`` narrow which requests are affected. Error bodies carry a
``SEEDSECRET`` marker on purpose: the gateway must neither show nor log what a backend says.

Admin: ``GET /_faults`` shows the faults and request counts; ``POST /_faults`` with a JSON object
replaces the faults (``{}`` clears them; ``"reset_stats": true`` zeroes the counts); ``DELETE`` clears.
Command line: ``reference-services serve --fault workloads=latency:800,error-rate:0.2`` (see ``parse``).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ADMIN_PATH = "/_faults"
LOOPBACK = ("127.", "::1", "localhost")
LEAK_MARKER = "SEEDSECRET-injected-fault-detail"


@dataclass
class FaultSpec:
    """The faults a service is injecting now (all off by default)."""

    down: bool = False
    latency_ms: float = 0.0
    error_rate: float = 0.0
    fail_next: int = 0
    malformed: bool = False
    truncated: bool = False
    wrong_shape: bool = False
    refuse: bool = False  # start-up only: the CLI does not bind the port
    paths: list[str] | None = None
    methods: list[str] | None = None
    seed: int = 0

    @classmethod
    def from_json(cls, body: Any) -> FaultSpec:
        """A spec from the admin endpoint's JSON object; unknown keys are an error."""
        if not isinstance(body, dict):
            raise ValueError("the fault settings must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = set(body) - known - {"reset_stats"}
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(sorted(unknown))}")
        spec = cls(**{k: v for k, v in body.items() if k in known})
        if not 0 <= float(spec.error_rate) <= 1 or spec.latency_ms < 0 or spec.fail_next < 0:
            raise ValueError("error_rate must be in [0, 1]; latency_ms and fail_next must not be negative")
        return spec


def parse(text: str) -> FaultSpec:
    """``down``, ``refuse``, ``latency:MS``, ``error-rate:R``, ``fail-next:N``, ``malformed``, ``truncated``,
    ``wrong-shape``, comma-separated: ``latency:800,error-rate:0.2``."""
    spec = FaultSpec()
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, value = item.partition(":")
        name = name.replace("-", "_")
        if name in ("down", "refuse", "malformed", "truncated", "wrong_shape") and not value:
            setattr(spec, name, True)
        elif name == "latency" and value:
            spec.latency_ms = float(value)
        elif name == "error_rate" and value:
            spec.error_rate = float(value)
        elif name == "fail_next" and value:
            spec.fail_next = int(value)
        else:
            raise ValueError(f"unknown fault {item!r}")
    return FaultSpec.from_json({k: v for k, v in asdict(spec).items()})


@dataclass
class FaultState:
    """One service's faults and what it has been asked."""

    spec: FaultSpec = field(default_factory=FaultSpec)
    requests: Counter[str] = field(default_factory=Counter)
    last_headers: dict[str, str] = field(default_factory=dict)
    _rng: random.Random = field(default_factory=random.Random)

    def set(self, spec: FaultSpec, *, reset_stats: bool = False) -> None:
        """Replace the faults (and optionally the counts)."""
        self.spec = spec
        self._rng = random.Random(spec.seed)
        if reset_stats:
            self.requests.clear()

    def affects(self, scope: Scope) -> bool:
        """Whether the faults apply to this request."""
        path = scope["path"]
        if not (path.startswith("/v1/") or path == "/healthz"):
            return False
        spec = self.spec
        if spec.paths is not None and not any(path.startswith(p) for p in spec.paths):
            return False
        return spec.methods is None or scope["method"] in spec.methods

    def snapshot(self) -> dict[str, Any]:
        """What ``GET /_faults`` answers."""
        return {"faults": asdict(self.spec), "requests": dict(self.requests), "last_headers": self.last_headers}


class FaultMiddleware:
    """Serves ``/_faults`` and applies the current faults to every affected request."""

    def __init__(self, app: ASGIApp, state: FaultState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == ADMIN_PATH:
            await self._admin(scope, receive, send)
            return
        state = self.state
        if not state.affects(scope):
            await self.app(scope, receive, send)
            return
        spec = state.spec
        if scope["path"].startswith("/v1/"):
            state.requests[scope["method"]] += 1
            state.last_headers = {
                k.decode("latin-1"): v.decode("latin-1")
                for k, v in scope["headers"]
                if k in (b"traceparent", b"idempotency-key")
            }
        if spec.latency_ms > 0:
            await asyncio.sleep(spec.latency_ms / 1000)
        if spec.down:
            await _respond(send, 503, _error_body("unavailable"))
            return
        if spec.fail_next > 0:
            spec.fail_next -= 1
            await _respond(send, 503, _error_body("unavailable"))
            return
        if spec.error_rate > 0 and state._rng.random() < spec.error_rate:
            await _respond(send, 500, _error_body("internal"))
            return
        if spec.malformed:
            await _respond(send, 200, b'{"items": [{"id": <html>' + LEAK_MARKER.encode() + b"</html>")
            return
        if spec.truncated or spec.wrong_shape:
            await self._rewritten(scope, receive, send, truncate=spec.truncated)
            return
        await self.app(scope, receive, send)

    async def _rewritten(self, scope: Scope, receive: Receive, send: Send, *, truncate: bool) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def collect(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, collect)
        body = b"".join(chunks)
        if truncate:
            body = body[: max(1, len(body) // 2)]
        else:
            body = json.dumps(_ids_only(json.loads(body))).encode() if body else body
        status = start["status"] if start else 500
        await _respond(send, status, body)

    async def _admin(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client") or ("", 0)
        if not str(client[0]).startswith(LOOPBACK):
            await _respond(send, 403, b'{"error": {"code": "forbidden", "message": "loopback only"}}')
            return
        method = scope["method"]
        if method == "POST":
            body = b""
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            try:
                raw = json.loads(body or b"{}")
                self.state.set(FaultSpec.from_json(raw), reset_stats=bool(raw.get("reset_stats")))
            except (ValueError, TypeError) as error:
                await _respond(send, 400, json.dumps({"error": {"code": "bad_faults", "message": str(error)}}).encode())
                return
        elif method == "DELETE":
            self.state.set(FaultSpec())
        elif method != "GET":
            await _respond(send, 405, b'{"error": {"code": "method_not_allowed", "message": "GET, POST or DELETE"}}')
            return
        await _respond(send, 200, json.dumps(self.state.snapshot()).encode())


def _ids_only(document: Any) -> Any:
    if isinstance(document, dict) and isinstance(document.get("items"), list):
        return {
            **document,
            "items": [{"id": item.get("id")} if isinstance(item, dict) else item for item in document["items"]],
        }
    if isinstance(document, dict):
        return {"id": document.get("id")}
    return document


def _error_body(code: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": f"injected fault ({LEAK_MARKER})"}}).encode()


async def _respond(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
