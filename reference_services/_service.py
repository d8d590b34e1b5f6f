"""Build a Starlette domain service from resource declarations.

Every resource gets the same REST contract, documented in the service's OpenAPI document:

- ``GET /v1/{resource}?ids=a,b,c``: batch fetch by id (unknown ids are omitted);
- ``GET /v1/{resource}?<filter>=x,y&limit=N&after=CURSOR``: newest-first page with ``total``;
  range columns also take ``<column>_gte=v`` (inclusive) and ``<column>_lt=v`` (exclusive), compared as text
  (ISO-8601 UTC timestamps in one format compare in time order);
- ``GET /v1/{resource}?<filter>=x,y&latest=true``, on resources that declare ``latest_by=(group, order)``: of the
  matching documents, only the newest of each ``group`` (greatest ``order``, compared as text; the last written
  among equals), paged as above with ``total`` counting groups. It is chosen from the stored documents as it is
  asked, so a new sample is the newest at once. ``latest`` takes ``true`` or ``false`` and never goes with ``ids``;
  on other resources it is an unknown parameter;
- ``GET /v1/{resource}/{id}``: one document or 404.

Services that accept writes also take ``commands`` (see ``_commands``): ``POST /v1/{resource}`` creates,
``POST /v1/{resource}/{id}/{action}`` acts on one document, ``POST /v1/{resource}:{action}`` on several; every
command honours ``Idempotency-Key``. Domain handlers live in the ``commands_*`` modules.

Services with ``event_sources`` (``events.EVENT_SOURCES``) also serve their event stream, ``GET /v1/events``:
what changed, in commit order, for a retention window (see ``_events``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from reference_services._commands import AuditSink, Command, command_openapi_paths, command_routes
from reference_services._events import ChangeFunction, EventLog, events_endpoint, events_openapi_paths
from reference_services._responses import items_answer, json_answer, json_body, verbatim
from reference_services._store import MAX_FILTER_VALUES, BadQuery, DocumentStore, documents, parse_position
from reference_services.faults import FaultMiddleware, FaultState

View = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]  # derived fields added as documents are read
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
MAX_VALUES = MAX_FILTER_VALUES  # ids of a batch, values of one filter
MAX_VALUE_LENGTH = 256


@dataclass(frozen=True)
class Resource:
    """A collection the service serves: its path, filterable columns and document fields."""

    name: str
    description: str
    fields: dict[str, str]
    filters: tuple[str, ...] = ()
    secret_fields: tuple[str, ...] = field(default=())
    range_filters: tuple[str, ...] = ()
    # (group column, order column): ``latest=true`` answers only each group's newest document
    latest_by: tuple[str, str] | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the store keeps beside each document: filters, range columns and ``latest_by``'s."""
        return tuple(dict.fromkeys((*self.filters, *self.range_filters, *(self.latest_by or ()))))

    @property
    def range_parameters(self) -> dict[str, tuple[str, str]]:
        """Query parameter -> (column, operator) of every range bound."""
        return {f"{column}_{op}": (column, op) for column in self.range_filters for op in ("gte", "lt")}


@dataclass
class ServiceSettings:
    """Knobs for a running service: the latency added to every API call (for benchmarks)."""

    latency_ms: float = 0.0
    # How long the event stream (``GET /v1/events``) keeps events: resuming from an older id answers 410.
    event_retention_days: float = 90.0


def create_service(
    *,
    title: str,
    description: str,
    resources: Sequence[Resource],
    store: DocumentStore,
    settings: ServiceSettings | None = None,
    commands: Sequence[Command] = (),
    event_sources: Mapping[str, ChangeFunction] | None = None,
    audit: AuditSink | None = None,
    views: Mapping[str, View] | None = None,
    clock: Callable[[], str] | None = None,
) -> Starlette:
    """The ASGI app of one domain service; ``event_sources`` (table -> change function) add ``/v1/events``.

    ``views`` (table -> function) add derived fields to documents as they are read; ``clock`` gives commands
    their time (``_commands.now_iso`` by default)."""
    settings = settings or ServiceSettings()
    views = views or {}
    routes = [
        Route("/openapi.json", _openapi_endpoint(title, description, resources, commands, bool(event_sources))),
        Route("/healthz", _healthz),
    ]
    events = None
    if event_sources:
        events = EventLog(store, retention=timedelta(days=settings.event_retention_days))
        for table, change in event_sources.items():
            events.watch(table.replace("-", "_"), change)
        routes.append(Route("/v1/events", events_endpoint(events)))
    for resource in resources:
        store.define(resource.name.replace("-", "_"), resource.columns, resource.latest_by)
        view = views.get(resource.name.replace("-", "_"))
        routes.append(Route(f"/v1/{resource.name}", _list_endpoint(resource, store, view)))
        routes.append(Route(f"/v1/{resource.name}/{{id}}", _get_endpoint(resource, store, view)))
    routes.extend(command_routes(commands, store, audit, clock))
    faults = FaultState()
    app = Starlette(
        routes=routes,
        middleware=[Middleware(FaultMiddleware, state=faults), Middleware(_LatencyMiddleware, settings=settings)],
    )
    app.state.store = store
    app.state.settings = settings
    app.state.faults = faults  # what ``POST /_faults`` sets; see reference_services.faults
    app.state.events = events  # the event log (None for services without an event stream)
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


def _values(params: QueryParams, name: str) -> list[str]:
    """The comma-separated values of a list parameter, each at most ``MAX_VALUE_LENGTH`` characters."""
    values = _split(params[name])
    if len(values) > MAX_VALUES:
        raise BadQuery(
            "too_many_ids" if name == "ids" else "too_many_values", f"at most {MAX_VALUES} values of `{name}`"
        )
    if any(len(value) > MAX_VALUE_LENGTH for value in values):
        raise BadQuery("bad_parameter", f"values of `{name}` are at most {MAX_VALUE_LENGTH} characters")
    return values


def _limit(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 4) or not 1 <= int(text) <= MAX_LIMIT:
        raise BadQuery("bad_limit", f"limit must be an integer between 1 and {MAX_LIMIT}")
    return int(text)


def _latest(params: QueryParams, resource: Resource) -> tuple[str, str] | None:
    """``latest_by`` when the listing asks for each group's newest document (``latest=true``), else None."""
    if "latest" not in params or resource.latest_by is None:
        return None
    value = params["latest"]
    if value not in ("true", "false"):
        raise BadQuery("bad_parameter", "latest must be true or false")
    if "ids" in params:
        raise BadQuery("bad_parameter", "latest applies to listings, not to a batch by ids")
    return resource.latest_by if value == "true" else None


def _as_is(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return documents


def _list_endpoint(resource: Resource, store: DocumentStore, view: View | None = None):
    """``GET /v1/{resource}``: a batch by ids or a page. Whatever the caller sends wrong answers 400 with a code."""
    table = resource.name.replace("-", "_")
    plain = view is None  # documents are answered as stored (see ``_responses``)
    view = view or _as_is

    async def endpoint(request: Request) -> Response:
        params = request.query_params
        unknown = set(params) - {"ids", "limit", "after", *resource.filters, *resource.range_parameters}
        if resource.latest_by is not None:
            unknown.discard("latest")
        if unknown:
            return _error(400, "unknown_parameter", f"unknown query parameter(s): {', '.join(sorted(unknown))}")
        repeated = sorted(name for name in set(params) if len(params.getlist(name)) > 1)
        if repeated:
            return _error(400, "repeated_parameter", f"query parameter(s) given twice: {', '.join(repeated)}")
        try:
            latest = _latest(params, resource)
            if "ids" in params:
                texts = store.get_many_texts(table, _values(params, "ids"))
                array = verbatim(texts) if plain else None
                if array is not None:
                    return items_answer(array)
                return json_answer({"items": view(documents(texts))})
            limit = _limit(params.get("limit", str(DEFAULT_LIMIT)))
            after = params.get("after")
            if after is not None:
                parse_position(after)
            filters = {name: _values(params, name) for name in resource.filters if name in params}
            ranges = []
            for name, (column, op) in resource.range_parameters.items():
                if name in params:
                    if len(params[name]) > MAX_VALUE_LENGTH:
                        raise BadQuery("bad_parameter", f"`{name}` is at most {MAX_VALUE_LENGTH} characters")
                    ranges.append((column, op, params[name]))
            page = store.query(table, filters, limit=limit, after=after, ranges=ranges, latest_by=latest)
        except BadQuery as bad:
            return _error(400, bad.code, bad.message)
        rest = {"cursors": page.cursors, "next_cursor": page.next_cursor, "total": page.total}
        array = verbatim(page.texts) if plain else None
        if array is not None:
            return items_answer(array, rest)
        return json_answer({"items": view(page.items), **rest})

    return endpoint


def _get_endpoint(resource: Resource, store: DocumentStore, view: View | None = None):
    table = resource.name.replace("-", "_")
    plain = view is None
    view = view or _as_is

    async def endpoint(request: Request) -> Response:
        found = store.get_many_texts(table, [request.path_params["id"]])
        if not found:
            return _error(404, "not_found", f"no {resource.name} with id {request.path_params['id']!r}")
        if plain and verbatim(found) is not None:
            return json_body(found[0])
        return json_answer(view(documents(found))[0])

    return endpoint


async def _healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


def _openapi_endpoint(
    title: str,
    description: str,
    resources: Sequence[Resource],
    commands: Sequence[Command] = (),
    events: bool = False,
):
    document = openapi_document(title, description, resources, commands, events)

    async def endpoint(_: Request) -> Response:
        return JSONResponse(document)

    return endpoint


def openapi_document(
    title: str,
    description: str,
    resources: Sequence[Resource],
    commands: Sequence[Command] = (),
    events: bool = False,
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of a service, derived from its resource and command declarations."""
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
        filter_params = (
            [
                {
                    "name": name,
                    "in": "query",
                    "description": f"Comma-separated values of `{name}` to match.",
                    "schema": {"type": "string"},
                }
                for name in resource.filters
            ]
            + [
                {
                    "name": name,
                    "in": "query",
                    "description": f"Only items whose `{column}` is "
                    f"{'at or after' if op == 'gte' else 'before'} this value.",
                    "schema": {"type": "string"},
                }
                for name, (column, op) in resource.range_parameters.items()
            ]
            + _latest_parameters(resource)
        )
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
    names = {r.name: "".join(part.capitalize() for part in r.name.split("-")) for r in resources}
    for path, item in command_openapi_paths(commands, names).items():
        paths.setdefault(path, {}).update(item)
    if events:
        paths.update(events_openapi_paths())
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1.0.0", "description": description},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _latest_parameters(resource: Resource) -> list[dict[str, Any]]:
    """The ``latest`` query parameter, on resources that declare ``latest_by`` only."""
    if resource.latest_by is None:
        return []
    group, order = resource.latest_by
    return [
        {
            "name": "latest",
            "in": "query",
            "description": f"`true`: of the matching items, only the newest of each `{group}` (greatest `{order}`, "
            "compared as text; the last written among equals); `total` counts them. Not with `ids`.",
            "schema": {"type": "boolean", "default": False},
        }
    ]


def _error_content() -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
