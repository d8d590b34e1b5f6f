"""The compiled executor: graphql-core's ``Executor`` whose operations run from a cached plan.

``CompiledExecutor`` is the schema's ``execution_context_class``; Strawberry builds one per request as
usual, so parsing, validation, every extension hook and error formatting are unchanged. Only
``execute_operation`` differs: with a plan (``gateway.executor.compiler``) the fields are executed from it,
mirroring graphql-core's ``execute_fields``/``execute_field``/``complete_*`` step for step (one coroutine per
field that awaits, the same gathers, the same error collection and null propagation), minus the work a plan
already did. A field without resolver is an attribute read: no ResolveInfo, no awaitable probe when its type is
a leaf; a plain resolver is called directly (``gateway.executor.direct``), with an ``Info`` only if it takes one.
Operations the compiler does not plan, and every request whose context asks for ``GATEWAY_EXECUTOR=standard``,
run on graphql-core's own path.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from graphql import ExecutionResult, GraphQLError, GraphQLObjectType, GraphQLOutputType, OperationType, Undefined
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path
from graphql.pyutils.gather_with_cancel import gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gateway.executor import compiler
from gateway.executor.plan import Completion, FieldPlan, ObjectPlan

STANDARD = "standard"
COMPILED = "compiled"


class CompiledExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, running planned operations from their plan."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        """Execute from the operation's plan, or on graphql-core's path when there is none."""
        if getattr(getattr(self.context_value, "settings", None), "executor", COMPILED) == STANDARD:
            return super().execute_operation(serially)
        plan = compiler.plan_for_operation(self)
        if plan is None:
            return super().execute_operation(serially)
        try:
            if serially is None:
                serially = plan.operation_type == OperationType.MUTATION
            root = plan.root
            if serially:
                result = self.execute_plan_serially(root, self.root_value)
            else:
                result = self.execute_plan(root, self.root_value, None)
            if self.is_awaitable(result):
                return self._await_response(result)
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self.finish(self.build_response(None))
        return self.finish(self.build_response(result))

    async def _await_response(self, result: Awaitable[dict[str, Any]]) -> ExecutionResult:
        try:
            data = await result
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self.build_response(None)  # type: ignore[return-value]
        return self.build_response(data)  # type: ignore[return-value]

    def info_for(self, field: FieldPlan, path: Path) -> Any:
        """The ResolveInfo graphql-core would pass for this field (built only when something reads it)."""
        return self.build_resolve_info(field.definition, field.nodes, field.parent_type, path)

    # --- fields -----------------------------------------------------------------------------------------

    def execute_plan(self, plan: ObjectPlan, source: Any, path: Path | None) -> Any:
        """graphql-core's ``execute_fields`` over planned fields: the result dict, or an awaitable of it."""
        results: dict[str, Any] = {}
        awaitable_keys: list[str] = []
        type_name = plan.type.name
        try:
            for field in plan.fields:
                key = field.key
                if field.constant is not None:
                    results[key] = field.constant
                    continue
                attribute = field.attribute
                if attribute is not None and not field.completion_may_await:
                    # A leaf without resolver: no path, no info, no awaitable probe unless it fails; a string or
                    # boolean of a String/ID/Boolean field is its own serialisation, so no completion call either.
                    try:
                        value = getattr(source, attribute)
                        if type(value) is field.passthrough:
                            results[key] = value
                            continue
                        results[key] = field.complete(self, field, None, None, value)  # type: ignore[misc]
                    except Exception as raw_error:
                        failed_path = Path(path, key, type_name)
                        self.handle_field_error(raw_error, field.return_type, field.details, failed_path)
                        results[key] = None
                    continue
                field_path = Path(path, key, type_name)
                if attribute is not None:
                    result = self.read_attribute(field, source, attribute, field_path)
                    results[key] = result
                    if field.completion_may_await and self.is_awaitable(result):
                        awaitable_keys.append(key)
                    continue
                result = self.execute_field_plan(field, source, field_path)
                if result is not Undefined:
                    results[key] = result
                    if self.is_awaitable(result):
                        awaitable_keys.append(key)
        except Exception:
            if awaitable_keys:
                self.settle_in_background([results[key] for key in awaitable_keys])
            raise
        if not awaitable_keys:
            return results
        return self._gather_fields(results, awaitable_keys)

    async def _gather_fields(self, results: dict[str, Any], keys: list[str]) -> dict[str, Any]:
        if len(keys) == 1:
            key = keys[0]
            results[key] = await results[key]
        else:
            results.update(zip(keys, await gather_with_cancel(*(results[key] for key in keys)), strict=True))
        return results

    def execute_plan_serially(self, plan: ObjectPlan, source: Any) -> Any:
        """graphql-core's ``execute_fields_serially`` (mutations): each root field done before the next starts."""
        results: dict[str, Any] = {}
        fields = plan.fields
        for index, field in enumerate(fields):
            result = self._execute_root_field(plan, field, source)
            if result is Undefined:
                continue
            if self.is_awaitable(result):
                return self._continue_serially(plan, source, results, field.key, result, index + 1)
            results[field.key] = result
        return results

    def _execute_root_field(self, plan: ObjectPlan, field: FieldPlan, source: Any) -> Any:
        if field.constant is not None:
            return field.constant
        field_path = Path(None, field.key, plan.type.name)
        if field.attribute is not None:
            return self.read_attribute(field, source, field.attribute, field_path)
        return self.execute_field_plan(field, source, field_path)

    async def _continue_serially(
        self, plan: ObjectPlan, source: Any, results: dict[str, Any], key: str, pending: Any, start: int
    ) -> dict[str, Any]:
        results[key] = await pending
        for field in plan.fields[start:]:
            result = self._execute_root_field(plan, field, source)
            if result is Undefined:
                continue
            if self.is_awaitable(result):
                result = await result
            results[field.key] = result
        return results

    def read_attribute(self, field: FieldPlan, source: Any, attribute: str, path: Path) -> Any:
        """A field without resolver: read the attribute and complete it (no info, no resolver call)."""
        try:
            completed = field.complete(self, field, None, path, getattr(source, attribute))  # type: ignore[misc]
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.return_type, field.details, path)
            return None
        if field.completion_may_await and self.is_awaitable(completed):
            return self._await_completed(field, completed, path)
        return completed

    def execute_field_plan(self, field: FieldPlan, source: Any, path: Path) -> Any:
        """graphql-core's ``execute_field`` for a field with a resolver: the function called directly when the plan
        allows (``gateway.executor.direct``), else ResolveInfo, arguments and Strawberry's wrapper; then complete."""
        info: Any = None
        try:
            direct = field.direct
            if direct is not None:
                result = direct(self, field, source, path)
            else:
                info = self.build_resolve_info(field.definition, field.nodes, field.parent_type, path)
                result = field.resolve(source, info, **self.arguments_of(field))  # type: ignore[misc]
            if self.is_awaitable(result):
                return self._complete_awaitable(field, info, path, result)
            completed = field.complete(self, field, info, path, result)  # type: ignore[misc]
            if field.completion_may_await and self.is_awaitable(completed):
                return self._await_completed(field, completed, path)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.return_type, field.details, path)
            return None
        return completed

    def arguments_of(self, field: FieldPlan) -> dict[str, Any]:
        """The field's argument values as graphql-core passes them to a resolve function."""
        if field.literal_arguments is not None:
            return field.literal_arguments
        if not field.has_arguments:
            return {}
        first = field.details[0]
        return get_argument_values(
            field.definition, first.node, self.variable_values, first.fragment_variable_values, self.hide_suggestions
        )

    async def _complete_awaitable(self, field: FieldPlan, info: Any, path: Path, result: Any) -> Any:
        try:
            completed = field.complete(self, field, info, path, await result)  # type: ignore[misc]
            if field.completion_may_await and self.is_awaitable(completed):
                completed = await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.return_type, field.details, path)
            completed = None
        return completed

    async def _await_completed(self, field: FieldPlan, completed: Any, path: Path) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.return_type, field.details, path)
            return None

    # --- lists ------------------------------------------------------------------------------------------

    def complete_items(
        self,
        field: FieldPlan,
        item_type: GraphQLOutputType,
        complete_item: Completion,
        item_may_await: bool,
        info: Any,
        path: Path,
        items: Any,
    ) -> Any:
        """graphql-core's ``complete_iterable_value`` with the item completion already chosen."""
        is_awaitable = self.is_awaitable
        completed: list[Any] = []
        append = completed.append
        awaitable_indices: list[int] = []
        iterator = iter(items)
        index = 0
        try:
            for item in iterator:
                item_path = path.add_key(index, None)
                if is_awaitable(item):
                    append(self._complete_awaitable_item(field, item_type, complete_item, info, item_path, item))
                    awaitable_indices.append(index)
                else:
                    try:
                        value = complete_item(self, field, info, item_path, item)
                        if item_may_await and is_awaitable(value):
                            append(self._await_item(field, item_type, item_path, value))
                            awaitable_indices.append(index)
                        else:
                            append(value)
                    except Exception as raw_error:
                        self.handle_field_error(raw_error, item_type, field.details, item_path)
                        append(None)
                index += 1
        except Exception:
            pending = [completed[i] for i in awaitable_indices]
            pending.extend(item for item in iterator if is_awaitable(item))
            if pending:
                self.settle_in_background(pending)
            raise
        if not awaitable_indices:
            return completed
        return self._gather_items(completed, awaitable_indices)

    async def _gather_items(self, completed: list[Any], indices: list[int]) -> list[Any]:
        if len(indices) == 1:
            index = indices[0]
            completed[index] = await completed[index]
        else:
            for index, value in zip(indices, await gather_with_cancel(*(completed[i] for i in indices)), strict=True):
                completed[index] = value
        return completed

    async def _await_item(self, field: FieldPlan, item_type: GraphQLOutputType, path: Path, value: Any) -> Any:
        try:
            return await value
        except Exception as raw_error:
            self.handle_field_error(raw_error, item_type, field.details, path)
            return None

    async def _complete_awaitable_item(
        self,
        field: FieldPlan,
        item_type: GraphQLOutputType,
        complete_item: Completion,
        info: Any,
        path: Path,
        item: Any,
    ) -> Any:
        try:
            completed = complete_item(self, field, info, path, await item)
            if self.is_awaitable(completed):
                completed = await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, item_type, field.details, path)
            return None
        return completed


def object_plan(executor: CompiledExecutor, object_type: GraphQLObjectType, field: FieldPlan) -> ObjectPlan:
    """The plan of a field's sub-selections on one object type (planned on first use)."""
    return compiler.plan_subfields(executor, object_type, field)


__all__ = ["COMPILED", "STANDARD", "CompiledExecutor", "GraphQLObjectType"]
