"""The ASGI application: GraphQL (and GraphiQL) at ``/graphql``, health at ``/healthz``."""

from __future__ import annotations

import contextlib
import importlib
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry import Schema as BaseSchema

from gateway.backends import Backends, call_log, socket_transports
from gateway.context import RequestContext
from gateway.embedded import embedded_transports
from gateway.loaders import Loaders
from gateway.settings import Settings, SettingsError
from gateway.viewer import ViewerDirectory


class GatewayGraphQL(GraphQL):
    """Strawberry's ASGI view with the gateway's per-request context."""

    def __init__(self, schema: BaseSchema, settings: Settings, backends: Backends) -> None:
        super().__init__(schema, graphql_ide="graphiql" if settings.graphiql else None)
        self.settings = settings
        self.backends = backends
        self.directory = ViewerDirectory(backends, settings)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> RequestContext:
        """A fresh context (loaders, call log) for every request."""
        calls: Counter[tuple[str, str]] = Counter()
        call_log.set(calls)
        return RequestContext(
            request=request,
            response=response,
            settings=self.settings,
            backends=self.backends,
            loaders=Loaders(self.backends),
            directory=self.directory,
            backend_calls=calls,
        )


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
    graphql = GatewayGraphQL(load_schema(settings.schema), settings, backends)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await backends.aclose()

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def root(_: Request) -> Response:
        return RedirectResponse("/graphql")

    app = Starlette(
        routes=[
            Route("/", root),
            Route("/healthz", healthz),
            Route("/graphql", graphql, methods=["GET", "POST"]),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.backends = backends
    return app


def app_from_env() -> Any:
    """Factory for ``uvicorn --factory`` and worker processes: settings from the environment."""
    return create_app(Settings.from_env())
