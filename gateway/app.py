"""The ASGI application: GraphQL (and GraphiQL, its assets under ``/graphiql/``) at ``/graphql``; ``/healthz``,
``/readyz`` and ``/metrics``."""

from __future__ import annotations

import contextlib
import importlib
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from datetime import timedelta
from typing import Any

import httpx
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry import Schema as BaseSchema
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL, GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET

from gateway import drain, graphiql, health
from gateway.backends import Backends, call_log, socket_transports
from gateway.backends.identity import ForwardedIdentity, forwarded_identity
from gateway.context import RequestContext
from gateway.embedded import embedded_transports
from gateway.events.bus import Live
from gateway.executor import plans as execution_plans
from gateway.guard import RequestGuard
from gateway.guarded_view import GuardedViewMixin
from gateway.health import StoreCheck
from gateway.http_security import security_middleware
from gateway.idempotency.factory import open_store
from gateway.idempotency.store import IdempotencyStore
from gateway.rejections import http_error
from gateway.resilience.policy import inflight_reads
from gateway.response_json import encode_response
from gateway.settings import Settings, SettingsError
from gateway.telemetry import tracing
from gateway.telemetry.extension import trace_root_fields
from gateway.telemetry.middleware import TelemetryMiddleware
from gateway.viewer import ViewerDirectory
from gateway.websocket import LiveConnection, LiveContext


class GatewayGraphQL(GuardedViewMixin, GraphQL[RequestContext, None]):
    """Strawberry's ASGI view with the gateway's per-request context and request guard.

    Subscriptions run over graphql-transport-ws (websocket ``/graphql``, ``gateway.websocket``) and GraphQL
    over SSE (``POST /graphql`` with ``Accept: text/event-stream``, through the HTTP guard).
    """

    graphql_transport_ws_handler_class = LiveConnection

    def __init__(
        self,
        schema: BaseSchema,
        settings: Settings,
        backends: Backends,
        idempotency_store: IdempotencyStore | None = None,
        live: Live | None = None,
        shares_with: GatewayGraphQL | None = None,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_SSE_PROTOCOL),
            connection_init_wait_timeout=timedelta(seconds=settings.events.init_timeout_seconds),
            max_subscriptions_per_connection=settings.events.max_subscriptions_per_connection,
            allowed_origins=settings.security.cors_origins,  # cross-site websocket hijacking: same rule as CORS
        )
        self.live = live
        self.settings = settings
        self.backends = backends
        self.idempotency_store = idempotency_store
        # A second view (the federation subgraph) shares the first one's viewer cache and guard.
        self.directory = shares_with.directory if shares_with else ViewerDirectory(backends, settings)
        self.guard = shares_with.guard if shares_with else RequestGuard(settings)

    @property
    def graphql_ide_html(self) -> str:
        """The gateway's GraphiQL page (``gateway.graphiql``): every asset from the gateway, no inline script."""
        return graphiql.page_html()

    def encode_json(self, data: object) -> str:
        """Bodies and websocket messages through ``gateway.response_json`` (orjson when installed: same JSON).

        Text, not bytes: Strawberry sends bytes over a websocket as binary frames, which graphql-ws clients refuse.
        """
        return encode_response(data).decode()

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """Strawberry's run, with requests it rejects (bad JSON, no query, ...) answered as GraphQL errors."""
        try:
            return await super().run(request, context, root_value)
        except HTTPException as error:
            return request_error(error.status_code, error.reason)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> RequestContext:
        """A fresh context (loaders, call log) for every request."""
        calls: Counter[tuple[str, str]] = Counter()
        call_log.set(calls)
        inflight_reads.set({})
        websocket = request.scope["type"] == "websocket"
        principal = getattr(request.state, "principal", None)
        forwarded_identity.set(ForwardedIdentity(principal.user_id, principal.tenant_id) if principal else None)
        return (LiveContext if websocket else RequestContext)(
            request=request,
            response=response,
            settings=self.settings,
            backends=self.backends,
            directory=self.directory,
            backend_calls=calls,
            principal=principal,
            throttle=getattr(request.state, "throttle", None),
            idempotency_store=self.idempotency_store,
            events=self.live.hub if self.live else None,
        )


def request_error(status: int, message: str) -> JSONResponse:
    """A GraphQL error body for a request that could not be executed at all (coded by ``HTTP_ERROR_CODES``)."""
    return http_error(status, message).response()


# The federation subgraph schema (``schema.federation``), served at /subgraph with GATEWAY_SUBGRAPH=1.
SUBGRAPH_SCHEMA = "schema.federation:subgraph_schema"


def load_schema(path: str) -> BaseSchema:
    """The schema object named by ``module:attribute`` (``GATEWAY_SCHEMA``)."""
    module_name, _, attribute = path.partition(":")
    try:
        schema = getattr(importlib.import_module(module_name), attribute or "schema")
    except (ImportError, AttributeError) as error:
        raise SettingsError(f"GATEWAY_SCHEMA={path!r} does not name a schema: {error}") from None
    if not isinstance(schema, BaseSchema):
        raise SettingsError(f"GATEWAY_SCHEMA={path!r} is not a Strawberry schema")
    return schema


def create_app(
    settings: Settings | None = None,
    *,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> Starlette:
    """The gateway app. ``transports`` replaces the backend transports (tests wrap them to count calls)."""
    settings = settings or Settings.from_env()
    if transports is None:
        transports = embedded_transports() if settings.embedded else socket_transports(settings)
    backends = Backends.create(settings, transports)
    # With the store down reads go on and mutations fail closed on their own; /readyz reports it without
    # counting it (unless GATEWAY_READINESS_REQUIRED names it: gateway.health).
    idempotency_store = open_store(settings.idempotency, embedded=settings.embedded)
    live = Live.create(backends, settings.events)  # subscriptions' events (gateway.events)
    schema = load_schema(settings.schema)
    execution_plans.resize(settings.plan_cache_size)  # the compiled executor's cache (gateway.executor)
    trace_root_fields(schema._schema)  # spans per root field while tracing is on; a flag test when off
    graphql = GatewayGraphQL(schema, settings, backends, idempotency_store, live)
    # Its own path keeps `_entities` off the console's endpoint and lets a proxy expose it to the router only.
    subgraph = None
    if settings.subgraph:  # the federation subgraph for a supergraph router (gateway.subgraph)
        from gateway.subgraph import SubgraphGraphQL

        subgraph = SubgraphGraphQL(load_schema(SUBGRAPH_SCHEMA), graphql)
    tracing.configure_from_env()
    # Stores' readiness checks (name -> async callable that raises when the store is unusable).
    store_checks: dict[str, StoreCheck] = {"idempotency": idempotency_store.ping}

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await live.ready()  # positioned on every stream before the first request
        drain.install(settings.drain_seconds)  # SIGTERM fails /readyz first (gateway.drain)
        yield
        await live.stop()
        await backends.aclose()
        await graphql.guard.aclose()
        await idempotency_store.aclose()

    async def root(_: Request) -> Response:
        return RedirectResponse("/graphql")

    signer = graphql.guard.authenticator.signer

    async def jwks(_: Request) -> Response:
        return JSONResponse(signer.jwks() if signer else {"keys": []}, headers={"cache-control": "public, max-age=300"})

    app = Starlette(
        routes=[
            Route("/", root),
            Route("/healthz", health.healthz),
            Route(
                "/readyz",
                health.readyz_endpoint(backends, store_checks, settings.readiness_timeout, settings.readiness_required),
            ),
            *([Route("/metrics", health.metrics_endpoint)] if settings.metrics else []),
            Route("/graphql", graphql),  # every method: the view answers others with a coded 405
            WebSocketRoute("/graphql", graphql),  # subscriptions over graphql-transport-ws
            *([Route("/subgraph", subgraph)] if subgraph else []),  # Apollo Federation v2 (GATEWAY_SUBGRAPH=1)
            # GraphiQL's scripts, styles and icon (package data), wherever the page is served.
            *(
                [Route(f"{graphiql.ASSET_ROUTE}/{{path:path}}", graphiql.asset_endpoint)]
                if settings.graphiql_enabled
                else []
            ),
            *([Route("/.well-known/jwks.json", jwks)] if signer else []),  # the local development key
        ],
        # Telemetry outermost, so every refusal is logged too; then size limit, security headers, CORS.
        middleware=[Middleware(TelemetryMiddleware, metrics=settings.metrics), *security_middleware(settings.security)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.backends = backends
    app.state.guard = graphql.guard
    app.state.idempotency_store = idempotency_store
    app.state.live = live
    app.state.store_checks = store_checks
    return app


def app_from_env() -> Any:
    """Factory for ``uvicorn --factory`` and worker processes: settings from the environment."""
    from gateway.heap import freeze_startup_heap

    settings = Settings.from_env()
    app = create_app(settings)
    freeze_startup_heap(settings.gc_young_threshold)
    return app
