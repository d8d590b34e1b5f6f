"""The write side of a reference service: commands, each idempotent under an ``Idempotency-Key``.

Routes (documented in the service's OpenAPI document beside the reads):

- ``POST /v1/{resource}``: create a document;
- ``POST /v1/{resource}/{id}/{action}``: act on one document (stop a workload, revoke a grant, ...);
- ``POST /v1/{resource}:{action}``: act on several documents of a collection (mark notifications read).

A command's handler is a plain function of a :class:`CommandRequest` returning the response document. It
runs in one SQLite write transaction together with the record of its response, so both commit or neither
does. A request carrying an ``Idempotency-Key`` seen before gets the stored response again (header
``Idempotent-Replayed: true``) whatever happened since; the same key on a different request answers
``422 idempotency_key_reused``. Business-rule violations answer ``409`` (the current state forbids it) or
``422`` (the request breaks a rule) with a machine ``code`` and the offending ``field``, and are stored like
successes. Malformed requests (``400``) and unknown ids (``404``) are not stored: a corrected retry with the
same key goes through.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from reference_services._store import DocumentStore

Document = dict[str, Any]
KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,255}$")
MAX_BODY_BYTES = 256 * 1024
MAX_SAFE_INTEGER = 2**53
NOT_STORED = frozenset({400, 404})
IDEMPOTENCY_TABLE = "_idempotency"


class Rejected(Exception):
    """A command refused: 400 malformed, 404 unknown id, 409 state conflict, 422 business rule."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field

    def body(self) -> Document:
        """The error document clients receive."""
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}


def now_iso() -> str:
    """The current UTC time as the services write it (milliseconds, ``Z``)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class CommandRequest:
    """What a handler gets: the store, the JSON body, the target id (actions) and the acting user."""

    store: DocumentStore
    body: Document
    target_id: str | None = None
    actor_id: str | None = None
    now: str = field(default_factory=now_iso)

    def text(self, name: str, *, required: bool = True, max_length: int = 1024) -> str | None:
        """A string field of the body (``400`` when required and missing, or not a string)."""
        value = self.body.get(name)
        if value is None:
            if required:
                raise Rejected(400, "missing_field", f"`{name}` is required", name)
            return None
        if not isinstance(value, str) or len(value) > max_length:
            raise Rejected(400, "bad_field", f"`{name}` must be a string of at most {max_length} characters", name)
        return value

    def integer(self, name: str, *, required: bool = True) -> int | None:
        """An integer field of the body (at most 2^53 either way: exact in every JSON client)."""
        return self.integer_in(self.body, name, required=required)

    def integer_in(
        self, document: Mapping[str, Any], name: str, *, required: bool = False, field: str | None = None
    ) -> int | None:
        """An integer field of ``document`` (the body, or an object in it whose path ``field`` names), ``400`` when
        it is anything else."""
        field = field or name
        value = document.get(name)
        if value is None:
            if required:
                raise Rejected(400, "missing_field", f"`{field}` is required", field)
            return None
        if not isinstance(value, int) or isinstance(value, bool) or abs(value) > MAX_SAFE_INTEGER:
            raise Rejected(400, "bad_field", f"`{field}` must be an integer of at most 2^53", field)
        return value

    def mapping(self, name: str) -> Document:
        """An object field of the body (absent means empty)."""
        value = self.body.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise Rejected(400, "bad_field", f"`{name}` must be an object", name)
        return value

    def strings(self, name: str, *, max_items: int = 500) -> list[str]:
        """A list of strings (absent means empty)."""
        value = self.body.get(name) or []
        if not isinstance(value, list) or len(value) > max_items or not all(isinstance(v, str) for v in value):
            raise Rejected(400, "bad_field", f"`{name}` must be a list of at most {max_items} strings", name)
        return value

    def load(self, resource: str, document_id: str | None, label: str | None = None) -> Document:
        """One document of the service, or ``404``."""
        found = self.store.get_many(_table(resource), [document_id]) if document_id else []
        if not found:
            raise Rejected(404, "not_found", f"no {label or resource} with id {document_id!r}", None)
        return found[0]

    def find(self, resource: str, filters: Mapping[str, Sequence[str]]) -> list[Document]:
        """Every document of a resource matching the filters (small collections only)."""
        items: list[Document] = []
        after = None
        while True:
            page = self.store.query(_table(resource), filters, limit=1000, after=after)
            items.extend(page.items)
            if page.next_cursor is None:
                return items
            after = page.next_cursor

    def save(self, resource: str, document: Document) -> Document:
        """Insert or replace a document; returns it."""
        self.store.upsert(_table(resource), document)
        return document

    @staticmethod
    def new_id(prefix: str) -> str:
        """A fresh id like the seed's, with a random suffix."""
        return f"{prefix}-{secrets.token_hex(5)}"


Handler = Callable[[CommandRequest], Document]
# Called with each executed (not replayed) command's outcome: (command, request, status, response document).
AuditSink = Callable[["Command", CommandRequest, int, Document], None]


@dataclass(frozen=True)
class Command:
    """One write route: create (no ``action``), act on one id, or act on the collection (``collection``)."""

    resource: str
    summary: str
    handler: Handler
    action: str | None = None
    collection: bool = False
    body: Mapping[str, str] = field(default_factory=dict)
    returns_resource: bool = True

    @property
    def path(self) -> str:
        """The route path."""
        if self.action is None:
            return f"/v1/{self.resource}"
        if self.collection:
            return f"/v1/{self.resource}:{self.action}"
        return f"/v1/{self.resource}/{{id}}/{self.action}"

    @property
    def success_status(self) -> int:
        """201 for creates, 200 for actions."""
        return 201 if self.action is None else 200


def command_routes(
    commands: Sequence[Command],
    store: DocumentStore,
    audit: AuditSink | None = None,
    clock: Callable[[], str] | None = None,
) -> list[Route]:
    """The POST routes of the commands, with the idempotency table they share (``audit`` hears each outcome,
    ``clock`` gives each request its time)."""
    if not commands:
        return []
    with store.write_transaction() as db:
        db.execute(
            f'CREATE TABLE IF NOT EXISTS "{IDEMPOTENCY_TABLE}" (key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, '
            "status INTEGER NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL)"
        )
    return [Route(c.path, _endpoint(c, store, audit, clock or now_iso), methods=["POST"]) for c in commands]


def _endpoint(
    command: Command, store: DocumentStore, audit: AuditSink | None = None, clock: Callable[[], str] = now_iso
):
    async def endpoint(request: Request) -> Response:
        raw = await request.body()
        key = request.headers.get("idempotency-key")
        if key is not None and not KEY_PATTERN.match(key):
            refused = Rejected(400, "bad_idempotency_key", "Idempotency-Key must be 1-255 of [A-Za-z0-9._:-]")
            return _json(400, refused.body())
        if len(raw) > MAX_BODY_BYTES:
            return _json(400, Rejected(400, "body_too_large", f"bodies are at most {MAX_BODY_BYTES} bytes").body())
        try:
            body = json.loads(raw or b"{}")
        except (ValueError, RecursionError):  # not JSON (or not UTF-8), or nested past the parser's depth
            body = None
        if not isinstance(body, dict):
            return _json(400, Rejected(400, "bad_json", "the body must be a JSON object").body())
        target = request.path_params.get("id")
        request_hash = hashlib.sha256(
            json.dumps([command.path, target, body], sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
        context = CommandRequest(
            store=store, body=body, target_id=target, actor_id=request.headers.get("x-actor-id"), now=clock()
        )
        status, document, replayed = _execute(command, store, context, key, request_hash)
        if audit is not None and not replayed:
            audit(command, context, status, document)
        response = _json(status, document)
        if replayed:
            response.headers["idempotent-replayed"] = "true"
        return response

    return endpoint


def _execute(
    command: Command, store: DocumentStore, context: CommandRequest, key: str | None, request_hash: str
) -> tuple[int, Document, bool]:
    """Run the handler and record its response under the key, atomically; or replay the recorded response."""
    with store.write_transaction() as db:
        if key is not None:
            row = db.execute(
                f'SELECT request_hash, status, body FROM "{IDEMPOTENCY_TABLE}" WHERE key = ?', (key,)
            ).fetchone()
            if row is not None:
                if row[0] != request_hash:
                    reused = Rejected(
                        422, "idempotency_key_reused", "this Idempotency-Key was used for another request"
                    )
                    return 422, reused.body(), False
                return row[1], json.loads(row[2]), True
        db.execute("SAVEPOINT command")
        try:
            status, document = command.success_status, command.handler(context)
            db.execute("RELEASE command")
        except Rejected as rejected:
            db.execute("ROLLBACK TO command")
            db.execute("RELEASE command")
            status, document = rejected.status, rejected.body()
        if key is not None and status not in NOT_STORED:
            db.execute(
                f'INSERT INTO "{IDEMPOTENCY_TABLE}" (key, request_hash, status, body, created_at) '
                "VALUES (?, ?, ?, ?, ?)",
                (key, request_hash, status, json.dumps(document, separators=(",", ":")), context.now),
            )
    return status, document, False


def _json(status: int, document: Document) -> JSONResponse:
    return JSONResponse(document, status_code=status)


def _table(resource: str) -> str:
    return resource.replace("-", "_")


def command_openapi_paths(commands: Sequence[Command], schema_names: Mapping[str, str]) -> dict[str, Any]:
    """OpenAPI path items (``post``) of the commands; ``schema_names`` maps resources to component names."""
    paths: dict[str, Any] = {}
    headers = [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "maxLength": 255},
            "description": "Replays the stored response of an earlier request with this key; 1-255 of [A-Za-z0-9._:-].",
        },
        {
            "name": "X-Actor-Id",
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
            "description": "The user on whose behalf the gateway acts (recorded in events).",
        },
    ]
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for command in commands:
        parameters = list(headers)
        if command.action is not None and not command.collection:
            parameters.insert(0, {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}})
        schema_name = schema_names.get(command.resource)
        result: dict[str, Any] = (
            {"$ref": f"#/components/schemas/{schema_name}"}
            if command.returns_resource and schema_name
            else {"type": "object"}
        )
        paths[command.path] = {
            "post": {
                "summary": command.summary,
                "parameters": parameters,
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {name: {"type": kind} for name, kind in command.body.items()},
                            }
                        }
                    },
                },
                "responses": {
                    str(command.success_status): {
                        "description": "Done (or replayed: header Idempotent-Replayed).",
                        "content": {"application/json": {"schema": result}},
                    },
                    "400": {"description": "Malformed request (not recorded under the key).", "content": error},
                    "404": {"description": "No such id (not recorded under the key).", "content": error},
                    "409": {"description": "The current state forbids it; `error.code` says why.", "content": error},
                    "422": {
                        "description": "A business rule forbids it, or the key was used for another request.",
                        "content": error,
                    },
                },
            }
        }
    return paths
