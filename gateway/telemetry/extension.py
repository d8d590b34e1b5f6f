"""The Strawberry side of request telemetry: operation name and outcome; root-field spans when tracing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from graphql import GraphQLResolveInfo
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


class TracedOperationTelemetry(OperationTelemetry):
    """``OperationTelemetry`` plus a span around each root field (created only while tracing is on)."""

    def resolve(
        self, _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo, *args: Any, **kwargs: Any
    ) -> Any:
        """Root fields run inside a span named after them; other fields are not wrapped."""
        if info.path.prev is not None:
            return _next(root, info, *args, **kwargs)
        return _traced(info.field_name, _next(root, info, *args, **kwargs))


async def _traced(field: str, result: Any) -> Any:
    with tracing.span(f"resolve Query.{field}", {"graphql.field.name": field}):
        return await result if isinstance(result, Awaitable) else result


def operation_telemetry() -> OperationTelemetry:
    """The extension for one request: the traced variant only while tracing is on (no cost when off)."""
    return TracedOperationTelemetry() if tracing.enabled() else OperationTelemetry()


def _viewer_id(context: Any) -> str | None:
    """The authenticated user id (the principal), else the resolved viewer's; None before either exists."""
    principal = getattr(context, "principal", None)
    if getattr(principal, "user_id", None):
        return str(principal.user_id)
    future = getattr(context, "_viewer", None)
    if future is None or not future.done() or future.cancelled() or future.exception() is not None:
        return None
    user = getattr(future.result(), "user", None)
    return getattr(user, "id", None)
