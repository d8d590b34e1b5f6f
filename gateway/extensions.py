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
    """The error as a client may see it: a message and ``extensions.code``, nothing internal.

    Location and path always come from the outer error; graphql-core wraps causes (a variable's
    coercion failure, a resolver's exception), and the innermost cause decides the code.
    """
    cause = _cause(error)
    if isinstance(cause, GatewayError):
        return _with(error, cause.message, {"code": cause.code, **cause.extensions})
    if cause is None or isinstance(cause, GraphQLError):
        given = {**((cause or error).extensions or {}), **(error.extensions or {})}
        if given.get("code"):
            return _with(error, error.message, given)
        if error.path is None:
            return _with(error, error.message, {"code": _request_error_code(error.message)})
    if error.path is None and isinstance(cause, (ValueError, TypeError)) and error.message.startswith("Expected value"):
        # A literal a custom scalar cannot parse (``quotaBytes: "ten"``): the request's fault, found while validating.
        return _with(
            error, error.message.split(", but encountered error")[0] + ".", {"code": "GRAPHQL_VALIDATION_FAILED"}
        )
    # Anything else (a Python exception, an uncoded error while executing) is a bug: log it, mask it.
    log.error(
        "unexpected error at %s: %s",
        ".".join(map(str, error.path or [])),
        error.message,
        exc_info=cause if isinstance(cause, BaseException) else None,
    )
    return _with(error, INTERNAL_MESSAGE, {"code": "INTERNAL_SERVER_ERROR"})


def _cause(error: GraphQLError) -> BaseException | None:
    """The innermost error graphql-core wrapped, or None for errors it raised itself."""
    cause: BaseException | None = error.original_error
    while isinstance(cause, GraphQLError) and cause.original_error is not None and cause.original_error is not cause:
        cause = cause.original_error
    return cause


def _request_error_code(message: str) -> str:
    """The code of an error in the request itself, found before anything executes."""
    if message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if message.startswith("Variable '$"):
        return "BAD_USER_INPUT"  # a variable is missing or has the wrong type
    return "GRAPHQL_VALIDATION_FAILED"


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
        if result is not None and result.errors:
            result.errors = [classify(error) for error in result.errors]

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """The same for every result a subscription (or an operation over a websocket or SSE) yields."""
        if getattr(result, "errors", None):
            result.errors = [classify(error) for error in result.errors]
        yield


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
