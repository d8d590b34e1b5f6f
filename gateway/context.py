"""The per-request context every resolver receives as ``info.context``."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import DocumentNode
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from gateway.auth.principal import Principal
from gateway.backends import Backends
from gateway.backends.identity import forwarded_identity
from gateway.errors import Unauthenticated
from gateway.loaders import Loaders
from gateway.rejections import challenge_response
from gateway.settings import Settings
from gateway.viewer import Viewer, ViewerDirectory

if TYPE_CHECKING:
    from gateway.events.hub import EventHub
    from gateway.idempotency.runner import RunReport
    from gateway.idempotency.store import IdempotencyStore
    from gateway.limits.ratelimit import Throttle
    from gateway.websocket import LiveConnection


@dataclass
class RequestContext:
    """Viewer, loaders and backend clients of one GraphQL request."""

    request: Request | WebSocket
    response: Response | WebSocket
    settings: Settings
    backends: Backends
    directory: ViewerDirectory
    backend_calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    principal: Principal | None = None  # set by the HTTP guard once the credentials are verified
    throttle: Throttle | None = None  # the principal's rate-limit bucket after this request (``extensions.cost``)
    idempotency_store: IdempotencyStore | None = None  # the process's store (mutations fail closed without one)
    idempotency_runs: list[RunReport] = field(default_factory=list)  # per mutation field: extensions.idempotency
    document: DocumentNode | None = None  # the executed document (set by IdempotencyReport; its fragments count)
    events: EventHub | None = None  # the process's hub (gateway.events): what subscriptions register with
    connection: LiveConnection | None = None  # the websocket an operation runs on (None over HTTP and SSE)
    connection_params: dict[str, Any] | None = None  # the graphql-transport-ws ``connection_init`` payload
    _viewer: asyncio.Future[Viewer] | None = None
    _loaders: Loaders | None = None

    @property
    def loaders(self) -> Loaders:
        """This request's loaders, made when first needed (an idle subscription needs none)."""
        if self._loaders is None:
            self._loaders = Loaders.create(self.backends, record_metrics=self.settings.metrics)
        return self._loaders

    def reset_loaders(self) -> None:
        """Forget the loaders and their cache: a long-lived subscription reads each event's objects afresh."""
        self._loaders = None

    async def viewer(self) -> Viewer:
        """The viewer, resolved once per request (raises ``Unauthenticated``)."""
        if self._viewer is None:
            self._viewer = asyncio.ensure_future(self._resolve())
        return await self._viewer

    def resolved_viewer(self) -> Viewer | None:
        """The viewer when already resolved in this request (None when not yet, or when resolving failed)."""
        found = self._viewer
        if found is None or not found.done() or found.cancelled() or found.exception() is not None:
            return None
        return found.result()

    async def _resolve(self) -> Viewer:
        try:
            if self.principal is None:
                raise Unauthenticated("no credentials: send 'Authorization: Bearer <token>'", reason="missing")
            viewer = await self.directory.viewer_of(self.principal)
        except Unauthenticated as refused:  # unknown user, claims contradicted: HTTP 401 like a bad token
            challenge_response(self.response, refused)
            raise
        identity = forwarded_identity.get()
        if identity is not None and identity.user_id == viewer.user.id:
            identity.tenant_id = viewer.tenant_id
        for project in viewer.projects:
            self.loaders.access.projects.prime(project.id, project)
        return viewer
