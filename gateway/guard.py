"""What a GraphQL HTTP request must pass before it executes.

In order: the content type (CSRF: no form posts), the credentials (``gateway.auth``), the principal's
rate limit (``gateway.limits.ratelimit``; a failed authentication is limited per client address),
then, once the body is parsed, the document itself (persisted/trusted, ``gateway.documents``), the
variables' size, the batch size and the operation type (only queries over GET).
"""

from __future__ import annotations

import contextvars
import json
import re
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.requests import Request

from gateway.auth import Authenticator, Principal
from gateway.documents import PersistedQueries
from gateway.errors import BackendError, Unauthenticated
from gateway.limits.ratelimit import Throttle, create_rate_limiter
from gateway.rejections import RequestRejected, unauthenticated
from gateway.settings import Settings
from gateway.telemetry.metrics import RATE_LIMIT_REJECTIONS

JSON_TYPES = ("application/json",)
# The principal ``admit`` let in, for the document check of the same request: Strawberry parses the body after
# admission, in the same task (which documents a caller may run depends on who it is: ``gateway.documents``).
_admitted: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("gateway_admitted", default=None)


class RequestGuard:
    """Authentication, rate limiting and document checks of one gateway process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.security = settings.security
        self.authenticator = Authenticator(settings)
        self.limiter = create_rate_limiter(settings.security)
        self.documents = PersistedQueries(settings.security)

    async def admit(self, request: Request) -> tuple[Principal, Throttle | None]:
        """The request's principal and rate-limit state, or ``RequestRejected``."""
        if request.method == "POST":
            media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if media_type not in JSON_TYPES:
                raise RequestRejected(
                    415,
                    "UNSUPPORTED_MEDIA_TYPE",
                    "POST bodies must be application/json",
                    headers={"accept-post": "application/json"},
                )
        principal: Principal | None = None
        failure: Unauthenticated | None = None
        _admitted.set(None)
        try:
            principal = await self.authenticator.authenticate(request.headers)
        except Unauthenticated as error:
            failure = error
        except BackendError as error:
            raise RequestRejected(503, error.code, error.message, service=error.service) from None
        client = request.client.host if request.client else "unknown"
        throttle = await self.take(principal.rate_key if principal else f"ip:{client}")
        if failure is not None or principal is None:
            raise unauthenticated(failure)
        _admitted.set(principal)
        return principal, throttle

    async def take(self, key: str, operations: int = 1) -> Throttle | None:
        """Take tokens for ``operations``; ``RATE_LIMITED`` (429 + Retry-After) when the bucket is empty."""
        if self.limiter is None:
            return None
        throttle = await self.limiter.take(key, operations)
        if not throttle.allowed:
            RATE_LIMIT_REJECTIONS.labels(key.partition(":")[0] or "other").inc()  # by key kind: user or ip
            seconds = throttle.retry_after_seconds
            raise RequestRejected(
                429,
                "RATE_LIMITED",
                f"too many requests: retry in {seconds} s",
                headers={"retry-after": str(seconds)},
                retryAfterSeconds=seconds,
            )
        return throttle

    def check_document(self, method: str, data: Any, principal: Principal | None = None) -> str | None:
        """The document to run for one request body entry (text, persisted hash, limits, operation type), for
        ``principal`` (by default the one ``admit`` let in for this request)."""
        query = self.documents.resolve(data.query, data.extensions, principal or _admitted.get())
        if data.variables is not None:
            size = len(json.dumps(data.variables, separators=(",", ":")))
            if size > self.security.max_variables_bytes:
                raise RequestRejected(
                    413,
                    "VARIABLES_TOO_LARGE",
                    f"the variables take {size} bytes; the limit is {self.security.max_variables_bytes}",
                    maxBytes=self.security.max_variables_bytes,
                )
        if query is not None and data.operation_name is None and _several_operations(query, self.security.max_tokens):
            raise RequestRejected(
                400, "BAD_REQUEST", "the document holds several operations: name the one to run in `operationName`"
            )
        if (
            method == "GET"
            and query is not None
            and _operation_type(query, data.operation_name, self.security.max_tokens) not in (None, OperationType.QUERY)
        ):
            raise RequestRejected(
                405,
                "METHOD_NOT_ALLOWED",
                "only queries run over GET: send mutations with POST",
                headers={"allow": "POST"},
            )
        return query

    def check_batch(self, size: int) -> None:
        """Batches (a JSON array of operations) only when enabled, and at most the configured size."""
        limit = self.security.max_batch_operations
        if limit == 0:
            raise RequestRejected(400, "BATCHING_DISABLED", "this gateway does not accept batched operations")
        if size > limit:
            raise RequestRejected(400, "BATCH_TOO_LARGE", f"a batch holds at most {limit} operations", limit=limit)

    async def aclose(self) -> None:
        """Release the JWKS client and the rate-limit store."""
        await self.authenticator.aclose()
        if self.limiter is not None:
            await self.limiter.aclose()


_OPERATION_KEYWORD = re.compile(r"\b(?:query|mutation|subscription)\b")


def _several_operations(query: str, max_tokens: int) -> bool:
    """True when the document defines more than one operation (parsed only when it might)."""
    if len(_OPERATION_KEYWORD.findall(query)) < 2:
        return False
    try:
        document = parse(query, max_tokens=max_tokens, no_location=True)
    except GraphQLError:
        return False  # validation reports the syntax error
    return sum(isinstance(d, OperationDefinitionNode) for d in document.definitions) > 1


def _operation_type(query: str, operation_name: str | None, max_tokens: int) -> OperationType | None:
    """The type of the operation that would run (None if the document does not parse: validation says why)."""
    try:
        document = parse(query, max_tokens=max_tokens, no_location=True)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name is not None and o.name.value == operation_name]
    types = {o.operation for o in operations}
    if not types:
        return None
    return OperationType.QUERY if types == {OperationType.QUERY} else next(t for t in types if t != OperationType.QUERY)
