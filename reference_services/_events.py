"""The event stream of a reference service: what changed, in commit order, kept for a retention window.

Documents of watched tables are compared on every ``upsert`` (``DocumentStore.watch``); the domain's change
function turns (old, new) into events, written in the same transaction as the change itself, so an event
exists exactly when its change committed. Event ids are the log's ``AUTOINCREMENT`` sequence: increasing
in commit order (gaps are possible, reordering is not). ``stream`` names this log instance: a consumer that
sees another stream id (a restored or re-created database) must not reuse its old ids.

``GET /v1/events`` reads the log (documented in the service's OpenAPI):

- ``after=<id>`` returns events with larger ids (``after`` absent: none, only ``last_id``, to start tailing);
- ``wait=<seconds>`` (at most 30) long-polls until at least one event matches or the time is up;
- ``type``, ``user_id``, ``tenant_id``, ``project_id`` filter (comma lists); ``last_id`` is how far the log
  was read, so a filtered reader advances past events it did not want;
- ``Accept: text/event-stream`` streams the same events as server-sent events (``id:`` lines, resumes from
  ``Last-Event-ID``);
- an ``after`` older than the retention window answers ``410 events_expired``: events were dropped since.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from reference_services._store import MAX_FILTER_VALUES, BadQuery, DocumentStore, parse_position

Document = dict[str, Any]
EVENTS_TABLE = "_events"
META_TABLE = "_events_meta"
FILTERS = ("type", "user_id", "tenant_id", "project_id")
MAX_LIMIT = 1000
MAX_WAIT_SECONDS = 30.0
POLL_SECONDS = 1.0  # re-read even without a wake-up: another process may write the same database file
PURGE_EVERY_SECONDS = 60.0
SSE_HEARTBEAT_SECONDS = 15.0


@dataclass(frozen=True)
class EventDraft:
    """An event a change produces: its type, who and what it concerns, and its payload."""

    type: str
    subject_id: str
    data: Document
    tenant_id: str | None = None
    project_id: str | None = None
    user_id: str | None = None


ChangeFunction = Callable[[Document | None, Document], Sequence[EventDraft]]


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class EventLog:
    """The ``_events`` table of one service's store, its readers' wake-ups and its purge."""

    store: DocumentStore
    retention: timedelta = timedelta(days=90)
    clock: Callable[[], datetime] = _now
    _waiters: set[asyncio.Future[None]] = field(default_factory=set)
    _last_purge: float = 0.0

    def __post_init__(self) -> None:
        with self.store.write_transaction() as db:
            db.execute(
                f'CREATE TABLE IF NOT EXISTS "{EVENTS_TABLE}" (seq INTEGER PRIMARY KEY AUTOINCREMENT, '
                "type TEXT NOT NULL, at TEXT NOT NULL, subject_id TEXT, tenant_id TEXT, project_id TEXT, "
                "user_id TEXT, data TEXT NOT NULL)"
            )
            for column in ("at", "user_id", "tenant_id", "project_id"):
                db.execute(f'CREATE INDEX IF NOT EXISTS "{EVENTS_TABLE}_{column}" ON "{EVENTS_TABLE}" ("{column}")')
            db.execute(f'CREATE TABLE IF NOT EXISTS "{META_TABLE}" (key TEXT PRIMARY KEY, value TEXT NOT NULL)')
            db.execute(f'INSERT OR IGNORE INTO "{META_TABLE}" VALUES (?, ?)', ("stream", secrets.token_hex(6)))
            db.execute(f'INSERT OR IGNORE INTO "{META_TABLE}" VALUES (?, ?)', ("purged_through", "0"))
        self.stream = self._meta("stream")
        self._last_purge = time.monotonic()

    def watch(self, table: str, change: ChangeFunction) -> None:
        """Record the events ``change`` derives from every upsert into ``table``."""

        def record(old: Document | None, new: Document) -> None:
            drafts = change(old, new)
            if drafts:
                self.append(drafts)

        self.store.watch(table, record)

    def append(self, drafts: Sequence[EventDraft]) -> None:
        """Write events (inside the caller's transaction, if any) and wake the readers once it commits."""
        db = self.store.connection
        at = _iso(self.clock())
        db.executemany(
            f'INSERT INTO "{EVENTS_TABLE}" (type, at, subject_id, tenant_id, project_id, user_id, data) '
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    d.type,
                    at,
                    d.subject_id,
                    d.tenant_id,
                    d.project_id,
                    d.user_id,
                    json.dumps(d.data, separators=(",", ":")),
                )
                for d in drafts
            ],
        )
        self._wake()
        if time.monotonic() - self._last_purge > PURGE_EVERY_SECONDS:
            self.purge()

    def purge(self) -> int:
        """Drop events older than the retention window; returns how many went."""
        self._last_purge = time.monotonic()
        db = self.store.connection
        cutoff = _iso(self.clock() - self.retention)
        row = db.execute(f'SELECT MAX(seq), COUNT(*) FROM "{EVENTS_TABLE}" WHERE at < ?', (cutoff,)).fetchone()
        if not row[1]:
            return 0
        db.execute("SAVEPOINT purge_events")
        db.execute(f'DELETE FROM "{EVENTS_TABLE}" WHERE seq <= ?', (row[0],))
        db.execute(
            f'UPDATE "{META_TABLE}" SET value = ? WHERE key = ? AND CAST(value AS INTEGER) < ?',
            (str(row[0]), "purged_through", row[0]),
        )
        db.execute("RELEASE purge_events")
        return int(row[1])

    def head(self) -> int:
        """The largest id ever issued (0 before the first event)."""
        row = self.store.connection.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = ?", (EVENTS_TABLE,)
        ).fetchone()
        return int(row[0]) if row else 0

    def purged_through(self) -> int:
        """Events up to this id may have been dropped by retention."""
        return int(self._meta("purged_through"))

    def read(self, after: int, filters: Mapping[str, Sequence[str]], limit: int) -> tuple[list[Document], int]:
        """Events after ``after`` matching the filters, oldest first; and the id the reader has now read up to."""
        head = self.head()
        where = ["seq > ?", "seq <= ?"]
        params: list[Any] = [after, head]
        for column, values in filters.items():
            where.append(f'"{column}" IN ({", ".join("?" for _ in values)})')
            params.extend(values)
        rows = self.store.connection.execute(
            f'SELECT seq, type, at, subject_id, tenant_id, project_id, user_id, data FROM "{EVENTS_TABLE}" '
            f"WHERE {' AND '.join(where)} ORDER BY seq LIMIT ?",
            [*params, limit],
        ).fetchall()
        items = [
            {
                "id": str(r[0]),
                "type": r[1],
                "at": r[2],
                "subject_id": r[3],
                "tenant_id": r[4],
                "project_id": r[5],
                "user_id": r[6],
                "data": json.loads(r[7]),
            }
            for r in rows
        ]
        read_up_to = rows[-1][0] if len(rows) == limit else max(head, after)
        return items, read_up_to

    async def wait(self, timeout: float) -> None:
        """Return when an event may have been appended, or after ``timeout`` seconds."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)

    def _wake(self) -> None:
        # Called inside the writer's transaction; the readers run once the writer returns to the loop,
        # after its commit (command handlers never await mid-transaction).
        for waiter in list(self._waiters):
            if not waiter.done():
                waiter.get_loop().call_soon_threadsafe(_resolve, waiter)
        self._waiters.clear()

    def _meta(self, key: str) -> str:
        row = self.store.connection.execute(f'SELECT value FROM "{META_TABLE}" WHERE key = ?', (key,)).fetchone()
        return str(row[0])


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class _BadRequest(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> JSONResponse:
        return JSONResponse({"error": {"code": self.code, "message": self.message}}, status_code=self.status)


def _parse(log: EventLog, request: Request) -> tuple[int | None, dict[str, list[str]], int, float]:
    params = request.query_params
    unknown = set(params) - {"after", "limit", "wait", *FILTERS}
    if unknown:
        raise _BadRequest(400, "unknown_parameter", f"unknown query parameter(s): {', '.join(sorted(unknown))}")
    after_text = params.get("after") or request.headers.get("last-event-id")
    try:
        after = parse_position(after_text) if after_text is not None else None
    except BadQuery:
        raise _BadRequest(400, "bad_cursor", "after is not an event id of this stream") from None
    try:
        limit = int(params.get("limit", "100"))
        wait = float(params.get("wait", "0"))
    except ValueError:
        raise _BadRequest(400, "bad_parameter", "limit must be an integer and wait a number") from None
    if not 1 <= limit <= MAX_LIMIT or not 0 <= wait <= MAX_WAIT_SECONDS:
        raise _BadRequest(400, "bad_parameter", f"limit is 1-{MAX_LIMIT} and wait 0-{MAX_WAIT_SECONDS:g} seconds")
    filters = {name: [v for v in params[name].split(",") if v] for name in FILTERS if params.get(name)}
    if any(len(values) > MAX_FILTER_VALUES for values in filters.values()):
        raise _BadRequest(400, "too_many_values", f"at most {MAX_FILTER_VALUES} values of one filter")
    if after is not None and after < log.purged_through():
        raise _BadRequest(
            410,
            "events_expired",
            f"events after {after} are past the retention window; start again from the current state",
        )
    return after, filters, limit, wait


def events_endpoint(log: EventLog) -> Callable[[Request], Any]:
    """``GET /v1/events``: JSON pages (long-poll with ``wait``) or a server-sent event stream."""

    async def endpoint(request: Request) -> Response:
        try:
            after, filters, limit, wait = _parse(log, request)
        except _BadRequest as bad:
            return bad.response()
        if "text/event-stream" in request.headers.get("accept", ""):
            return StreamingResponse(
                _sse(log, request, after, filters),
                media_type="text/event-stream",
                headers={"cache-control": "no-cache"},
            )
        if after is None:
            return JSONResponse({"stream": log.stream, "items": [], "last_id": str(log.head())})
        deadline = time.monotonic() + wait
        while True:
            items, read_up_to = log.read(after, filters, limit)
            remaining = deadline - time.monotonic()
            if items or remaining <= 0:
                return JSONResponse({"stream": log.stream, "items": items, "last_id": str(read_up_to)})
            after = read_up_to
            if await request.is_disconnected():  # the poller is gone: end now, not when the wait runs out
                return Response(status_code=204)
            await log.wait(min(remaining, POLL_SECONDS))

    return endpoint


async def _sse(
    log: EventLog, request: Request, after: int | None, filters: Mapping[str, Sequence[str]]
) -> AsyncIterator[str]:
    position = log.head() if after is None else after
    yield f"retry: 1000\nevent: stream\ndata: {json.dumps({'stream': log.stream})}\n\n"
    idle = 0.0
    while not await request.is_disconnected():
        items, position = log.read(position, filters, MAX_LIMIT)
        for item in items:
            yield f"id: {item['id']}\nevent: {item['type']}\ndata: {json.dumps(item, separators=(',', ':'))}\n\n"
        if items:
            idle = 0.0
            continue
        if idle >= SSE_HEARTBEAT_SECONDS:
            idle = 0.0
            yield ": keep-alive\n\n"
        await log.wait(POLL_SECONDS)
        idle += POLL_SECONDS


def events_openapi_paths() -> dict[str, Any]:
    """The OpenAPI path item of ``GET /v1/events``."""
    event = {
        "type": "object",
        "properties": {
            "id": {"type": "string", "description": "Increasing in commit order; pass as `after` to read on."},
            "type": {"type": "string", "description": "What happened, e.g. `notification.created`."},
            "at": {"type": "string", "format": "date-time"},
            "subject_id": {"type": "string", "description": "The document the event is about."},
            "tenant_id": {"type": ["string", "null"]},
            "project_id": {"type": ["string", "null"]},
            "user_id": {"type": ["string", "null"], "description": "The user the event is for or about."},
            "data": {"type": "object", "description": "The event's payload (a projection of the document)."},
        },
    }
    filters = [
        {
            "name": name,
            "in": "query",
            "schema": {"type": "string"},
            "description": f"Comma-separated values of `{name}` to match.",
        }
        for name in FILTERS
    ]
    return {
        "/v1/events": {
            "get": {
                "summary": "Read the service's event stream (long-poll JSON, or server-sent events)",
                "description": __doc__,
                "parameters": [
                    {
                        "name": "after",
                        "in": "query",
                        "schema": {"type": "string"},
                        "description": "Return events after this id; absent: none (read `last_id` to start tailing).",
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "maximum": MAX_LIMIT, "default": 100},
                    },
                    {
                        "name": "wait",
                        "in": "query",
                        "schema": {"type": "number", "maximum": MAX_WAIT_SECONDS, "default": 0},
                        "description": "Seconds to wait for a matching event before answering with none (long-poll).",
                    },
                    {
                        "name": "Last-Event-ID",
                        "in": "header",
                        "schema": {"type": "string"},
                        "description": "Server-sent events: resume after this id (same as `after`).",
                    },
                    *filters,
                ],
                "responses": {
                    "200": {
                        "description": "Events, oldest first, and how far the stream was read.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "stream": {
                                            "type": "string",
                                            "description": "Identity of this log; ids are only comparable "
                                            "within one stream.",
                                        },
                                        "items": {"type": "array", "items": event},
                                        "last_id": {"type": "string", "description": "Pass as `after` next time."},
                                    },
                                }
                            },
                            "text/event-stream": {
                                "schema": {"type": "string"},
                                "description": "One SSE event per item: `id`, `event` (its type), `data`.",
                            },
                        },
                    },
                    "400": {
                        "description": "Bad parameters.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                    "410": {
                        "description": "`after` is older than the retention window (`events_expired`).",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                },
            }
        }
    }
