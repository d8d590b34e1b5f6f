"""Execution plans: what a validated operation fixes about every field it selects, worked out once.

A plan is built per (document text, operation name, values of the variables that ``@skip``/``@include`` read):
those values decide which fields are collected and how they merge, so a plan holds fields already merged
(fragments, inline fragments, aliases) with no directive left to evaluate. Each field records its definition,
the resolver to call (or, for a Strawberry field with no resolver, the attribute to read), its arguments when
they are all literals, and the completion of its return type (``gateway.executor.completion``). Selections
under an abstract type are planned per concrete type on first use, since the concrete types a response meets
are usually a few of the possible ones.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLOutputType,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.language import FragmentDefinitionNode, InlineFragmentNode
from graphql.language.ast import FragmentSpreadNode

Completion = Callable[..., Any]


class UnsupportedOperation(Exception):
    """The operation uses something the compiler does not plan: it runs on the standard executor."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(eq=False)
class FieldPlan:
    """One response key of a selection set, its field nodes merged."""

    key: str
    parent_type: GraphQLObjectType
    definition: GraphQLField
    details: FieldDetailsList
    nodes: list[FieldNode]
    # Exactly one of these says how the value is found: a constant (``__typename``), an attribute read
    # (a Strawberry field without resolver), or the resolver (which gets a ResolveInfo).
    constant: Any = None
    attribute: str | None = None
    resolve: Callable[..., Any] | None = None
    # The resolver's function called without Strawberry's wrapper (``gateway.executor.direct``), when it may be.
    direct: Callable[..., Any] | None = None
    literal_arguments: dict[str, Any] | None = None  # None: read the arguments per request (variables)
    has_arguments: bool = False
    complete: Completion | None = None  # set by the compiler once the return type's completion is built
    completion_may_await: bool = True
    passthrough: type | None = None  # a leaf's values of exactly this type are their own serialisation
    subplans: dict[str, ObjectPlan] = field(default_factory=dict)  # by concrete type, as completion plans them

    @property
    def return_type(self) -> GraphQLOutputType:
        """The field's declared type (with its non-null and list wrappers)."""
        return self.definition.type

    @property
    def name(self) -> str:
        """The field's schema name."""
        return self.nodes[0].name.value


@dataclass(eq=False)
class ObjectPlan:
    """The merged fields to execute on a value of one object type, in response order."""

    type: GraphQLObjectType
    fields: list[FieldPlan]


@dataclass(eq=False)
class OperationPlan:
    """The plan of one operation for one set of skip/include values."""

    operation_type: OperationType
    root: ObjectPlan
    field_count: int


@dataclass(eq=False)
class DocumentPlans:
    """Every plan of one (document text, operation name): one per set of skip/include variable values."""

    condition_variables: tuple[str, ...]
    variants: dict[tuple[Any, ...], OperationPlan] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def condition_variables(operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]) -> list[str]:
    """Names of the variables that ``@skip(if:)``/``@include(if:)`` read in the operation or its fragments."""
    found: dict[str, None] = {}
    seen_fragments: set[str] = set()

    def walk(selection_set: SelectionSetNode | None) -> None:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            for directive in selection.directives or ():
                if directive.name.value in ("skip", "include"):
                    for argument in directive.arguments or ():
                        if isinstance(argument.value, VariableNode):
                            found[argument.value.name.value] = None
            if isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in seen_fragments and name in fragments:
                    seen_fragments.add(name)
                    walk(fragments[name].selection_set)
            elif isinstance(selection, (FieldNode, InlineFragmentNode)):
                walk(selection.selection_set)

    walk(operation.selection_set)
    return list(found)


def census(plan: ObjectPlan) -> dict[str, int]:
    """How the planned fields find their values, over every (sub)plan built so far: ``constant`` (``__typename``),
    ``attribute`` (no resolver), ``direct`` (resolver called directly) and ``wrapper`` (Strawberry's wrapper)."""
    counts = {"constant": 0, "attribute": 0, "direct": 0, "wrapper": 0}
    stack = [plan]
    while stack:
        for field_plan in stack.pop().fields:
            if field_plan.constant is not None:
                counts["constant"] += 1
            elif field_plan.attribute is not None:
                counts["attribute"] += 1
            elif field_plan.direct is not None:
                counts["direct"] += 1
            else:
                counts["wrapper"] += 1
            stack.extend(field_plan.subplans.values())
    return counts
