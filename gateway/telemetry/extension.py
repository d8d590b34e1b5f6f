"""The Strawberry side of request telemetry: operation name and outcome; root-field spans when tracing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from graphql import GraphQLResolveInfo, GraphQLSchema
from strawberry.extensions import SchemaExtension

from gateway.telemetry import tracing
from gateway.telemetry.logging import current_request


class OperationTelemetry(SchemaExtension):
    """Write the operation's name, type, outcome and error codes into the request's log record.

    Listed first among the schema's extensions, so it sees the errors after they were classified.
    """

    def on_operation(self) -> Iterator[None]:
        """Record what the operation was and how it ended."""
        yield
        record = current_request.get()
        if record is None:
            return
        context = self.execution_context
        record.operation = context.operation_name
        # Strawberry raises RuntimeError (not AttributeError) for the type of a document that did not parse.
        operation_type = context.operation_type if context.graphql_document is not None else None
        record.operation_type = getattr(operation_type, "value", None)
        result = context.result
        errors = list(getattr(result, "errors", None) or [])
        record.error_codes.extend(str((e.extensions or {}).get("code", "INTERNAL_SERVER_ERROR")) for e in errors)
        data = getattr(result, "data", None)
        # partial: some root field has data despite the errors; error: nothing came back.
        has_data = isinstance(data, dict) and any(value is not None for value in data.values())
        record.outcome = "ok" if not errors else ("partial" if has_data else "error")
        record.viewer_id = record.viewer_id or _viewer_id(context.context)
        tracing.set_attributes(
            graphql__operation__name=record.operation, graphql__operation__type=record.operation_type
        )


def operation_telemetry() -> OperationTelemetry:
    """The extension for one request (a factory, as Strawberry's ``extensions=[...]`` takes)."""
    return OperationTelemetry()


def trace_root_fields(graphql_schema: GraphQLSchema) -> None:
    """Wrap every root field's resolver so that, while tracing is on, it runs inside a span of its own.

    Done on the resolvers (once per schema) rather than with an extension's ``resolve`` hook, which
    would wrap every field of every response; with tracing off the wrapper is one flag test per root field.
    """
    for root in (graphql_schema.query_type, graphql_schema.mutation_type):
        if root is None:
            continue
        for name, field in root.fields.items():
            if field.resolve is not None and not getattr(field.resolve, "_traced", False):
                field.resolve = _root_resolver(f"resolve {root.name}.{name}", name, field.resolve)


def _root_resolver(span_name: str, field_name: str, resolve: Callable[..., Any]) -> Callable[..., Any]:
    def traced(root: Any, info: GraphQLResolveInfo[Any], **arguments: Any) -> Any:
        if not tracing.enabled():
            return resolve(root, info, **arguments)
        return _in_span(span_name, field_name, resolve, root, info, arguments)

    traced._traced = True  # type: ignore[attr-defined]  # a marker: mypy has no function attributes
    return traced


async def _in_span(
    span_name: str,
    field_name: str,
    resolve: Callable[..., Any],
    root: Any,
    info: GraphQLResolveInfo[Any],
    arguments: dict[str, Any],
) -> Any:
    with tracing.span(span_name, {"graphql.field.name": field_name}):
        result = resolve(root, info, **arguments)
        return await result if isinstance(result, Awaitable) else result


def _viewer_id(context: Any) -> str | None:
    """The authenticated user id (the principal), else the resolved viewer's; None before either exists."""
    user_id = getattr(getattr(context, "principal", None), "user_id", None)
    if user_id:
        return str(user_id)
    future = getattr(context, "_viewer", None)
    if future is None or not future.done() or future.cancelled() or future.exception() is not None:
        return None
    user = getattr(future.result(), "user", None)
    return getattr(user, "id", None)
