"""Walks one response along its operation and the schema, recording what the classification needs: typed
states, lists and objects with or without data, the concrete types fragments matched, links, ids to open and
every leaf path received."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)

from gateway.errors import BadUserInput
from gateway.ids import decode_global_id

AVAILABILITY_TYPE = "Availability"
# Field names whose values are console links the page renders as navigation.
LINK_FIELDS = frozenset({"route", "link", "href", "launchRoute", "actionRoute"})
NOT_AVAILABLE = frozenset({"EMPTY", "UNAVAILABLE", "FUTURE"})
# A field the schema documents as "(null for the owner)" / "(null for platform operators)": null is a role
# condition when a sibling enum value of the same object names that role (kind OWNER, persona OPERATOR).
_NULL_FOR_ROLE = re.compile(r"\(null for (?:the |platform )?([a-z_]+?)s?\)", re.IGNORECASE)


@dataclass(frozen=True)
class TypedState:
    """An Availability object in a response."""

    path: str
    state: str
    gap: str | None
    reason: str | None
    link: str | None
    classified: bool = True  # the operation selects `gap`; without it a runtime condition and a gap look alike


@dataclass(frozen=True)
class Harvested:
    """An object a list offered, that a detail route may open: its id (or slug) and what kind of object it is."""

    kind: str  # "Workload" (type of a global id) or "App.slug" (a type's field)
    value: str
    variety: str  # __typename, kind, provider or status: detail pages are opened once per variety
    running: bool


@dataclass
class Observation:
    """Everything recorded for one route and persona, over every set of variables it was opened with."""

    runs: int = 0
    lists_with_data: set[str] = field(default_factory=set)
    lists_empty: set[str] = field(default_factory=set)
    objects_with_data: set[str] = field(default_factory=set)
    objects_null: set[str] = field(default_factory=set)
    excused: set[str] = field(default_factory=set)  # empty or null next to a non-available typed state
    role_conditions: dict[str, str] = field(default_factory=dict)  # path -> the schema's words for the null
    states: list[TypedState] = field(default_factory=list)
    fragments_declared: set[tuple[str, str]] = field(default_factory=set)
    fragments_matched: set[tuple[str, str]] = field(default_factory=set)
    root_kinds: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    root_kind_values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    links: set[tuple[str, str]] = field(default_factory=set)
    received: set[str] = field(default_factory=set)
    harvest: list[Harvested] = field(default_factory=list)


def _unwrap(kind: Any) -> Any:
    return kind.of_type if isinstance(kind, GraphQLNonNull) else kind


class ResponseWalker:
    """Walks responses of one operation document."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self.schema = schema
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))

    def walk(self, data: dict[str, Any], into: Observation, *, opened: bool) -> None:
        """Record one response's ``data``; ``opened``: the route opened an object by its variables."""
        into.runs += 1
        root = self.schema.query_type
        assert root is not None
        self._object(self.operation.selection_set, root, data, (), into, depth=0, opened=opened)

    def _selections(
        self, selections: SelectionSetNode, parent: GraphQLNamedType
    ) -> list[tuple[FieldNode, GraphQLNamedType, str | None]]:
        """Fields of a selection set with fragments flattened: (field, type it is looked up on, type condition)."""
        found: list[tuple[FieldNode, GraphQLNamedType, str | None]] = []
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                found.append((selection, parent, None))
                continue
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition.name.value if selection.type_condition else None
                inner = selection.selection_set
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                condition, inner = fragment.type_condition.name.value, fragment.selection_set
            else:  # pragma: no cover - graphql-core has no other selection kind
                continue
            owner = self.schema.get_type(condition) if condition else parent
            assert owner is not None
            narrowing = condition if condition and condition != parent.name else None
            for node, looked_up, inner_condition in self._selections(inner, owner):
                found.append((node, looked_up, inner_condition or narrowing))
        return found

    def _object(
        self,
        selections: SelectionSetNode,
        parent: GraphQLNamedType,
        value: dict[str, Any],
        path: tuple[str, ...],
        into: Observation,
        *,
        depth: int,
        opened: bool,
        covered: bool = False,
    ) -> None:
        flat = self._selections(selections, parent)
        unconditional = {(n.alias or n.name).value for n, _, c in flat if c is None}
        excused = covered or any(_not_available(v) for v in value.values())
        roles = self._enum_values(flat, value)
        self._harvest(parent, value, into)
        where = ".".join(path)
        for node, owner, condition in flat:
            key = (node.alias or node.name).value
            if condition is not None:
                into.fragments_declared.add((where, condition))
            if key not in value or node.name.value == "__typename":
                continue  # a fragment on another concrete type
            if condition is not None and key not in unconditional:
                into.fragments_matched.add((where, condition))
            assert isinstance(owner, GraphQLObjectType | GraphQLInterfaceType)
            definition = owner.fields[node.name.value]
            if value[key] is None and node.selection_set is not None and _null_for_role(definition.description, roles):
                into.role_conditions[".".join((*path, key))] = definition.description or ""
            # `network` next to a non-available `networkAvailability`: the state covers the whole subtree
            under = covered or _not_available(value.get(f"{key}Availability"))
            self._value(node, definition.type, value[key], (*path, key), into, excused, depth, opened, under)

    def _value(
        self,
        node: FieldNode,
        declared: Any,
        value: Any,
        path: tuple[str, ...],
        into: Observation,
        excused: bool,
        depth: int,
        opened: bool,
        covered: bool = False,
    ) -> None:
        where = ".".join(path)
        named = get_named_type(declared)
        is_list = isinstance(_unwrap(declared), GraphQLList)
        if value is None:
            if node.selection_set is not None or is_list:
                into.objects_null.add(where)
                if excused:
                    into.excused.add(where)
            return
        if is_list:
            (into.lists_with_data if value else into.lists_empty).add(where)
            if not value and excused:
                into.excused.add(where)
            for item in value:
                self._item(node, named, item, path, into, depth, opened, covered)
            return
        into.objects_with_data.add(where) if node.selection_set is not None else None
        self._item(node, named, value, path, into, depth, opened, covered)

    def _item(
        self,
        node: FieldNode,
        named: GraphQLNamedType,
        value: Any,
        path: tuple[str, ...],
        into: Observation,
        depth: int,
        opened: bool,
        covered: bool = False,
    ) -> None:
        where = ".".join(path)
        if isinstance(value, dict) and node.selection_set is not None:
            if named.name == AVAILABILITY_TYPE:
                into.states.append(
                    TypedState(
                        where,
                        str(value.get("state")),
                        value.get("gap"),
                        value.get("reason"),
                        value.get("link"),
                        "gap" in value,
                    )
                )
            self._object(node.selection_set, named, value, path, into, depth=depth + 1, opened=opened, covered=covered)
            return
        if value is None:
            return
        into.received.add(where)
        name = node.name.value
        if isinstance(named, GraphQLEnumType) and name == "kind" and opened and depth == 1:
            into.root_kinds[where].add(str(value))
            into.root_kind_values[where] = tuple(named.values)
        if name in LINK_FIELDS and isinstance(value, str) and value.startswith("/"):
            into.links.add((where, value))

    @staticmethod
    def _enum_values(flat: list[tuple[FieldNode, GraphQLNamedType, str | None]], value: dict[str, Any]) -> set[str]:
        """The object's enum values (lower case): the roles a "(null for the ...)" description may name."""
        found: set[str] = set()
        for node, owner, _ in flat:
            key = (node.alias or node.name).value
            definition = getattr(owner, "fields", {}).get(node.name.value)
            is_enum = definition is not None and isinstance(get_named_type(definition.type), GraphQLEnumType)
            if is_enum and isinstance(value.get(key), str):
                found.add(value[key].lower())
        return found

    def _harvest(self, parent: GraphQLNamedType, value: dict[str, Any], into: Observation) -> None:
        variety = value.get("__typename") or value.get("kind") or value.get("provider") or value.get("status") or ""
        if isinstance(variety, dict):  # a provider object
            variety = variety.get("provider") or ""
        running = value.get("status") == "RUNNING"
        if isinstance(value.get("id"), str):
            try:
                type_name, _ = decode_global_id(value["id"])
            except BadUserInput:  # plain ids (events, activity) open nothing
                type_name = ""
            if type_name:
                into.harvest.append(Harvested(type_name, value["id"], str(variety), running))
        if isinstance(value.get("slug"), str):
            into.harvest.append(Harvested(f"{parent.name}.slug", value["slug"], str(variety), running))


def _not_available(value: Any) -> bool:
    """A typed state (Availability) saying the data is not there, with its reason."""
    return isinstance(value, dict) and value.get("state") in NOT_AVAILABLE and "reason" in value


def _null_for_role(description: str | None, roles: set[str]) -> bool:
    """The field's description says it is null for a role one of its object's enum values names."""
    match = _NULL_FOR_ROLE.search(description or "")
    return match is not None and match.group(1).lower() in roles
