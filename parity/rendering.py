"""Rendering gaps: fields a page receives but does not show.

With a manifest (``--rendered FILE``), every path received and not rendered is a rendering gap. The manifest is
what a frontend test writes after rendering each route, in this format::

    {
      "format": "gateway-parity-rendered/1",
      "routes": {
        "/workloads": ["workloads.totalCount", "workloads.nodes.name", "workloads.nodes.cost"]
      }
    }

Paths are response paths as the operation names them (aliases, not field names), dotted, without list indices.
A path covers everything under it (``workloads.nodes.cost`` renders ``cost.hourly.amount``). Routes missing
from the manifest are not checked (the report says so).

Without a manifest, the pass lists candidates instead: fields of the types a route's operation reaches that no
committed operation selects, so no page can show them.
"""

from __future__ import annotations

import json
from pathlib import Path

from graphql import (
    FieldNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    parse,
    visit,
)

from parity.findings import Gap, GapClass

MANIFEST_FORMAT = "gateway-parity-rendered/1"


class ManifestError(ValueError):
    """The manifest file is not in the documented format."""


def load_manifest(path: Path) -> dict[str, set[str]]:
    """Route -> rendered response paths."""
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ManifestError(f"cannot read the rendered-fields manifest {path}: {error}") from error
    if not isinstance(raw, dict) or raw.get("format") != MANIFEST_FORMAT or not isinstance(raw.get("routes"), dict):
        raise ManifestError(f"{path} is not a {MANIFEST_FORMAT} manifest (see parity/rendering.py)")
    routes: dict[str, set[str]] = {}
    for route, paths in raw["routes"].items():
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise ManifestError(f"{path}: routes[{route!r}] must be a list of response paths")
        routes[route] = set(paths)
    return routes


def unrendered(route: str, persona: str, received: set[str], rendered: set[str]) -> list[Gap]:
    """Received paths that no rendered path covers."""

    def covered(path: str) -> bool:
        parts = path.split(".")
        return any(".".join(parts[:n]) in rendered for n in range(1, len(parts) + 1))

    return [
        Gap(route, persona, GapClass.RENDERING, path, "received but not rendered (per the rendered-fields manifest)")
        for path in sorted(received)
        if not covered(path)
    ]


class _Coverage(Visitor):
    """Collects the (type, field) pairs a document selects and the composite types it reaches."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.selected: set[tuple[str, str]] = set()
        self.reached: set[str] = set()

    def enter_field(self, node: FieldNode, *_: object) -> None:
        parent = self.type_info.get_parent_type()
        if parent is not None:
            self.selected.add((parent.name, node.name.value))
        field_type = self.type_info.get_type()
        if field_type is not None:
            named = get_named_type(field_type)
            if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
                self.reached.add(named.name)


def coverage(schema: GraphQLSchema, document: str) -> tuple[set[tuple[str, str]], set[str]]:
    """(type, field) pairs the document selects, and the object and interface types it reaches."""
    info = TypeInfo(schema)
    visitor = _Coverage(info)
    visit(parse(document), TypeInfoVisitor(info, visitor))
    return visitor.selected, visitor.reached


def candidates(schema: GraphQLSchema, route_document: str, all_documents: list[str]) -> list[str]:
    """``Type.field`` of the types the route reaches that no committed operation selects."""
    selected: set[tuple[str, str]] = set()
    for text in all_documents:
        pairs, _ = coverage(schema, text)
        selected |= pairs
    _, reached = coverage(schema, route_document)
    found = []
    for type_name in sorted(reached):
        named = schema.get_type(type_name)
        assert isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
        implementers = {type_name}
        if isinstance(named, GraphQLInterfaceType):
            implementers |= {t.name for t in schema.get_possible_types(named)}
        else:  # a field selected through an interface the type implements is selected too
            implementers |= {i.name for i in named.interfaces}
        for field_name in sorted(named.fields):
            if not any((owner, field_name) in selected for owner in implementers):
                found.append(f"{type_name}.{field_name}")
    return found
