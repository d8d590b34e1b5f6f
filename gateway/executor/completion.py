"""Completion of a field's value, specialised per return type when the plan is built.

Each builder returns a function ``complete(executor, field, info, path, result)`` doing exactly what
graphql-core's ``Executor.complete_value`` does for that type, without re-inspecting the type per value:
an exception value is raised, non-null checks its inner completion, lists complete each item under its
index, leaves coerce with the scalar's or enum's own ``coerce_output_value``, abstract types find their
concrete type the way the schema says (``resolve_type``, else ``__typename``, else each possible type's
``is_type_of``), objects check ``is_type_of`` and execute their planned fields. Rare and failing cases
(async iterables, a value that is not a list, an invalid concrete type) are handed to graphql-core's own
methods, so messages and behaviour stay exactly its own. ``info`` is None until some step needs it; then it is
built for the field, with the path of the value being completed (graphql-core passes list items the list field's
info: the only readers here, Strawberry's ``resolve_type``/``is_type_of``, read its schema and field name, not
its path).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from enum import Enum
from functools import cache
from math import isfinite
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLAbstractType,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    Undefined,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.executor import Executor, default_type_resolver, get_typename, invalid_return_type_error
from graphql.pyutils import is_iterable
from graphql.type.scalars import GRAPHQL_MAX_INT as MAX_INT
from graphql.type.scalars import GRAPHQL_MIN_INT as MIN_INT

from gateway.executor.plan import Completion, FieldPlan, ObjectPlan

if TYPE_CHECKING:
    from gateway.executor.runner import CompiledExecutor

PlanFor = Callable[["CompiledExecutor", GraphQLObjectType, FieldPlan], ObjectPlan]


@cache
def ignores_info(function: Callable[..., Any]) -> bool:
    """Whether a type check never reads its ``info`` (Strawberry's generated ``is_type_of(obj, _info)``)."""
    try:
        parameters = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return False
    return len(parameters) == 2 and parameters[1].startswith("_")


def build(return_type: GraphQLOutputType, plan_for: PlanFor) -> tuple[Completion, bool]:
    """The completion of ``return_type`` and whether it may return an awaitable."""
    if is_non_null_type(return_type):
        assert isinstance(return_type, GraphQLNonNull)
        inner, may_await = build(return_type.of_type, plan_for)
        return _non_null(inner), may_await
    if is_list_type(return_type):
        assert isinstance(return_type, GraphQLList)
        item, item_may_await = build(return_type.of_type, plan_for)
        return _list(return_type, item, item_may_await), True  # items themselves may be awaitable
    if is_leaf_type(return_type):
        return _leaf(return_type), False
    if is_abstract_type(return_type):
        return _abstract(return_type, plan_for), True
    if is_object_type(return_type):
        assert isinstance(return_type, GraphQLObjectType)
        return _object(return_type, plan_for), True
    raise TypeError(f"cannot plan the completion of {return_type!r}")  # pragma: no cover


def _non_null(inner: Completion) -> Completion:
    def complete(executor: CompiledExecutor, field: FieldPlan, info: Any, path: Any, result: Any) -> Any:
        if isinstance(result, Exception):
            raise result
        completed = inner(executor, field, info, path, result)
        if completed is None:
            raise TypeError(f"Cannot return null for non-nullable field {field.parent_type}.{field.name}.")
        return completed

    return complete


def passthrough_type(return_type: GraphQLOutputType) -> type | None:
    """The Python type whose values the (non-null) leaf type serialises as themselves: ``str`` for String and ID,
    ``bool`` for Boolean (graphql-core's ``serialize_string``/``serialize_id``/``serialize_boolean`` return them
    unchanged); None for every other type."""
    named = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
    if named is GraphQLString or named is GraphQLID:
        return str
    if named is GraphQLBoolean:
        return bool
    return None


def _enum_names(return_type: Any) -> dict[int, str]:
    """For an enum backed by a Python enum (Strawberry's), each member's serialised name by the member's id,
    worked out once with the type's own ``coerce_output_value`` (members are singletons, so ids are stable)."""
    wrapped = getattr(return_type, "wrapped_cls", None)
    if not isinstance(return_type, GraphQLEnumType) or not isinstance(wrapped, type) or not issubclass(wrapped, Enum):
        return {}
    names: dict[int, str] = {}
    for member in wrapped:
        try:
            names[id(member)] = return_type.coerce_output_value(member)
        except Exception:  # left to the per-value path, which raises it in place
            continue
    return names


def _leaf(return_type: Any) -> Completion:
    coerce = return_type.coerce_output_value
    same = passthrough_type(return_type)
    enum_names = _enum_names(return_type)
    enum_type = getattr(return_type, "wrapped_cls", None) if enum_names else None
    # serialize_int/serialize_float return an int in 32-bit range / a finite float unchanged
    bounded_int = int if return_type is GraphQLInt else None
    finite_float = float if return_type is GraphQLFloat else None

    def complete(executor: CompiledExecutor, field: FieldPlan, info: Any, path: Any, result: Any) -> Any:
        kind = type(result)
        if kind is same:
            return result
        if kind is enum_type:
            name = enum_names.get(id(result))
            if name is not None:
                return name
        elif kind is bounded_int:
            if MIN_INT <= result <= MAX_INT:
                return result
        elif kind is finite_float and isfinite(result):
            return result
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            return None
        coerced = coerce(result)
        if coerced is None or coerced is Undefined:
            return Executor.complete_leaf_value(return_type, result)  # raises graphql-core's own error
        return coerced

    return complete


def _list(return_type: GraphQLList[Any], item: Completion, item_may_await: bool) -> Completion:
    item_type = return_type.of_type

    def complete(executor: CompiledExecutor, field: FieldPlan, info: Any, path: Any, result: Any) -> Any:
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            return None
        if executor.is_async_iterable(result) or not is_iterable(result):
            info = info or executor.info_for(field, path)
            return executor.complete_list_value(return_type, field.details, info, path, result, None)
        return executor.complete_items(field, item_type, item, item_may_await, info, path, result)

    return complete


def _object(return_type: GraphQLObjectType, plan_for: PlanFor) -> Completion:
    is_type_of = return_type.is_type_of
    type_of_needs_info = is_type_of is not None and not ignores_info(is_type_of)
    plans: dict[int, ObjectPlan] = {}

    def complete(executor: CompiledExecutor, field: FieldPlan, info: Any, path: Any, result: Any) -> Any:
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            return None
        if is_type_of is not None:
            unmatched = _check_type_of(executor, return_type, type_of_needs_info, field, info, path, result)
            if unmatched is not _MATCHES:
                return unmatched
        plan = plans.get(0)
        if plan is None:
            plan = plans[0] = plan_for(executor, return_type, field)
        return executor.execute_plan(plan, result, path)

    return complete


_MATCHES = object()  # _check_type_of's answer when the value is of the type and its plan may run


def _check_type_of(
    executor: CompiledExecutor,
    object_type: GraphQLObjectType,
    needs_info: bool,
    field: FieldPlan,
    info: Any,
    path: Any,
    result: Any,
) -> Any:
    """Ask the type's ``is_type_of`` about a value: ``_MATCHES``, graphql-core's completion when the answer is
    awaitable, or the invalid-return-type error, as graphql-core raises it."""
    assert object_type.is_type_of is not None
    if needs_info:
        info = info or executor.info_for(field, path)
    matches = object_type.is_type_of(result, info)
    if executor.is_awaitable(matches):
        info = info or executor.info_for(field, path)
        executor.track_async_work([matches])
        return executor.complete_object_value(object_type, field.details, info, path, result, None)
    if not matches:
        raise invalid_return_type_error(object_type, result, field.details)
    return _MATCHES


def _abstract(return_type: GraphQLAbstractType, plan_for: PlanFor) -> Completion:
    resolve_type = return_type.resolve_type
    # concrete type name -> (type, its plan); filled as types are met
    concrete: dict[str, tuple[GraphQLObjectType, ObjectPlan]] = {}

    def complete(executor: CompiledExecutor, field: FieldPlan, info: Any, path: Any, result: Any) -> Any:
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            return None
        if resolve_type is not None:  # Strawberry's interfaces have one (it reads info.schema and field_name)
            info = info or executor.info_for(field, path)
            type_name: Any = resolve_type(result, info, return_type)
        elif executor.type_resolver is default_type_resolver:
            type_name = _type_name(executor, return_type, result)
        else:
            type_name = Undefined
        if type_name is Undefined:  # a custom type resolver, or an is_type_of that reads info: as graphql-core
            info = info or executor.info_for(field, path)
            return executor.complete_abstract_value(return_type, field.details, info, path, result, None)
        if executor.is_awaitable(type_name):
            return _complete_later(executor, field, info, path, result, type_name)
        return complete_as(executor, field, info, path, result, type_name)

    async def _complete_later(
        executor: CompiledExecutor, field: FieldPlan, info: Any, path: Any, result: Any, pending: Any
    ) -> Any:
        completed = complete_as(executor, field, info, path, result, await executor.with_abort_signal(pending))
        return await completed if executor.is_awaitable(completed) else completed

    def complete_as(
        executor: CompiledExecutor, field: FieldPlan, info: Any, path: Any, result: Any, type_name: Any
    ) -> Any:
        known = concrete.get(type_name) if isinstance(type_name, str) else None
        if known is None:
            info = info or executor.info_for(field, path)
            runtime_type = executor.ensure_valid_runtime_type(type_name, return_type, field.details, info, result)
            known = concrete[type_name] = (runtime_type, plan_for(executor, runtime_type, field))
        runtime_type, plan = known
        is_type_of = runtime_type.is_type_of
        if is_type_of is not None:
            needs_info = not ignores_info(is_type_of)
            unmatched = _check_type_of(executor, runtime_type, needs_info, field, info, path, result)
            if unmatched is not _MATCHES:
                return unmatched
        return executor.execute_plan(plan, result, path)

    return complete


def _type_name(executor: CompiledExecutor, abstract_type: GraphQLAbstractType, value: Any) -> Any:
    """graphql-core's default type resolution without its ResolveInfo: ``__typename``, else the first
    possible type whose ``is_type_of`` holds; Undefined when a check is awaitable or needs info (the caller
    then runs graphql-core's own resolution), None when no type matches (graphql-core's error follows)."""
    type_name = get_typename(value)
    if isinstance(type_name, str):
        return type_name
    for possible in executor.schema.get_possible_types(abstract_type):
        is_type_of = possible.is_type_of
        if is_type_of is None:
            continue
        if not ignores_info(is_type_of):
            return Undefined
        matches = is_type_of(value, None)  # type: ignore[arg-type]  # it ignores info
        if executor.is_awaitable(matches):
            executor.track_async_work([matches])
            return Undefined
        if matches:
            return possible.name
    return None
