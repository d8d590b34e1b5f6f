"""HTTP hygiene around the whole app: body size limit, security headers, CORS.

``SecurityMiddleware`` refuses bodies over ``max_body_bytes`` (by ``Content-Length`` up front, and
by counting a streamed body) with 413, and adds security headers to every response; CORS is
Starlette's middleware, configured from ``GATEWAY_CORS_ORIGINS`` (no origin allowed by default).
An exception nothing inside handled (a bug) still gets a GraphQL body (500 ``INTERNAL_SERVER_ERROR``,
nothing of the exception) with the security headers before it propagates to the server's log.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.security_settings import SecuritySettings

# JSON responses need nothing. GraphiQL (gateway.graphiql) loads every script and style from the gateway, with no
# inline script or style; its fonts and icons are data: URLs inside its CSS; it talks to the gateway over fetch and
# websockets ('self' covers ws:/wss: of the same host).
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
GRAPHIQL_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
STATIC_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
CORS_HEADERS = ["authorization", "content-type", "idempotency-key", "x-request-id", "traceparent"]


class _BodyTooLarge(Exception):
    """Raised from ``receive`` once a streamed body passes the limit."""


class SecurityMiddleware:
    """Body size limit and security headers for every HTTP response."""

    def __init__(self, app: ASGIApp, security: SecuritySettings) -> None:
        self.app = app
        self.max_body = security.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if (declared is not None and declared > self.max_body) or len(scope.get("query_string", b"")) > self.max_body:
            await self._too_large(send)
            return
        received = 0
        started = False
        no_store = scope.get("path") == "/graphql"

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _BodyTooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": _secured(list(message.get("headers", [])), no_store)}
            await send(message)

        try:
            await self.app(scope, counting_receive, send_with_headers)
        except _BodyTooLarge:
            if started:
                raise
            await self._too_large(send)
        except Exception:
            if started:
                raise
            await _error(send, 500, "INTERNAL_SERVER_ERROR", "Internal server error")
            raise

    async def _too_large(self, send: Send) -> None:
        message = f"the request is larger than {self.max_body} bytes"
        await _error(send, 413, "REQUEST_TOO_LARGE", message, maxBytes=self.max_body)


async def _error(send: Send, status: int, code: str, message: str, **extensions: Any) -> None:
    """One GraphQL error as the whole response (the connection closes: the request may not have been read)."""
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}).encode()
    headers = _secured(
        [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
        True,
    )
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _secured(headers: list[Any], no_store: bool) -> list[Any]:
    present = {name.lower() for name, _ in headers}
    html = any(name.lower() == b"content-type" and value.startswith(b"text/html") for name, value in headers)
    added = [(name, value) for name, value in STATIC_HEADERS if name not in present]
    if b"content-security-policy" not in present:
        added.append((b"content-security-policy", (GRAPHIQL_CSP if html else API_CSP).encode()))
    if no_store:
        headers = [(name, value) for name, value in headers if name.lower() != b"cache-control"]
        added.append((b"cache-control", b"no-store"))
    return headers + added


def security_middleware(security: SecuritySettings) -> list[Middleware]:
    """The middleware stack, outermost first: security headers and size limit, then CORS if configured."""
    stack = [Middleware(SecurityMiddleware, security=security)]
    if security.cors_origins:
        stack.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(security.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=CORS_HEADERS,
                allow_credentials=False,  # bearer tokens, never cookies
                max_age=600,
            )
        )
    return stack
