"""ASGI middleware around the whole gateway: request id, request span, request metrics and log line."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.telemetry import metrics, tracing
from gateway.telemetry.logging import RequestRecord, current_request, log_request, request_id_from

# Probes and scrapes are neither logged nor counted: they would drown the requests that matter.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class TelemetryMiddleware:
    """Give every HTTP request an ``X-Request-ID``, a span, a metric sample and one JSON log line."""

    def __init__(self, app: ASGIApp, graphql_path: str = "/graphql", metrics: bool = True) -> None:
        self.app = app
        self.graphql_path = graphql_path
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in QUIET_PATHS:
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), None)
        record = RequestRecord(request_id=request_id_from(given), method=scope["method"], path=scope["path"])
        token = current_request.set(record)
        status = 500
        raw_id = record.request_id.encode("latin-1")

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", raw_id)]
            await send(message)

        trace_id = None
        try:
            if not tracing.enabled():
                await self.app(scope, receive, send_with_id)
            else:
                headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
                attributes = {
                    "http.request.method": scope["method"],
                    "url.path": scope["path"],
                    "gateway.request_id": record.request_id,
                }
                with tracing.server_span(f"{scope['method']} {scope['path']}", headers, attributes):
                    trace_id = tracing.current_trace_id()
                    try:
                        await self.app(scope, receive, send_with_id)
                    finally:
                        tracing.set_attributes(http__response__status_code=status)
        finally:
            current_request.reset(token)
            elapsed = time.perf_counter() - record.started
            if record.path == self.graphql_path and self.metrics:
                _count(record, status, elapsed)
            log_request(record, status, elapsed * 1000, trace_id)


def _count(record: RequestRecord, status: int, elapsed: float) -> None:
    if record.outcome is None:  # never executed: refused by a limit, or not a GraphQL request at all
        record.outcome = "rejected" if status < 500 else "error"
    operation = metrics.bounded_operation(record.operation)
    metrics.REQUESTS.labels(operation, record.outcome).inc()
    metrics.REQUEST_LATENCY.labels(operation).observe(elapsed)
    for code in set(record.error_codes):
        metrics.REQUEST_ERRORS.labels(metrics.bounded_error_code(code)).inc()
