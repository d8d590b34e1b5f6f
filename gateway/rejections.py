"""Requests refused before any GraphQL executes, answered as GraphQL error bodies with an HTTP status.

Refused credentials are HTTP 401 with a ``WWW-Authenticate`` Bearer challenge (RFC 6750) wherever they
are found: by the guard before anything runs (``unauthenticated``), or while the viewer is resolved
(``challenge_response``: an unknown user, claims the access service contradicts).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse, Response

from gateway.errors import Unauthenticated
from gateway.telemetry.logging import current_request

REALM = 'Bearer realm="controlplane-gateway"'
JSON = "application/json"
# HTTP status of a request refused before anything runs (Strawberry's own refusals included) -> extensions.code.
HTTP_ERROR_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    413: "REQUEST_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


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

    def response(self, media_type: str = JSON) -> JSONResponse:
        """The JSON error response, as ``media_type`` (``application/graphql-response+json`` when negotiated)."""
        return rejection_response(
            self.status, self.code, self.message, self.headers, media_type=media_type, **self.extensions
        )


def http_error(status: int, message: str) -> RequestRejected:
    """A refusal by HTTP status alone (Strawberry's ``HTTPException``), coded from ``HTTP_ERROR_CODES``."""
    headers = {"allow": "GET, POST"} if status == 405 else None
    return RequestRejected(status, HTTP_ERROR_CODES.get(status, "BAD_REQUEST"), message, headers=headers)


def rejection_response(
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    *,
    media_type: str = JSON,
    **extensions: Any,
) -> JSONResponse:
    """``{"errors": [{"message", "extensions": {"code", ...}}]}`` with ``status``."""
    record = current_request.get()
    if record is not None:  # the request log and the error-code metric name refusals too
        record.error_codes.append(code)
    body = {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}), media_type=media_type)


def bearer_challenge(reason: str, message: str) -> str:
    """``WWW-Authenticate`` for a refusal: the bare realm without credentials, else ``invalid_token``.

    The description is reduced to what an RFC 6750 quoted string may hold (printable ASCII without
    ``"`` and ``\\``): a message may repeat part of a token, and a header must stay one valid header.
    """
    if reason == "missing":
        return REALM
    description = "".join(c if " " <= c <= "~" and c not in '"\\' else "?" for c in message[:200])
    return f'{REALM}, error="invalid_token", error_description="{description}"'


def unauthenticated(failure: Unauthenticated | None) -> RequestRejected:
    """401 ``UNAUTHENTICATED`` with the Bearer challenge and ``extensions.reason`` (``missing`` without a failure)."""
    message = failure.message if failure else "no credentials"
    reason = str((failure.extensions.get("reason") if failure else None) or "missing")
    return RequestRejected(
        401, "UNAUTHENTICATED", message, headers={"www-authenticate": bearer_challenge(reason, message)}, reason=reason
    )


def challenge_response(response: object, failure: Unauthenticated) -> None:
    """Make an HTTP response (Strawberry's sub-response) a 401 with the challenge; a websocket is left alone."""
    if isinstance(response, Response):
        response.status_code = 401
        reason = str(failure.extensions.get("reason") or "missing")
        response.headers["www-authenticate"] = bearer_challenge(reason, failure.message)
