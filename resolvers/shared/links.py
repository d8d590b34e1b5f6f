"""Links the gateway hands to the console: built from the route table with global ids; only relative console routes
ever pass.

``route`` builds every link the gateway makes from a route of ``resolvers.console.navigation`` (the table
operations/index.json agrees with), so ``{id}`` is always the global id the route's operation takes.
``console_path`` vets a link a backend sent (notifications, catalog entries) and rewrites the plain ids the
services keep into the same global ids. Only the variables the route's operation declares (operations/index.json)
travel in the query string; view state the page keeps itself (a tab, the row to select: ``tab``, ``event``,
``credential``...) travels in the fragment (``#tab=events&event=...``), so no link carries a parameter its page's
operation would drop.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from urllib.parse import parse_qsl, urlencode

from gateway.documents import DEFAULT_OPERATIONS_DIR
from gateway.errors import BadUserInput
from gateway.ids import decode_global_id, encode_global_id, is_valid_id

MAX_ROUTE_LENGTH = 512
# Query parameters that name an object: the type of the global id they carry (``?project=`` is the overview's
# `project` variable; the others select or highlight a row of the page).
QUERY_ID_TYPES: Mapping[str, str] = {
    "project": "Project",
    "tenant": "Tenant",
    "credential": "Credential",
    "integration": "SsoIntegration",
    "invite": "Invite",
    "serviceAccount": "ServiceAccount",
    "signal": "OpsSignal",
    "image": "ProvisioningImage",
    "profile": "ProvisioningProfile",
    "account": "OperatorAccount",
    "event": "AuditEvent",
}


@cache
def _templates() -> dict[str, str | None]:
    from resolvers.console.navigation import all_routes  # the route table (a sibling package of this layer)

    return {r.path: r.id_type for r in all_routes()}


def _global(type_name: str, value: str) -> str:
    """``value`` as a global id of ``type_name`` (already one: unchanged)."""
    try:
        decode_global_id(value, expected=type_name)
        return value
    except BadUserInput:
        return encode_global_id(type_name, value)


@cache
def _operation_variables() -> dict[str, frozenset[str]]:
    """Per route template: the variables its operation declares (what a query string may carry to it)."""
    index = json.loads((DEFAULT_OPERATIONS_DIR / "index.json").read_text())
    return {path: frozenset({*e["variables"], *e["optionalVariables"]}) for path, e in index["routes"].items()}


def _template_of(path: str) -> str | None:
    parts = path.split("/")
    for template in _templates():
        shape = template.split("/")
        if len(shape) == len(parts) and all(t == p or t.startswith("{") for t, p in zip(shape, parts, strict=True)):
            return template
    return None


def _placed(template: str | None, pairs: Iterable[tuple[str, str]], fragment: str | None) -> str:
    """The query string and fragment of a link: the operation's variables in the query, the rest in the fragment."""
    pairs = list(pairs)
    if template is None:  # not a console route (documentation, metrics): its query is its own
        return ("?" + urlencode(pairs) if pairs else "") + (f"#{fragment}" if fragment else "")
    taken = _operation_variables().get(template, frozenset())
    query = [(k, v) for k, v in pairs if k in taken]
    state = [(k, v) for k, v in pairs if k not in taken]
    tail = ("?" + urlencode(query)) if query else ""
    fragments = [f for f in (urlencode(state), fragment) if f]
    return tail + (("#" + "&".join(fragments)) if fragments else "")


@lru_cache(maxsize=16384)  # a pure function of its arguments; a page repeats links on every row
def route(path: str, local_id: str | None = None, *, fragment: str | None = None, **query: str | None) -> str:
    """The console link to ``path`` (a route of the table), ``{id}``/``{slug}`` filled: ``{id}`` with the global id
    of the route's type; query values named in ``QUERY_ID_TYPES`` become global ids too (None values are left out).
    A path outside the table is a programming error (``KeyError``)."""
    id_type = _templates()[path]
    link = path
    if "{id}" in path:
        if local_id is None or id_type is None:
            raise ValueError(f"{path} needs an id")
        link = path.replace("{id}", _global(id_type, local_id))
    elif "{slug}" in path:
        if local_id is None:
            raise ValueError(f"{path} needs a slug")
        link = path.replace("{slug}", local_id)
    given = {
        name: _global(QUERY_ID_TYPES[name], value) if name in QUERY_ID_TYPES else value
        for name, value in query.items()
        if value is not None
    }
    return link + _placed(path, given.items(), fragment)


def console_path(value: str | None) -> str | None:
    """``value`` when it is a relative console route (``/...``), its plain ids made global ids; None for absolute
    URLs, ``//host`` forms, backslashes or control characters, so a backend can never steer a page to an endpoint."""
    if value is None or len(value) > MAX_ROUTE_LENGTH or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(ch.isspace() or ord(ch) < 32 for ch in value):
        return None
    return _with_global_ids(value)


def _with_global_ids(value: str) -> str:
    rest, _, fragment = value.partition("#")
    path, _, query = rest.partition("?")
    parts = path.split("/")
    for template, id_type in _templates().items():
        shape = template.split("/")
        if id_type is None or len(shape) != len(parts):
            continue
        if all(t == p or t == "{id}" for t, p in zip(shape, parts, strict=True)):
            slot = shape.index("{id}")
            if is_valid_id(parts[slot]):
                parts[slot] = _global(id_type, parts[slot])
            break
    link = "/".join(parts)
    pairs = [
        (k, _global(QUERY_ID_TYPES[k], v) if k in QUERY_ID_TYPES and is_valid_id(v) else v)
        for k, v in parse_qsl(query, keep_blank_values=True)
    ]
    return link + _placed(_template_of(path), pairs, fragment or None)
