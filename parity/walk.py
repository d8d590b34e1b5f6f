"""Walks one response along its operation and the schema, recording what the classification needs: typed
states, lists and objects with or without data, the concrete types fragments matched, links, ids to open and
every leaf path received."""

from __future__ import annotations

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
from parity.scoping import Declaration, Declarations, Evidence, at, contradiction, read, selects

AVAILABILITY_TYPE = "Availability"
# Field names whose values are console links the page renders as navigation.
LINK_FIELDS = frozenset({"route", "link", "href", "launchRoute", "actionRoute"})
NOT_AVAILABLE = frozenset({"EMPTY", "UNAVAILABLE", "FUTURE"})


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
    # `@scopedTo`: paths the persona does not receive by a declared access rule -> the rule; paths of declared
    # fields that were null or empty where no rule applied; values that contradict a rule (path -> what).
    not_applicable: dict[str, Declaration] = field(default_factory=dict)
    unscoped: set[str] = field(default_factory=set)
    contradicted: dict[str, tuple[Declaration, str]] = field(default_factory=dict)
    evidence: dict[Declaration, Evidence] = field(default_factory=dict)
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

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, declarations: Declarations | None = None) -> None:
        self.schema = schema
        self.declarations = read(schema) if declarations is None else declarations
        self.persona = ""
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))

    def walk(self, data: dict[str, Any], into: Observation, *, opened: bool, persona: str) -> None:
        """Record one response's ``data`` for ``persona``; ``opened``: the route opened an object by its variables."""
        into.runs += 1
        self.persona = persona
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
            self._scope(owner.name, node.name.value, value, key, (*path, key), into)
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

    def _scope(
        self, type_name: str, name: str, parent: dict[str, Any], key: str, path: tuple[str, ...], into: Observation
    ) -> None:
        """Apply the field's `@scopedTo` declarations for the persona walked: what it does not receive is not
        applicable to it; a value a declaration rules out is recorded as a contradiction."""
        declared = self.declarations.get((type_name, name))
        if not declared:
            return
        where, value = ".".join(path), parent[key]
        applying = [d for d in declared if d.applies(self.persona, parent)]
        if not applying and value in (None, []):
            into.unscoped.add(where)
        for declaration in declared:
            evidence = into.evidence.setdefault(declaration, Evidence())
            broken = contradiction(declaration, value)
            if declaration not in applying:
                evidence.others_set += broken is not None
                continue
            evidence.applied += 1
            if declaration.held_by and isinstance(value, list):
                held_by = declaration.held_by
                evidence.holders.extend(at(item, held_by) for item in value if selects(item, held_by))
            if broken is not None:
                evidence.contradicted += 1
                into.contradicted.setdefault(where, (declaration, broken))
                continue
            for unseen in declaration.unseen or ("",):
                into.not_applicable.setdefault(f"{where}.{unseen}" if unseen else where, declaration)

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
