"""Static analysis of a GraphQL document: depth, aliases, root fields, directives and cost.

Linear in the size of the document: each fragment is analysed once per list-size hint and its
result reused at every spread (multiplicities are multiplied, not re-walked), so a fragment
"bomb" (``fragment F0 { ...F1 ...F1 } fragment F1 { ...F2 ...F2 } ...``) costs as much to analyse
as it is long, and its exponential alias count or cost is computed exactly, then refused. Cycles
are cut (graphql-core's validation reports them). Strawberry's own ``QueryDepthLimiter`` and
``MaxAliasesLimiter`` re-walk every spread, which is exponential in such documents.

Cost model (static, like Shopify's requested cost): a field returning an object costs 1, a scalar
or enum 0; a list multiplies its selection's cost by its size: the ``first`` argument of the field,
or of the connection above it for ``edges``/``nodes``, the length of an ``ids`` list, otherwise
``default_list_size``. Introspection (``__schema``, ``__type``) is costed like any selection, its lists
sized by the schema itself (``introspection_sizes``: ``types`` is every type, ``fields`` the fields per
type on average, ...), so asking for the schema twenty times costs twenty schemas; ``ofType`` (the type a
list or non-null wraps) is free, so a client's usual introspection query (about 6,500 points on this
schema) fits the default limit. Introspection is not counted in depth (its type references nest by
design); ``__typename`` costs nothing.

``document_shape`` is a second, schema-free walk over the whole document (every operation and every
fragment, as graphql-core's validation walks it) bounding what validation would compare: the field
selections with each fragment expanded where it is spread, the pairs of fields sharing a response name
(and of fragments spread) at one place, and the operations. graphql-core's ``OverlappingFieldsCanBeMerged``
compares every such pair, so a document repeating one field a thousand times costs a second to validate;
the walk refuses it first.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    VariableNode,
    get_named_type,
    is_composite_type,
)

CAP = 10**15  # numbers past this are "too many" anyway; keeps arithmetic small
INTROSPECTION_ROOTS = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}
FREE_OBJECTS = {("__Type", "ofType")}  # a wrapped type's reference: one object, nested a few levels at most


@dataclass(frozen=True)
class Metrics:
    """What a selection set (or a whole operation) amounts to."""

    depth: int = 0
    aliases: int = 0
    fields: int = 0  # fields directly in the selection set (root fields, for an operation)
    cost: int = 0

    def plus(self, other: Metrics, times: int = 1) -> Metrics:
        """Siblings: depths max, counts add (``times`` copies of ``other``)."""
        return Metrics(
            depth=max(self.depth, other.depth),
            aliases=min(CAP, self.aliases + times * other.aliases),
            fields=min(CAP, self.fields + times * other.fields),
            cost=min(CAP, self.cost + times * other.cost),
        )


@dataclass(frozen=True)
class DocumentReport:
    """The operation's metrics plus document-wide counts."""

    operation: Metrics
    directives: int
    visited: int  # selection sets walked: linear in the document, whatever it spreads


@dataclass(frozen=True)
class Shape:
    """What graphql-core's validation walks and compares in a whole document (``document_shape``)."""

    selections: int  # field selections, each fragment expanded where it is spread (counting stops past the limit)
    pairs: int  # pairs of fields sharing a response name, and of fragments, at one place: what validation compares
    most_repeated: int  # the most fields sharing one response name at one place
    operations: int  # operation definitions (validation checks each one's variables through its fragments)
    schema_introspections: int = 0  # ``__schema`` selections (fragments expanded): each walks the whole schema


class _Analyzer:
    def __init__(
        self,
        schema: GraphQLSchema | None,
        document: DocumentNode,
        variables: Mapping[str, Any] | None,
        default_list_size: int,
    ) -> None:
        self.schema = schema
        self.variables = variables or {}
        self.default_list_size = default_list_size
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.memo: dict[tuple[str, int | None], Metrics] = {}
        self.in_progress: set[str] = set()
        self.variable_defaults: dict[str, Any] = {}
        self.visited = 0

    def operation(self, operation: OperationDefinitionNode) -> Metrics:
        self.variable_defaults = {
            d.variable.name.value: _literal(d.default_value, {}) for d in operation.variable_definitions or ()
        }
        root: GraphQLNamedType | None = None
        if self.schema is not None:
            root = {
                OperationType.QUERY: self.schema.query_type,
                OperationType.MUTATION: self.schema.mutation_type,
                OperationType.SUBSCRIPTION: self.schema.subscription_type,
            }[operation.operation]
        return self.selection_set(operation.selection_set, root, None)

    def selection_set(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None, hint: int | None
    ) -> Metrics:
        self.visited += 1
        total = Metrics()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total = total.plus(self.field(selection, parent, hint))
            elif isinstance(selection, InlineFragmentNode):
                condition = self.type_named(selection.type_condition.name.value) if selection.type_condition else parent
                total = total.plus(self.selection_set(selection.selection_set, condition, hint))
            elif isinstance(selection, FragmentSpreadNode):
                total = total.plus(self.fragment(selection.name.value, hint))
        return total

    def fragment(self, name: str, hint: int | None) -> Metrics:
        key = (name, hint)
        if key in self.memo:
            return self.memo[key]
        definition = self.fragments.get(name)
        if definition is None or name in self.in_progress:
            return Metrics()  # unknown fragment or a cycle: validation reports both
        self.in_progress.add(name)
        try:
            found = self.selection_set(
                definition.selection_set, self.type_named(definition.type_condition.name.value), hint
            )
        finally:
            self.in_progress.discard(name)
        self.memo[key] = found
        return found

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, hint: int | None) -> Metrics:
        alias = 1 if node.alias is not None else 0
        name = node.name.value
        definition = INTROSPECTION_ROOTS.get(name) or _field_of(parent, name)
        if name.startswith("__") and name not in INTROSPECTION_ROOTS:  # __typename (others: validation says)
            inner = self.selection_set(node.selection_set, None, None) if node.selection_set else Metrics()
            return Metrics(depth=0, aliases=alias + inner.aliases, fields=1, cost=inner.cost)
        named = get_named_type(definition.type) if definition is not None else None
        composite = node.selection_set is not None if named is None else is_composite_type(named)
        free = parent is not None and (parent.name, name) in FREE_OBJECTS
        first = self.argument(node, "first", definition)
        children = Metrics()
        if node.selection_set is not None:
            children = self.selection_set(node.selection_set, named, first if isinstance(first, int) else None)
        own = Metrics(
            depth=1 + children.depth,
            aliases=alias + children.aliases,
            fields=1,
            cost=min(CAP, (1 if composite and not free else 0) + children.cost),
        )
        if definition is not None and _is_list(definition.type) and composite:
            size = self.list_size(node, definition, first, hint, parent)
            own = Metrics(depth=own.depth, aliases=own.aliases, fields=1, cost=min(CAP, own.cost * size))
        if name in INTROSPECTION_ROOTS:
            own = replace(own, depth=0)
        return own

    def list_size(
        self, node: FieldNode, definition: GraphQLField, first: Any, hint: int | None, parent: GraphQLNamedType | None
    ) -> int:
        if parent is not None and parent.name.startswith("__") and self.schema is not None:
            return introspection_sizes(self.schema).get((parent.name, node.name.value), 1)
        if isinstance(first, int):
            return max(0, first)
        ids = self.argument(node, "ids", definition)
        if isinstance(ids, list):
            return len(ids)
        return hint if hint is not None else self.default_list_size

    def argument(self, node: FieldNode, name: str, definition: GraphQLField | None) -> Any:
        for argument in node.arguments or ():
            if argument.name.value == name:
                value = _literal(argument.value, self.variables, self.variable_defaults)
                if isinstance(argument.value, VariableNode) and value is None:
                    break  # variable not given: the argument's default applies
                return value
        if definition is not None and name in definition.args:
            default = definition.args[name].default_value
            return default if isinstance(default, (int, list)) else None
        return None

    def type_named(self, name: str) -> GraphQLNamedType | None:
        return self.schema.get_type(name) if self.schema is not None else None


def analyse(
    document: DocumentNode,
    *,
    schema: GraphQLSchema | None,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    default_list_size: int,
) -> DocumentReport | None:
    """Metrics of the operation to run (None when the document names no such operation)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name is not None and o.name.value == operation_name]
    if len(operations) != 1:
        return None  # graphql-core reports the missing or ambiguous operation
    analyzer = _Analyzer(schema, document, variables, default_list_size)
    metrics = analyzer.operation(operations[0])
    return DocumentReport(operation=metrics, directives=count_directives(document), visited=analyzer.visited)


def document_shape(document: DocumentNode, max_selections: int = CAP) -> Shape:
    """The whole document's shape, walked place by place: a place is one response position, where the fields
    of every selection set at that position (sibling fields of one response name, inline fragments, fragments
    spread there, once each) merge, as graphql-core merges them. Linear: the walk stops once it has counted
    more than ``max_selections`` selections (a fragment spread in many places is expanded in each)."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    places: list[tuple[list[SelectionSetNode], frozenset[str]]] = [
        ([d.selection_set], frozenset((d.name.value,)) if isinstance(d, FragmentDefinitionNode) else frozenset())
        for d in document.definitions
        if isinstance(d, (OperationDefinitionNode, FragmentDefinitionNode))
    ]
    operations = sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)
    selections = pairs = most_repeated = schemas = 0
    while places:
        sets, outer = places.pop()
        counts: dict[str, int] = {}
        children: dict[str, list[SelectionSetNode]] = {}
        expanded = set(outer)  # fragments expanded here or around here: a cycle is not followed (validation says)
        while sets:
            for selection in sets.pop().selections:
                if isinstance(selection, FieldNode):
                    selections += 1
                    if selections > max_selections:
                        return Shape(selections, pairs, most_repeated, operations, schemas)
                    schemas += selection.name.value == "__schema"
                    key = (selection.alias or selection.name).value
                    counts[key] = counts.get(key, 0) + 1
                    if selection.selection_set is not None:
                        children.setdefault(key, []).append(selection.selection_set)
                elif isinstance(selection, InlineFragmentNode):
                    sets.append(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    if name not in expanded and name in fragments:
                        expanded.add(name)
                        sets.append(fragments[name].selection_set)
        spread_here = len(expanded) - len(outer)
        pairs += spread_here * (spread_here - 1) // 2
        for count in counts.values():
            pairs += count * (count - 1) // 2
            most_repeated = max(most_repeated, count)
        inside = frozenset(expanded)
        places.extend((found, inside) for found in children.values())
    return Shape(selections, pairs, most_repeated, operations, schemas)


@functools.lru_cache(maxsize=8)
def introspection_sizes(schema: GraphQLSchema) -> dict[tuple[str, str], int]:
    """The sizes of the introspection lists on this schema: whole lists, or averages per type (rounded up)."""
    types = list(schema.type_map.values())
    outputs = [t for t in types if isinstance(t, (GraphQLObjectType, GraphQLInterfaceType))]
    fields = [field for t in outputs for field in t.fields.values()]

    def average(total: int, over: int) -> int:
        return max(1, math.ceil(total / max(1, over)))

    return {
        ("__Schema", "types"): len(types),
        ("__Schema", "directives"): max(1, len(schema.directives)),
        ("__Type", "fields"): average(len(fields), len(types)),
        ("__Type", "interfaces"): average(sum(len(t.interfaces) for t in outputs), len(types)),
        ("__Type", "possibleTypes"): average(
            sum(
                len(schema.get_possible_types(t))
                for t in types
                if isinstance(t, (GraphQLInterfaceType, GraphQLUnionType))
            ),
            len(types),
        ),
        ("__Type", "enumValues"): average(
            sum(len(t.values) for t in types if isinstance(t, GraphQLEnumType)), len(types)
        ),
        ("__Type", "inputFields"): average(
            sum(len(t.fields) for t in types if isinstance(t, GraphQLInputObjectType)), len(types)
        ),
        ("__Field", "args"): average(sum(len(field.args) for field in fields), len(fields)),
        ("__Directive", "args"): average(sum(len(d.args) for d in schema.directives), len(schema.directives)),
    }


def count_directives(document: DocumentNode) -> int:
    """Directive uses anywhere in the document (each node visited once)."""
    count = 0
    stack: list[Any] = list(document.definitions)
    while stack:
        node = stack.pop()
        count += len(getattr(node, "directives", None) or ())
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            stack.extend(selection_set.selections)
        stack.extend(getattr(node, "variable_definitions", None) or ())
    return count


def _field_of(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
        field: GraphQLField | None = parent.fields.get(name)  # Any to mypy: graphql-core's cached_property
        return field
    return None


def _is_list(type_: Any) -> bool:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def _literal(value: Any, variables: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> Any:
    """An argument's value when it is an int or a list (through variables); None otherwise."""
    if value is None:
        return None
    if isinstance(value, VariableNode):
        name = value.name.value
        given = variables.get(name, (defaults or {}).get(name))
        return given if isinstance(given, (int, list)) and not isinstance(given, bool) else None
    if isinstance(value, IntValueNode):
        try:
            return int(value.value)
        except ValueError:
            return None
    if isinstance(value, ListValueNode):
        return list(value.values)
    return None
