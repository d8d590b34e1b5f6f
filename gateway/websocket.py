"""The graphql-transport-ws connection: Strawberry's protocol handler with the gateway's admission rules.

- ``connection_init`` authenticates through the same path as HTTP (``Authenticator`` -> ``ViewerDirectory``):
  ``Authorization: Bearer <token>`` in the payload (or nested under ``headers``, or on the handshake), and,
  where HTTP accepts it (embedded development), ``X-Dev-Viewer`` or the development default viewer. A
  refusal closes the socket with ``4403`` and the reason (``Forbidden: the token has expired``); a failing
  access service with ``1011``; an empty rate-limit bucket with ``1013``.
- ``subscribe`` documents pass the same checks as HTTP bodies (trusted documents, persisted queries,
  variables size) and take a rate-limit token; a refusal is an ``error`` message for that operation.
- A subscription whose client falls more than ``GATEWAY_SUBSCRIPTION_QUEUE_SIZE`` events behind closes the
  whole connection with ``1013`` ("slow consumer ...", a code clients may retry after): its operations are
  cancelled at once and their queues freed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graphql import GraphQLFormattedError
from strawberry.http import GraphQLRequestData
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ErrorMessage

from gateway.backends.identity import ForwardedIdentity, forwarded_identity
from gateway.context import RequestContext
from gateway.errors import BackendError, Unauthenticated
from gateway.rejections import RequestRejected

if TYPE_CHECKING:
    from gateway.app import GatewayGraphQL

CREDENTIAL_HEADERS = ("authorization", "x-dev-viewer")
MAX_REASON_BYTES = 123  # RFC 6455: a close frame's reason fits in 125 bytes with its code
SLOW_CONSUMER_CLOSE = 1013  # "try again later": graphql-ws clients reconnect after it (4xxx codes are fatal)
FORBIDDEN_CLOSE = 4403
INTERNAL_ERROR_CLOSE = 1011


def connection_credentials(payload: Mapping[str, Any], handshake: Mapping[str, str]) -> dict[str, str]:
    """The credential headers of a connection: the handshake's, overridden by the ``connection_init`` payload's."""
    found: dict[str, str] = {}
    nested = payload.get("headers")
    for source in (handshake, nested if isinstance(nested, Mapping) else {}, payload):
        for key, value in source.items():
            if isinstance(key, str) and isinstance(value, str) and key.lower() in CREDENTIAL_HEADERS:
                found[key.lower()] = value
    return found


def close_reason(text: str) -> str:
    """``text`` cut to what a close frame can carry."""
    encoded = text.encode()[:MAX_REASON_BYTES]
    return encoded.decode(errors="ignore")


class LiveContext(RequestContext):
    """A websocket connection's context (the connection's operations share it)."""


class LiveConnection(BaseGraphQLTransportWSHandler[RequestContext, None]):
    """One websocket: authenticated on ``connection_init``, documents checked on ``subscribe``."""

    view: GatewayGraphQL  # the view that made this handler (``graphql_transport_ws_handler_class``)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.context.connection = self  # subscriptions find their connection here (slow-consumer close)
        self._closing: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: Any) -> None:
        """Strawberry's checks, then authentication; ``connection_ack`` only for a known viewer."""
        if self.connection_timed_out:
            return
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        payload = message.get("payload") or {}
        if not isinstance(payload, dict):
            await self.websocket.close(code=4400, reason="Invalid connection init payload")
            return
        if self.connection_init_received:
            await self.websocket.close(code=4429, reason="Too many initialisation requests")
            return
        self.connection_init_received = True
        self.context.connection_params = payload
        guard = self.view.guard
        request = self.context.request
        try:
            principal = await guard.authenticator.authenticate(connection_credentials(payload, request.headers))
            viewer = await self.view.directory.viewer_of(principal)
            await guard.take(principal.rate_key)
        except Unauthenticated as error:
            client = request.client.host if request.client else "unknown"
            with contextlib.suppress(RequestRejected):
                await guard.take(f"ip:{client}")  # failed attempts spend the address's bucket, as on HTTP
            await self.websocket.close(code=FORBIDDEN_CLOSE, reason=close_reason(f"Forbidden: {error.message}"))
            return
        except BackendError:
            await self.websocket.close(
                code=INTERNAL_ERROR_CLOSE, reason="the access service is unavailable; retry shortly"
            )
            return
        except RequestRejected as rejected:
            await self.websocket.close(code=SLOW_CONSUMER_CLOSE, reason=close_reason(rejected.message))
            return
        self.context.principal = principal
        forwarded_identity.set(ForwardedIdentity(viewer.user.id, viewer.tenant_id))
        await self.send_message({"type": "connection_ack"})
        self.connection_acknowledged = True

    async def handle_subscribe(self, message: Any) -> None:
        """The HTTP document checks and a rate-limit token, then Strawberry's subscribe."""
        payload = message.get("payload")
        operation_id = message.get("id")
        if (
            self.connection_acknowledged
            and isinstance(payload, dict)
            and isinstance(operation_id, str)
            and operation_id not in self.operations
        ):
            variables = payload.get("variables")
            extensions = payload.get("extensions")
            data = GraphQLRequestData(
                query=payload.get("query") if isinstance(payload.get("query"), str) else None,
                variables=variables if isinstance(variables, dict) else None,
                operation_name=payload.get("operationName"),
                extensions=extensions if isinstance(extensions, dict) else None,
            )
            try:
                principal = self.context.principal
                assert principal is not None  # set before connection_ack
                payload["query"] = self.view.guard.check_document("POST", data, principal)
                await self.view.guard.take(principal.rate_key)
            except RequestRejected as rejected:
                error: GraphQLFormattedError = {
                    "message": rejected.message,
                    "extensions": {"code": rejected.code, **rejected.extensions},
                }
                refusal: ErrorMessage = {"id": operation_id, "type": "error", "payload": [error]}
                await self.send_message(refusal)
                return
        await super().handle_subscribe(message)

    def close_slow_consumer(self, reason: str) -> None:
        """Cancel every operation now and close the socket with 1013 (once; callable from any task)."""
        if self._closing is None:
            self._closing = asyncio.get_running_loop().create_task(self._close(SLOW_CONSUMER_CLOSE, reason))

    async def _close(self, code: int, reason: str) -> None:
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        # Waits while the client reads what is already in flight; a client that never reads is dropped by the
        # server's keepalive ping timeout. Either way nothing more is queued for it.
        with contextlib.suppress(Exception):
            await self.websocket.close(code=code, reason=close_reason(reason))

    async def shutdown(self) -> None:
        """Strawberry's shutdown (operations cancelled and awaited), and no close left pending."""
        await super().shutdown()
        if self._closing is not None and not self._closing.done():
            self._closing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._closing
