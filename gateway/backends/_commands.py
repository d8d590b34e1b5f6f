"""Commands to domain services (the shared implementation of the clients' typed command methods).

Each is a ``POST`` with the forwarded idempotency key and the acting user.

Services answer ``2xx`` with the resulting document, ``409``/``422`` with ``{"error": {"code", "message",
"field"}}`` for business-rule refusals (raised as ``CommandRejected``, which resolvers turn into userErrors),
``404`` for unknown ids (``NotFound``). Commands are sent once (``ServiceClient.send`` never retries): the
idempotency runner decides about retries, and the service dedupes on the key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from gateway.backends._client import ServiceClient, call_log
from gateway.errors import BackendBadResponse, CommandRejected, IdempotencyKeyReused, NotFound

Model = TypeVar("Model", bound=BaseModel)


def command_path(resource: str, target_id: str | None = None, action: str | None = None) -> str:
    """``/v1/{resource}``, ``/v1/{resource}/{id}/{action}`` or ``/v1/{resource}:{action}`` (no id)."""
    if action is None:
        return f"/v1/{resource}"
    if target_id is None:
        return f"/v1/{resource}:{action}"
    return f"/v1/{resource}/{quote(target_id, safe='')}/{action}"


async def send_command(
    client: ServiceClient,
    path: str,
    body: Mapping[str, Any],
    *,
    key: str,
    actor_id: str | None,
) -> dict[str, Any]:
    """The JSON document a successful command returns."""
    calls = call_log.get()
    if calls is not None:
        calls[(client.domain, f"POST {path}")] += 1
    headers = {"idempotency-key": key}
    if actor_id:
        headers["x-actor-id"] = actor_id
    response = await client.send("POST", path, json_body=dict(body), headers=headers)
    try:
        document = json.loads(response.content)
    except ValueError:
        document = None
    if 200 <= response.status_code < 300 and isinstance(document, dict):
        return document
    error = document.get("error") if isinstance(document, dict) else None
    error = error if isinstance(error, dict) else {}
    if response.status_code == 404:
        raise NotFound(str(error.get("message") or "no such object"))
    if response.status_code in (409, 422) and isinstance(error.get("code"), str):
        if error["code"] == "idempotency_key_reused":
            raise IdempotencyKeyReused("This idempotency key was already used for a different request; use a new key.")
        return _raise_rejected(client.domain, response.status_code, error)
    raise BackendBadResponse(
        f"the {client.domain} service rejected the gateway's command (HTTP {response.status_code})",
        service=client.domain,
    )


def _raise_rejected(service: str, status: int, error: Mapping[str, Any]) -> dict[str, Any]:
    raise CommandRejected(
        service,
        status,
        str(error["code"]),
        str(error.get("message") or error["code"]),
        error.get("field") if isinstance(error.get("field"), str) else None,
    )


async def command(
    client: ServiceClient,
    path: str,
    body: Mapping[str, Any],
    model: type[Model],
    *,
    key: str,
    actor_id: str | None,
) -> Model:
    """A command whose answer is a document of ``model`` (reduced to its allow-list)."""
    document = await send_command(client, path, body, key=key, actor_id=actor_id)
    try:
        return model.model_validate(document)
    except ValidationError as error:
        raise BackendBadResponse(
            f"the {client.domain} service answered a command with data that does not match its contract "
            f"({error.error_count()} problem(s))",
            service=client.domain,
        ) from None
