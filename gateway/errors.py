"""The gateway's exception tree. Each class carries the ``extensions.code`` clients see.

    GatewayError
    ├── ClientError                 the request is at fault; the message is safe to show
    │   ├── BadUserInput            BAD_USER_INPUT
    │   ├── NotFound                NOT_FOUND (also for ids the viewer may not see)
    │   ├── Unauthenticated         UNAUTHENTICATED
    │   ├── Forbidden               FORBIDDEN
    │   └── IdempotencyError        a mutation's idempotency key cannot be honoured as sent
    │       ├── IdempotencyKeyInvalid         IDEMPOTENCY_KEY_INVALID (malformed, or header and input differ)
    │       ├── IdempotencyKeyRequired        IDEMPOTENCY_KEY_REQUIRED
    │       ├── IdempotencyKeyReused          IDEMPOTENCY_KEY_REUSED (same key, different arguments)
    │       └── IdempotencyRequestInProgress  IDEMPOTENCY_REQUEST_IN_PROGRESS (extensions.retryAfterSeconds)
    ├── IdempotencyStoreUnavailable IDEMPOTENCY_STORE_UNAVAILABLE: fails closed, no backend call is made
    └── BackendError                a domain service failed; names the service, never its URL
        ├── BackendUnavailable      BACKEND_UNAVAILABLE
        ├── BackendTimeout          BACKEND_TIMEOUT
        └── BackendBadResponse      BACKEND_BAD_RESPONSE

    CommandRejected                 a domain service refused a command for a business reason: not an error
                                    of the request, resolvers turn it into the mutation's userErrors

Anything else raised while resolving is a bug: clients get ``INTERNAL_SERVER_ERROR`` and a
generic message, and the details go to the log only.
"""

from __future__ import annotations

from typing import Any


class GatewayError(Exception):
    """Base of every error the gateway reports on purpose."""

    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions


class ClientError(GatewayError):
    """The request is at fault; the message is written for the caller."""


class BadUserInput(ClientError):
    """An argument is malformed or out of range."""

    code = "BAD_USER_INPUT"


class NotFound(ClientError):
    """No such object, or one the viewer may not see (the two are indistinguishable)."""

    code = "NOT_FOUND"


class Unauthenticated(ClientError):
    """The request carries no valid identity."""

    code = "UNAUTHENTICATED"


class Forbidden(ClientError):
    """The viewer is known but lacks the role the field needs."""

    code = "FORBIDDEN"


class BackendError(GatewayError):
    """A domain service failed to answer usefully."""

    http_status: int | None = None  # a rejected request's status, for metrics and logs (clients do not see it)

    def __init__(self, message: str, *, service: str, **extensions: Any) -> None:
        super().__init__(message, service=service, **extensions)
        self.service = service


class BackendUnavailable(BackendError):
    """The service could not be reached or answered with a server error."""

    code = "BACKEND_UNAVAILABLE"


class BackendTimeout(BackendError):
    """The service did not answer within its timeout."""

    code = "BACKEND_TIMEOUT"


class BackendBadResponse(BackendError):
    """The service answered with something that does not match its contract."""

    code = "BACKEND_BAD_RESPONSE"


class IdempotencyError(ClientError):
    """A mutation's idempotency key cannot be honoured as sent (see ``gateway.idempotency``)."""


class IdempotencyKeyInvalid(IdempotencyError):
    """The key is malformed, the header and ``input.idempotencyKey`` differ, or the header is ambiguous."""

    code = "IDEMPOTENCY_KEY_INVALID"


class IdempotencyKeyRequired(IdempotencyError):
    """A side-effecting mutation arrived without a key."""

    code = "IDEMPOTENCY_KEY_REQUIRED"


class IdempotencyKeyReused(IdempotencyError):
    """The key was already used by this principal on this mutation with different arguments."""

    code = "IDEMPOTENCY_KEY_REUSED"


class IdempotencyRequestInProgress(IdempotencyError):
    """The first request with this key is still running; retry after ``retryAfterSeconds``."""

    code = "IDEMPOTENCY_REQUEST_IN_PROGRESS"


class IdempotencyStoreUnavailable(GatewayError):
    """The idempotency store cannot be reached: the mutation fails closed, nothing is sent to a backend."""

    code = "IDEMPOTENCY_STORE_UNAVAILABLE"


class CommandRejected(Exception):
    """A domain service refused a command for a business reason; ``code`` is its machine code."""

    def __init__(self, service: str, status: int, code: str, message: str, field: str | None) -> None:
        super().__init__(message)
        self.service = service
        self.status = status
        self.code = code
        self.message = message
        self.field = field
