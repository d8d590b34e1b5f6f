"""Calling a Strawberry resolver directly, without Strawberry's per-field wrapper.

Strawberry wraps every resolver in ``_resolver``/``_async_resolver`` → ``extension_resolver`` → ``get_arguments``
→ ``get_result``: per call it builds an ``Info`` over a graphql-core ResolveInfo, converts the arguments to their
Python values, runs the field extensions and calls the function. For a field with no field extension (permission
classes are one), no exception handler, no overridden ``get_result`` and the default ``Info`` class, all of that
is fixed by the plan: the function, whether it takes ``self``/``root``/``parent``/``info``, and, for literal
arguments, their converted values. ``direct_call`` decides once per field and returns the call, or None to keep
the wrapper.

Arguments: literals converted once per plan when every converted value is immutable (shared by every call),
else converted per call from the literal values; arguments that read variables are read and converted per call,
as Strawberry does. A conversion error of an async resolver is raised when its coroutine is awaited, where
Strawberry's ``_async_resolver`` raises it, so error order does not move.

``info``: a resolver that asks for it gets ``PlannedInfo``, a ``strawberry.Info`` whose ``context`` and ``path``
are read from the executor and whose graphql-core ResolveInfo (for ``selected_fields``, ``schema``, ...) is built
only when some other attribute is read.
"""

from __future__ import annotations

import datetime
import decimal
import enum
from collections.abc import Callable
from functools import cached_property
from inspect import iscoroutinefunction
from typing import TYPE_CHECKING, Any

from graphql.execution.values import get_argument_values
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments
from strawberry.types.base import StrawberryContainer, has_object_definition
from strawberry.types.field import StrawberryField
from strawberry.types.fields.resolver import StrawberryResolver
from strawberry.types.info import Info
from strawberry.types.lazy_type import LazyType
from strawberry.types.unset import UnsetType

from gateway.executor.plan import FieldPlan

if TYPE_CHECKING:
    from graphql.pyutils import Path

    from gateway.executor.runner import CompiledExecutor

DirectCall = Callable[["CompiledExecutor", FieldPlan, Any, "Path"], Any]

_IMMUTABLE = (str, int, float, bool, type(None), enum.Enum, UnsetType, decimal.Decimal, datetime.date, datetime.time)


class PlannedInfo(Info):
    """The ``strawberry.Info`` of a directly called resolver: context and path at hand, the rest built on demand."""

    def __init__(self, executor: CompiledExecutor, field: FieldPlan, path: Path, strawberry_field: Any) -> None:
        self._executor = executor
        self._plan = field
        self._at = path
        self._field = strawberry_field

    @cached_property
    def _raw_info(self) -> Any:  # type: ignore[override]
        """graphql-core's ResolveInfo for this field, as the wrapper would have passed it."""
        return self._executor.info_for(self._plan, self._at)

    @property
    def context(self) -> Any:
        """The request's context."""
        return self._executor.context_value

    @property
    def path(self) -> Path:
        """The response path of the field being resolved."""
        return self._at

    @property
    def field_name(self) -> str:
        """The field's schema name."""
        return self._plan.name


def direct_call(executor: CompiledExecutor, field: FieldPlan) -> DirectCall | None:
    """The direct call of the field's resolver, or None when Strawberry's wrapper must run."""
    strawberry_field = (field.definition.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(strawberry_field, StrawberryField):
        return None
    resolver = strawberry_field.base_resolver
    strawberry_schema = getattr(executor.schema, "_strawberry_schema", None)
    converter = getattr(strawberry_schema, "schema_converter", None)
    if resolver is None or strawberry_schema is None or not isinstance(converter, GraphQLCoreConverter):
        return None
    if not _plain(strawberry_field, resolver, converter, field.resolve):
        return None
    function = resolver.wrapped_func
    is_async = resolver.is_async
    if is_async and not iscoroutinefunction(function):
        return None  # an async generator, or a wrapped coroutine function: the wrapper keeps its timing
    try:
        arguments = _arguments(field, strawberry_field, converter, is_async)
    except _KeepWrapper:
        return None
    return _call(function, resolver, strawberry_field, arguments)


def _plain(strawberry_field: StrawberryField, resolver: Any, converter: GraphQLCoreConverter, resolve: Any) -> bool:
    """Whether the wrapper would do nothing but convert arguments, build ``Info`` and call the function."""
    if strawberry_field.extensions or getattr(strawberry_field, "permission_classes", None):
        return False
    if converter._get_field_exception_handlers(strawberry_field):
        return False
    if type(strawberry_field).get_result is not StrawberryField.get_result:
        return False
    if type(resolver).__call__ is not StrawberryResolver.__call__ or not callable(resolver.wrapped_func):
        return False
    if converter.config.info_class is not Info:
        return False
    if getattr(resolve, "__qualname__", "").rpartition(".")[2] not in ("_resolver", "_async_resolver"):
        return False  # not Strawberry's own wrapper (a custom resolve function)
    return not any(_builds_own_input(argument.type, set()) for argument in strawberry_field.arguments)


def _builds_own_input(type_: Any, seen: set[int]) -> bool:
    """Whether an argument type (or one nested in it) builds its value with ``from_input`` (which reads info)."""
    if isinstance(type_, LazyType):
        type_ = type_.resolve_type()
    if isinstance(type_, StrawberryContainer):
        return _builds_own_input(type_.of_type, seen)
    if not has_object_definition(type_) or id(type_) in seen:
        return False
    seen.add(id(type_))
    definition = type_.__strawberry_definition__
    if definition.from_input is not None:
        return True
    return any(_builds_own_input(item.resolve_type(type_definition=definition), seen) for item in definition.fields)


class _KeepWrapper(Exception):
    """The arguments cannot be prepared ahead: the field keeps Strawberry's wrapper."""


ArgumentsOf = Callable[["CompiledExecutor", FieldPlan], Any]  # a fresh kwargs dict, or an awaitable that raises


def _arguments(
    field: FieldPlan,
    strawberry_field: StrawberryField,
    converter: GraphQLCoreConverter,
    is_async: bool,
) -> dict[str, Any] | ArgumentsOf | None:
    """Fixed converted kwargs (a dict, or None when there are none) or a per-call converter; raises ``_KeepWrapper``."""
    declared = strawberry_field.arguments
    registry, config = converter.scalar_registry, converter.config
    if not field.has_arguments:
        return None
    if field.literal_arguments is not None:
        literal = field.literal_arguments
        try:
            converted = convert_arguments(literal, declared, scalar_registry=registry, config=config, info=None)
        except Exception as error:
            raise _KeepWrapper from error  # the wrapper raises it per call, as it always has
        if all(isinstance(value, _IMMUTABLE) for value in converted.values()):
            return converted
        return lambda _executor, _field: convert_arguments(literal, declared, registry, config, None)

    def per_request(executor: CompiledExecutor, field: FieldPlan) -> Any:
        first = field.details[0]
        values = get_argument_values(
            field.definition,
            first.node,
            executor.variable_values,
            first.fragment_variable_values,
            executor.hide_suggestions,
        )
        try:
            return convert_arguments(values, declared, registry, config, None)
        except Exception as error:
            if is_async:
                return _raise_when_awaited(error)
            raise

    return per_request


async def _raise_when_awaited(error: Exception) -> Any:
    raise error


def _call(function: Any, resolver: Any, strawberry_field: Any, arguments: Any) -> DirectCall:
    passes_self = resolver.self_parameter is not None
    source_names = tuple(
        parameter.name for parameter in (resolver.root_parameter, resolver.parent_parameter) if parameter is not None
    )
    info_parameter = resolver.info_parameter
    info_name = info_parameter.name if info_parameter is not None else None
    fixed: dict[str, Any] = arguments if isinstance(arguments, dict) else {}
    per_call: ArgumentsOf | None = arguments if callable(arguments) else None

    if per_call is None and not source_names and info_name is None:
        if passes_self:
            return lambda executor, field, source, path: function(source, **fixed)
        return lambda executor, field, source, path: function(**fixed)

    def call(executor: CompiledExecutor, field: FieldPlan, source: Any, path: Path) -> Any:
        if per_call is not None:
            kwargs = per_call(executor, field)
            if not isinstance(kwargs, dict):
                return kwargs  # an async resolver's conversion error, raised when awaited
        else:
            kwargs = dict(fixed)
        for name in source_names:
            kwargs[name] = source
        if info_name is not None:
            kwargs[info_name] = PlannedInfo(executor, field, path, strawberry_field)
        return function(source, **kwargs) if passes_self else function(**kwargs)

    return call
