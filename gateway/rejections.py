"""Requests refused before any GraphQL executes, answered as GraphQL error bodies with an HTTP status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse


class RequestRejected(Exception):
    """Answer the request with ``status`` and one error carrying ``code`` (and ``extensions``)."""

    def __init__(
        self, status: int, code: str, message: str, *, headers: Mapping[str, str] | None = None, **extensions: Any
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.extensions = extensions

    def response(self) -> JSONResponse:
        """The JSON error response."""
        return rejection_response(self.status, self.code, self.message, self.headers, **self.extensions)


def rejection_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None, **extensions: Any
) -> JSONResponse:
    """``{"errors": [{"message", "extensions": {"code", ...}}]}`` with ``status``."""
    body = {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))
