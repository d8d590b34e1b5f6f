"""The schema's `@scopedTo` declarations: fields whose nullness or list contents depend on who asks.

Read from the SDL the gateway prints (or the SDL a schema was built from), never from description wording. A
declaration turns a variant a persona never receives into "not applicable to this persona"; a response that
contradicts a declaration is blocking (a declaration that lies would hide a real gap).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DefinitionNode,
    DocumentNode,
    GraphQLSchema,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    parse,
    value_from_ast_untyped,
)

DIRECTIVE = "scopedTo"
NULL, NO_ITEMS, OWN_ITEMS = "NULL", "NO_ITEMS", "OWN_ITEMS"
_TYPE_NODES = (
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
)


@dataclass(frozen=True)
class Declaration:
    """One `@scopedTo` on ``type_name.field_name``. Personas are the pass's persona names (``member``)."""

    type_name: str
    field_name: str
    gets: str  # NULL | NO_ITEMS | OWN_ITEMS
    reason: str
    personas: frozenset[str] = frozenset()  # empty: every viewer
    when_field: str | None = None
    when_values: frozenset[str] = frozenset()
    held_by: str | None = None
    unseen: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        """``Type.field``."""
        return f"{self.type_name}.{self.field_name}"

    def applies(self, persona: str, parent: dict[str, Any]) -> bool:
        """The rule holds for this persona on this object (its ``when`` field, when it has one, is selected)."""
        if self.personas and persona not in self.personas:
            return False
        if self.when_field is None:
            return True
        return parent.get(self.when_field) in self.when_values

    def words(self) -> str:
        """The declaration for a report: what it says and where it is declared."""
        who = ", ".join(sorted(self.personas)) or "every viewer"
        if self.when_field:
            who += f" where {self.when_field} is {'/'.join(sorted(self.when_values))}"
        gets = {NULL: "null", NO_ITEMS: "no items", OWN_ITEMS: "their own items only"}.get(self.gets, self.gets)
        return f"{self.reason} (@{DIRECTIVE} on {self.where}: {gets} for {who})"


Declarations = dict[tuple[str, str], list[Declaration]]


@dataclass
class Evidence:
    """What responses showed of one declaration: how often it applied and held, how often viewers or objects it
    does not name received what it rules out (a rule, not missing data), and, for OWN_ITEMS, each item's holder."""

    applied: int = 0
    contradicted: int = 0
    others_set: int = 0
    holders: list[Any] = field(default_factory=list)

    def add(self, other: Evidence) -> None:
        """Merge another observation's evidence of the same declaration."""
        self.applied += other.applied
        self.contradicted += other.contradicted
        self.others_set += other.others_set
        self.holders.extend(other.holders)


def read(schema: GraphQLSchema) -> Declarations:
    """The declarations of a schema: from the SDL a Strawberry schema prints (``gateway schema``), or from the
    AST of a schema built from SDL."""
    printer = schema.extensions.get("strawberry-definition")
    if printer is not None and hasattr(printer, "as_str"):
        return from_sdl(printer.as_str())
    nodes: list[DefinitionNode] = []
    for named in schema.type_map.values():
        defined = getattr(named, "ast_node", None)
        if defined is not None:
            nodes.append(defined)
        nodes.extend(getattr(named, "extension_ast_nodes", None) or ())
    return from_document(DocumentNode(definitions=tuple(nodes)))


def from_sdl(sdl: str) -> Declarations:
    """The declarations an SDL text carries."""
    return from_document(parse(sdl))


def from_document(document: DocumentNode) -> Declarations:
    """The declarations on the fields of a parsed SDL document."""
    found: Declarations = {}
    for definition in document.definitions:
        if not isinstance(definition, _TYPE_NODES):
            continue
        for declared in definition.fields or ():
            for directive in declared.directives or ():
                if directive.name.value != DIRECTIVE:
                    continue
                arguments = {a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments or ()}
                key = (definition.name.value, declared.name.value)
                found.setdefault(key, []).append(_declaration(key, arguments))
    return found


def _declaration(key: tuple[str, str], arguments: dict[str, Any]) -> Declaration:
    return Declaration(
        type_name=key[0],
        field_name=key[1],
        gets=str(arguments["gets"]),
        reason=str(arguments.get("reason") or ""),
        personas=frozenset(str(p).lower() for p in arguments.get("personas") or ()),
        when_field=arguments.get("whenField"),
        when_values=frozenset(str(v) for v in arguments.get("whenValues") or ()),
        held_by=arguments.get("heldBy"),
        unseen=tuple(str(u) for u in arguments.get("unseen") or ()),
    )


def at(item: Any, path: str) -> Any:
    """The value at a dotted path inside one response object (None where any step is missing)."""
    for step in path.split("."):
        if not isinstance(item, dict):
            return None
        item = item.get(step)
    return item


def selects(item: Any, path: str) -> bool:
    """The response object holds the dotted path's fields (a null on the way counts: the field was selected)."""
    for step in path.split("."):
        if not isinstance(item, dict) or step not in item:
            return False
        item = item[step]
        if item is None:
            return True
    return True


def contradiction(declaration: Declaration, value: Any) -> str | None:
    """What in ``value`` (the field's value for a viewer the declaration names) the declaration says cannot be
    there, or None when the value keeps to it."""
    if declaration.gets == NULL and value is not None:
        return "has a value"
    if declaration.gets == NO_ITEMS and value:
        return f"has {len(value)} item(s)"
    if declaration.gets == OWN_ITEMS and isinstance(value, list):
        for index, item in enumerate(value):
            for path in declaration.unseen:
                if at(item, path) is not None:
                    return f"item {index} has {path} set"
    return None
