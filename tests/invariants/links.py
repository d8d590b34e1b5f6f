"""The invariant machines' link check: every link in every route operation's response a machine opens resolves.

A machine reads its pages through ``LinkCheck.page`` (a route of operations/index.json, opened with the route's
own operation), which keeps each response's links with the viewer that saw them. ``LinkCheck.check`` opens
each link as that viewer through the API (its route's operation, ``{id}``/``{slug}`` and the query's ids as
variables: the route-links test's mapping) and fails on an error, a null root field or a link that matches no
route. An object a query parameter names by its global id (``#credential=``, ``#event=``) must also open with
``node(id:)`` as that viewer when its type is a ``Node``.

Bounded: the long profile (``recheck=True``) opens every link once per state of the world; the state changes
when the machine acts (``LinkCheck.changed``), and within one state a link seen again on another page is not
opened again. The short profile opens each link once per sequence, and again in every state after the machine
acted on the object it names (``changed`` is told the global ids acted on): the links that can stop resolving
when the world moves are those of the objects that moved.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from gateway.errors import BadUserInput
from gateway.ids import decode_global_id
from tests import route_operations as ops
from tests.operations.test_route_links import NOT_CONSOLE_ROUTES, links_in, route_of, variables_of

# Opens a document as a viewer (a persona, a user id or a service account id) and answers the whole body.
Ask = Callable[[str, str, dict[str, Any]], dict[str, Any]]
Target = tuple[str, str, str]  # (viewer, route template, variables)
NODE_TYPES = frozenset(
    json.loads((Path(__file__).resolve().parents[2] / "schema" / "possible_types.json").read_text())["Node"]
)
NODE = "query($id: ID!) { node(id: $id) { id } }"


class LinkCheck:
    """Links of the pages a machine read, and which of them were opened in the current state."""

    def __init__(self, ask: Ask, *, recheck: bool, explored: Counter[str]) -> None:
        self.ask, self.recheck, self.explored = ask, recheck, explored
        self.pending: dict[Target, tuple[str, dict[str, Any], str]] = {}  # target -> (link, variables, found on)
        self.opened: set[Target] = set()  # resolved in the current state
        self.ever: set[Target] = set()  # resolved at some point of this sequence
        self.touched: set[str] = set()  # global ids acted on since the last check

    def page(self, viewer: str, route: str, **variables: Any) -> dict[str, Any]:
        """The data of a route's operation as ``viewer``, its links kept for ``check``."""
        body = self.ask(ops.document(ops.ROUTES[route]), viewer, variables)
        assert "errors" not in body, (viewer, route, body["errors"])
        data: dict[str, Any] = body["data"]
        self.explored["pages read"] += 1
        for link in links_in(data):
            if any(link.startswith(prefix) for prefix in NOT_CONSOLE_ROUTES):
                continue
            self.explored["links seen"] += 1
            template = self._template(link, route)
            _, given = variables_of(link)
            target = (viewer, template, repr(sorted(given.items())))
            if target not in self.opened:
                self.pending.setdefault(target, (link, given, route))
        return data

    def changed(self, *acted_on: str) -> None:
        """The machine acted (on the objects of these global ids): links are checked in the state they were read
        in, so the ones read before the action are dropped (the invariants read their pages again)."""
        self.pending.clear()
        self.opened.clear()
        self.touched.update(acted_on)

    def check(self) -> None:
        """Open every pending link as the viewer that saw it; fail on the first that does not resolve."""
        pending, self.pending = self.pending, {}
        touched, self.touched = self.touched, set()
        for target, (link, given, found_on) in sorted(pending.items()):
            moved = any(object_id in link for object_id in touched)
            if target in self.opened or (not self.recheck and target in self.ever and not moved):
                continue
            viewer, template, _ = target
            body = self.ask(ops.document(ops.ROUTES[template]), viewer, given)
            resolved = "errors" not in body and body.get("data") and all(v is not None for v in body["data"].values())
            assert resolved, f"{link} (on {found_on}, as {viewer}) does not resolve: {body.get('errors')}"
            for named in _named_nodes(link):
                body = self.ask(NODE, viewer, {"id": named})
                found = "errors" not in body and (body.get("data") or {}).get("node")
                assert found, f"{link} (on {found_on}, as {viewer}) names {named}, which does not open: {body}"
                self.explored["named objects opened"] += 1
            self.opened.add(target)
            self.ever.add(target)
            self.explored["links opened"] += 1

    @staticmethod
    def _template(link: str, found_on: str) -> str:
        found = route_of(link.split("?")[0].split("#")[0])
        assert found is not None, f"{link} (on {found_on}) matches no route of operations/index.json"
        return found[0]


def _named_nodes(link: str) -> list[str]:
    """The global ids of ``Node`` objects a link's query string or fragment (the row a page selects) names."""
    found = []
    split = urlsplit(link)
    for _, value in [*parse_qsl(split.query), *parse_qsl(split.fragment)]:
        try:
            type_name, _local = decode_global_id(value)
        except BadUserInput:
            continue
        if type_name in NODE_TYPES:
            found.append(value)
    return found
