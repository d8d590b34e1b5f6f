"""Strawberry schema extensions of the runtime: error codes, masking and the backend call report."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from gateway.backends import call_log
from gateway.errors import GatewayError

log = logging.getLogger("gateway.errors")

INTERNAL_MESSAGE = "Internal server error"


def classify(error: GraphQLError) -> GraphQLError:
    """The error as a client may see it: a message and ``extensions.code``, nothing internal."""
    original = error.original_error
    if isinstance(original, GatewayError):
        return _with(error, original.message, {"code": original.code, **original.extensions})
    if original is None:
        if error.message.startswith("Syntax Error"):
            return _with(error, error.message, {"code": "GRAPHQL_PARSE_FAILED"})
        if error.message.startswith("Variable '$"):
            return _with(error, error.message, {"code": "BAD_USER_INPUT"})
        return _with(error, error.message, {"code": (error.extensions or {}).get("code", "GRAPHQL_VALIDATION_FAILED")})
    if isinstance(original, GraphQLError):
        return classify(original) if original is not error else _with(error, error.message, {"code": "BAD_USER_INPUT"})
    log.error("unexpected error at %s", ".".join(map(str, error.path or [])), exc_info=original)
    return _with(error, INTERNAL_MESSAGE, {"code": "INTERNAL_SERVER_ERROR"})


def _with(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        message=message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


class ErrorCodes(SchemaExtension):
    """Give every error an ``extensions.code`` and mask anything unexpected."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and getattr(result, "errors", None):
            result.errors = [classify(error) for error in result.errors]


class BackendCallReport(SchemaExtension):
    """With ``report_backend_calls`` on, add ``extensions.backendCalls``: calls per domain and path."""

    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        calls = call_log.get()
        if calls is None or not getattr(getattr(context, "settings", None), "report_backend_calls", False):
            return {}
        return {"backendCalls": {f"{domain} {path}": count for (domain, path), count in sorted(calls.items())}}


class QuietErrorLogging:
    """Mixin for ``strawberry.Schema``: client errors are not logged; ``ErrorCodes`` logs real faults."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Do nothing: expected errors are the client's business, unexpected ones are logged once."""
