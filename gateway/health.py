"""Liveness (``/healthz``), readiness (``/readyz``) and the metrics endpoint (``/metrics``).

Readiness answers one question for a load balancer: can this replica serve? It asks every domain
service's ``/healthz`` (directly: not through the breaker, so a probe can see a service recover before
traffic does) and every registered store check, concurrently, each within ``readiness_timeout``. The
body names each check and what failed; the status is 503 when a required check fails
(``GATEWAY_READINESS_REQUIRED``: ``all`` by default, ``none``, or check names).

``all`` means every domain service, not the stores: with the idempotency store down reads go on and
mutations fail closed (``IDEMPOTENCY_STORE_UNAVAILABLE``), the same on every replica, so draining
replicas would only stop the reads too. The store's health is reported on its own instead: the
``idempotencyStore`` and ``mutations`` fields of the body and the ``gateway_dependency_up`` gauge. A
store counts toward readiness only when ``GATEWAY_READINESS_REQUIRED`` names it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway import drain
from gateway.backends import Backends
from gateway.telemetry import metrics

# A store check raises (any exception) when the store cannot be used.
StoreCheck = Callable[[], Awaitable[Any]]

IDEMPOTENCY_STORE = "idempotency"  # the store check's name (``create_app``)


async def healthz(_: Request) -> Response:
    """The process is alive and serving HTTP."""
    return JSONResponse({"status": "ok"})


async def _backend_check(client: Any) -> dict[str, Any]:
    try:
        response = await client.http.get("/healthz")
    except Exception as error:
        return {"ok": False, "error": type(error).__name__}
    ok = response.status_code == 200
    check: dict[str, Any] = {"ok": ok, "breaker": client.policy.breaker.state.name.lower()}
    if not ok:
        check["error"] = f"HTTP {response.status_code}"
    return check


async def _store_check(check: StoreCheck) -> dict[str, Any]:
    try:
        await check()
    except Exception as error:
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True}


async def _bounded(check: Awaitable[dict[str, Any]], timeout: float) -> dict[str, Any]:
    try:
        async with asyncio.timeout(timeout):
            return await check
    except TimeoutError:
        return {"ok": False, "error": "timeout"}


def readyz_endpoint(
    backends: Backends, stores: dict[str, StoreCheck], timeout: float, required: str = "all"
) -> Callable[[Request], Awaitable[Response]]:
    """The ``/readyz`` handler over these backends and store checks (``stores`` may grow later)."""
    names = {n.strip() for n in required.split(",") if n.strip()}

    def counts(name: str, *, store: bool) -> bool:
        return name in names or ("all" in names and not store)

    async def readyz(_: Request) -> Response:
        if drain.draining():  # leaving the pool: the balancer stops sending before the listener closes
            return JSONResponse({"status": "draining"}, status_code=503)
        clients = backends.clients()
        store_items = list(stores.items())
        results = await asyncio.gather(
            *(_bounded(_backend_check(c), timeout) for c in clients),
            *(_bounded(_store_check(check), timeout) for _, check in store_items),
        )
        checks = {
            "backends": {c.domain: r for c, r in zip(clients, results, strict=False)},
            "stores": {name: r for (name, _), r in zip(store_items, results[len(clients) :], strict=True)},
        }
        checked = [*((c.domain, False) for c in clients), *((name, True) for name, _ in store_items)]
        ready = all(r["ok"] for (name, store), r in zip(checked, results, strict=True) if counts(name, store=store))
        for (name, store), r in zip(checked, results, strict=True):
            metrics.DEPENDENCY_UP.labels(f"{name}_store" if store else name).set(1 if r["ok"] else 0)
        body: dict[str, object] = {"status": "ready" if ready else "not_ready", **checks}
        idempotency = checks["stores"].get(IDEMPOTENCY_STORE)
        if idempotency is not None:
            body["idempotencyStore"] = "available" if idempotency["ok"] else "unavailable"
            body["mutations"] = "accepted" if idempotency["ok"] else "failing_closed"
        return JSONResponse(body, status_code=200 if ready else 503)

    return readyz


async def metrics_endpoint(_: Request) -> Response:
    """Prometheus text exposition of this process (or of every worker in multiprocess mode)."""
    payload, content_type = metrics.render()
    return Response(payload, media_type=content_type)
