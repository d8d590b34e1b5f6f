"""Build a Starlette domain service from resource declarations.

Every resource gets the same REST contract, documented in the service's OpenAPI document:

- ``GET /v1/{resource}?ids=a,b,c``: batch fetch by id (unknown ids are omitted);
- ``GET /v1/{resource}?<filter>=x,y&limit=N&after=CURSOR``: newest-first page with ``total``;
- ``GET /v1/{resource}/{id}``: one document or 404.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from reference_services._store import DocumentStore

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


@dataclass(frozen=True)
class Resource:
    """A collection the service serves: its path, filterable columns and document fields."""

    name: str
    description: str
    fields: dict[str, str]
    filters: tuple[str, ...] = ()
    secret_fields: tuple[str, ...] = field(default=())


@dataclass
class ServiceSettings:
    """Knobs for a running service: the latency added to every API call (for benchmarks)."""

    latency_ms: float = 0.0


def create_service(
    *,
    title: str,
    description: str,
    resources: Sequence[Resource],
    store: DocumentStore,
    settings: ServiceSettings | None = None,
) -> Starlette:
    """The ASGI app of one domain service."""
    settings = settings or ServiceSettings()
    routes = [
        Route("/openapi.json", _openapi_endpoint(title, description, resources)),
        Route("/healthz", _healthz),
    ]
    for resource in resources:
        store.define(resource.name.replace("-", "_"), resource.filters)
        routes.append(Route(f"/v1/{resource.name}", _list_endpoint(resource, store)))
        routes.append(Route(f"/v1/{resource.name}/{{id}}", _get_endpoint(resource, store)))
    app = Starlette(routes=routes, middleware=[Middleware(_LatencyMiddleware, settings=settings)])
    app.state.store = store
    app.state.settings = settings
    return app


class _LatencyMiddleware:
    """Adds the configured latency to every API call, as a remote service would have."""

    def __init__(self, app: ASGIApp, settings: ServiceSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/v1/") and self.settings.latency_ms > 0:
            await asyncio.sleep(self.settings.latency_ms / 1000)
        await self.app(scope, receive, send)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _split(value: str) -> list[str]:
    return [part for part in value.split(",") if part]


def _list_endpoint(resource: Resource, store: DocumentStore):  # noqa: ANN202 - Starlette endpoint
    table = resource.name.replace("-", "_")

    async def endpoint(request: Request) -> Response:
        params = request.query_params
        unknown = set(params) - {"ids", "limit", "after", *resource.filters}
        if unknown:
            return _error(400, "unknown_parameter", f"unknown query parameter(s): {', '.join(sorted(unknown))}")
        if "ids" in params:
            ids = _split(params["ids"])
            if len(ids) > MAX_LIMIT:
                return _error(400, "too_many_ids", f"at most {MAX_LIMIT} ids per batch")
            return JSONResponse({"items": store.get_many(table, ids)})
        try:
            limit = int(params.get("limit", DEFAULT_LIMIT))
        except ValueError:
            return _error(400, "bad_limit", "limit must be an integer")
        if not 1 <= limit <= MAX_LIMIT:
            return _error(400, "bad_limit", f"limit must be between 1 and {MAX_LIMIT}")
        after = params.get("after")
        if after is not None and not after.isdigit():
            return _error(400, "bad_cursor", "after is not a cursor this service issued")
        filters = {name: _split(params[name]) for name in resource.filters if name in params}
        page = store.query(table, filters, limit=limit, after=after)
        return JSONResponse(
            {"items": page.items, "cursors": page.cursors, "next_cursor": page.next_cursor, "total": page.total}
        )

    return endpoint


def _get_endpoint(resource: Resource, store: DocumentStore):  # noqa: ANN202 - Starlette endpoint
    table = resource.name.replace("-", "_")

    async def endpoint(request: Request) -> Response:
        found = store.get_many(table, [request.path_params["id"]])
        if not found:
            return _error(404, "not_found", f"no {resource.name} with id {request.path_params['id']!r}")
        return JSONResponse(found[0])

    return endpoint


async def _healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


def _openapi_endpoint(title: str, description: str, resources: Sequence[Resource]):  # noqa: ANN202
    document = openapi_document(title, description, resources)

    async def endpoint(_: Request) -> Response:
        return JSONResponse(document)

    return endpoint


def openapi_document(title: str, description: str, resources: Sequence[Resource]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of a service, derived from its resource declarations."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {
        "Error": {
            "type": "object",
            "properties": {
                "error": {
                    "type": "object",
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                }
            },
        }
    }
    for resource in resources:
        schema_name = "".join(part.capitalize() for part in resource.name.split("-"))
        schemas[schema_name] = {
            "type": "object",
            "description": resource.description,
            "properties": {name: {"type": kind} for name, kind in resource.fields.items()},
            "required": ["id"],
        }
        ref = {"$ref": f"#/components/schemas/{schema_name}"}
        filter_params = [
            {
                "name": name,
                "in": "query",
                "description": f"Comma-separated values of `{name}` to match.",
                "schema": {"type": "string"},
            }
            for name in resource.filters
        ]
        paths[f"/v1/{resource.name}"] = {
            "get": {
                "summary": f"List or batch-fetch {resource.name}",
                "description": resource.description,
                "parameters": [
                    {
                        "name": "ids",
                        "in": "query",
                        "description": "Comma-separated ids to fetch in one call; unknown ids are omitted.",
                        "schema": {"type": "string"},
                    },
                    *filter_params,
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": MAX_LIMIT}},
                    {"name": "after", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "A page (newest first) or a batch.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "items": {"type": "array", "items": ref},
                                        "cursors": {
                                            "type": "array",
                                            "items": {"type": "string"},
                                            "description": "Cursor after each item (for `after`).",
                                        },
                                        "next_cursor": {"type": ["string", "null"]},
                                        "total": {"type": "integer"},
                                    },
                                }
                            }
                        },
                    },
                    "400": {"description": "Bad parameters.", "content": _error_content()},
                },
            }
        }
        paths[f"/v1/{resource.name}/{{id}}"] = {
            "get": {
                "summary": f"Fetch one of {resource.name}",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "The document.", "content": {"application/json": {"schema": ref}}},
                    "404": {"description": "No such id.", "content": _error_content()},
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1.0.0", "description": description},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _error_content() -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
