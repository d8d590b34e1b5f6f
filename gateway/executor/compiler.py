"""Building plans from a validated operation, and the bounded cache that keeps them.

Field collection is graphql-core's own (``collect_fields``/``collect_subfields``), run once per plan instead of
once per object per request, so merging, fragments and ``@skip``/``@include`` behave exactly as on the
standard path. What the compiler adds per field: the definition looked up once, how its value is found
(constant ``__typename``, attribute read, or resolver), literal arguments coerced once, and the completion of
its type (``gateway.executor.completion``).

Which documents compile: every one, on first use, into a bounded LRU cache (``GATEWAY_PLAN_CACHE_SIZE``).
The registered documents (``operations/``) are the ones that matter and are few; compiling a document costs
about what one standard execution spends collecting its fields, so a one-off document (GraphiQL, an
integrator's) pays little, and the LRU bound keeps arbitrary documents from growing memory. Documents the
compiler does not plan (``@defer``/``@stream``, resolve middleware, disabled
error propagation, fragment arguments, an abort signal) and very large texts run on the standard path,
counted on ``/metrics`` by reason.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from graphql import FieldNode, GraphQLObjectType, TypeNameMetaFieldDef, VariableNode
from graphql.execution.collect_fields import GroupedFieldSet, collect_fields, collect_subfields
from graphql.execution.values import get_argument_values

from gateway.executor import completion
from gateway.executor.direct import direct_call
from gateway.executor.plan import (
    DocumentPlans,
    FieldPlan,
    ObjectPlan,
    OperationPlan,
    UnsupportedOperation,
    condition_variables,
)
from gateway.telemetry.metrics import EXECUTOR_FALLBACKS, PLAN_CACHE_SIZE, PLANS_COMPILED

if TYPE_CHECKING:
    from gateway.executor.runner import CompiledExecutor

DEFAULT_CACHE_SIZE = 256
MAX_DOCUMENT_CHARS = 32_000  # as gateway.document_cache: larger texts are not kept


class PlanCache:
    """Plans by (schema, document text, operation name), least recently used evicted beyond ``maxsize``."""

    def __init__(self, maxsize: int = DEFAULT_CACHE_SIZE) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[tuple[int, str, str | None], DocumentPlans] = OrderedDict()
        self._lock = threading.Lock()

    def resize(self, maxsize: int) -> None:
        """Bound the cache to ``maxsize`` documents (the setting), evicting the oldest beyond it."""
        with self._lock:
            self.maxsize = maxsize
            self._trim()

    def get_or_create(self, key: tuple[int, str, str | None], create: Any) -> DocumentPlans:
        """The document's plans, created by ``create()`` on a miss."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        made: DocumentPlans = create()
        with self._lock:
            found = self._items.setdefault(key, made)
            self._items.move_to_end(key)
            self._trim()
        return found

    def _trim(self) -> None:
        while len(self._items) > self.maxsize:
            self._items.popitem(last=False)
        PLAN_CACHE_SIZE.set(len(self._items))

    def find(self, schema: Any, text: str, operation_name: str | None) -> DocumentPlans | None:
        """The plans of a document already compiled for ``schema`` (a GraphQLSchema), if any."""
        with self._lock:
            return self._items.get((id(schema), text, operation_name))

    def clear(self) -> None:
        """Forget every plan."""
        with self._lock:
            self._items.clear()
            PLAN_CACHE_SIZE.set(0)

    def __len__(self) -> int:
        return len(self._items)


plans = PlanCache()


def _fallback(reason: str) -> None:
    EXECUTOR_FALLBACKS.labels(reason=reason).inc()


def plan_for_operation(executor: CompiledExecutor) -> OperationPlan | None:
    """The executor's operation plan (compiled on first use), or None to run it on the standard path."""
    operation = executor.operation
    # A subscription's source stream is created on graphql-core's path (it never calls this); each event's
    # payload is executed by a per-event copy of the executor, from the plan.
    if executor.abort_signal is not None:
        _fallback("abort_signal")
        return None
    manager = executor.middleware_manager
    if manager is not None and manager.middlewares:
        _fallback("middleware")
        return None
    if not executor.error_propagation:
        _fallback("error_propagation_disabled")
        return None
    location = operation.loc
    if location is None or len(location.source.body) > MAX_DOCUMENT_CHARS:
        _fallback("document_size")
        return None
    name = operation.name.value if operation.name else None
    key = (id(executor.schema), location.source.body, name)
    fragments = executor.fragment_definitions
    document = plans.get_or_create(key, lambda: DocumentPlans(tuple(condition_variables(operation, fragments))))
    coerced = executor.variable_values.coerced
    condition = tuple(coerced.get(name, None) for name in document.condition_variables)
    plan = document.variants.get(condition)
    if plan is not None:
        return plan
    try:
        plan = compile_operation(executor)
    except UnsupportedOperation as unsupported:
        _fallback(unsupported.reason)
        return None
    except Exception:  # graphql-core's path reports whatever it is, the way it always has
        _fallback("compile_error")
        return None
    with document.lock:
        document.variants.setdefault(condition, plan)
    PLANS_COMPILED.inc()
    return plan


def compile_operation(executor: CompiledExecutor) -> OperationPlan:
    """Plan the executor's operation for its skip/include values (raises ``UnsupportedOperation``)."""
    body = executor.operation.loc.source.body if executor.operation.loc else ""
    if "@defer" in body or "@stream" in body:
        raise UnsupportedOperation("incremental_delivery")
    if any(definition.variable_definitions for definition in executor.fragment_definitions.values()):
        raise UnsupportedOperation("fragment_arguments")
    operation = executor.operation
    root_type = executor.schema.get_root_type(operation.operation)
    if root_type is None:
        raise UnsupportedOperation("missing_root_type")
    grouped, _defer_usages, _forbidden = collect_fields(
        executor.schema,
        executor.fragments,
        executor.variable_values,
        root_type,
        operation,
        executor.hide_suggestions,
    )
    root = _object_plan(executor, root_type, grouped)
    return OperationPlan(operation.operation, root, len(root.fields))


def plan_subfields(executor: CompiledExecutor, object_type: GraphQLObjectType, field: FieldPlan) -> ObjectPlan:
    """The plan of a field's sub-selections on one object type."""
    grouped, _defer_usages, _forbidden = collect_subfields(
        executor.schema,
        executor.fragments,
        executor.variable_values,
        executor.operation,
        object_type,
        field.details,
        executor.hide_suggestions,
    )
    return _object_plan(executor, object_type, grouped)


def _object_plan(executor: CompiledExecutor, object_type: GraphQLObjectType, grouped: GroupedFieldSet) -> ObjectPlan:
    fields: list[FieldPlan] = []
    for key, details in grouped.items():
        node: FieldNode = details[0].node
        definition = executor.schema.get_field(object_type, node.name.value)
        if definition is None:
            continue  # graphql-core skips it too (validation makes it unreachable)
        if any(detail.fragment_variable_values is not None for detail in details):
            raise UnsupportedOperation("fragment_arguments")
        plan = FieldPlan(key, object_type, definition, details, [detail.node for detail in details])
        if definition is TypeNameMetaFieldDef:
            plan.constant = object_type.name
        else:
            resolve = definition.resolve or executor.field_resolver
            plan.attribute = _attribute_of(definition, resolve)
            plan.resolve = resolve
            plan.has_arguments = bool(definition.args or node.arguments)
            if plan.has_arguments and not _reads_variables(node):
                try:
                    plan.literal_arguments = get_argument_values(
                        definition, node, executor.variable_values, None, executor.hide_suggestions
                    )
                except Exception:  # read per request, so the error is the field's, with its path
                    plan.literal_arguments = None
            if plan.attribute is None:
                plan.direct = direct_call(executor, plan)
        plan.complete, plan.completion_may_await = completion.build(definition.type, plan_subfields_for)
        plan.passthrough = completion.passthrough_type(definition.type)
        fields.append(plan)
    return ObjectPlan(object_type, fields)


def plan_subfields_for(executor: Any, object_type: GraphQLObjectType, field: FieldPlan) -> ObjectPlan:
    """``completion.PlanFor``: sub-selections planned on first use (kept on the field for ``census``)."""
    plan = field.subplans[object_type.name] = plan_subfields(executor, object_type, field)
    return plan


def _attribute_of(definition: Any, resolve: Any) -> str | None:
    """The attribute a Strawberry field without resolver, permission or extension reads; None otherwise."""
    if not getattr(resolve, "_is_default", False):
        return None
    strawberry_field = (definition.extensions or {}).get("strawberry-definition")
    if strawberry_field is None or not getattr(strawberry_field, "is_basic_field", False):
        return None
    if getattr(strawberry_field, "default_resolver", None) is not getattr:
        return None
    return str(strawberry_field.python_name)


def _reads_variables(node: FieldNode) -> bool:
    """Whether any argument of the field mentions a variable (then arguments are read per request)."""
    stack: list[Any] = [argument.value for argument in node.arguments or ()]
    while stack:
        value = stack.pop()
        if isinstance(value, VariableNode):
            return True
        stack.extend(getattr(value, "values", ()) or ())
        stack.extend(getattr(item, "value", None) for item in getattr(value, "fields", ()) or ())
    return False
