"""The GraphQL view's HTTP handling, as a mixin over Strawberry's ASGI view (see ``gateway.guard``).

Every answer on ``/graphql`` is a GraphQL body: a request that cannot run at all (a body that is not a
JSON object, a parameter of the wrong type, a subscription without a stream, ...) gets a 4xx status and
one error with ``extensions.code``, never a 500. The mixin reads the body itself (Strawberry's parser
assumes an object and answers anything else with a crash), checks the request's headers (each of
``SINGLE_HEADERS`` at most once, a well-formed ``Idempotency-Key``), refuses a document longer than
``CHARS_PER_TOKEN`` characters per allowed token (413 ``DOCUMENT_TOO_LARGE``), and negotiates the response's media
type as the GraphQL-over-HTTP specification says:

- ``Accept`` missing, ``application/json``, ``application/*`` or ``*/*``: ``application/json``, answered as
  before (status 200 for any GraphQL result, even one that never executed).
- ``application/graphql-response+json`` (preferred by q-value, then by order): that media type, status 400
  and no ``data`` key for a request error (parse, validation, variable coercion, an operation limit),
  status 200 once execution started.
- ``text/event-stream``: GraphQL over SSE (Strawberry's transport).
- none of these: 406 ``NOT_ACCEPTABLE`` (in ``application/json``).
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cross_web import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET

from gateway.errors import IdempotencyKeyInvalid
from gateway.graphiql import persona_tokens, with_persona_picker
from gateway.guard import RequestGuard
from gateway.idempotency.keys import HEADER as IDEMPOTENCY_HEADER
from gateway.idempotency.keys import check_key
from gateway.rejections import JSON, RequestRejected, http_error

if TYPE_CHECKING:
    from strawberry.asgi import GraphQL

    from gateway.context import RequestContext
    from gateway.viewer import ViewerDirectory

    # What the mixin is mixed into (``gateway.app.GatewayGraphQL``), so its ``super()`` calls are checked.
    _View = GraphQL[RequestContext, None]
else:
    _View = object

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
EVENT_STREAM = "text/event-stream"
# Accept media ranges -> the media type answered (specificity breaks ties between equal q-values).
_ACCEPTED = {GRAPHQL_RESPONSE_JSON: (GRAPHQL_RESPONSE_JSON, 2), JSON: (JSON, 2), EVENT_STREAM: (EVENT_STREAM, 2)}
_ACCEPTED_WILDCARDS = {"application/*": (JSON, 1), "*/*": (JSON, 0)}
MAX_ACCEPT_RANGES = 32  # media ranges of an Accept header looked at (a hostile header may list thousands)
# Headers that mean one thing: a second copy makes the request ambiguous (which credentials? which key?).
SINGLE_HEADERS = (b"authorization", b"content-type", b"content-length", b"idempotency-key", b"x-dev-viewer")
# Characters a document may hold per token the parser allows (GATEWAY_MAX_TOKENS): 50,000 by default. The parser
# spends up to a microsecond per character, so a longer document would cost more to read than it may hold.
CHARS_PER_TOKEN = 10
_PARAMETER_TYPES = {
    "query": "a string",
    "operationName": "a string",
    "variables": "an object",
    "extensions": "an object",
}

# The Starlette request being run (the parse hook only sees Strawberry's adapter of it).
_current_request: contextvars.ContextVar[Request | None] = contextvars.ContextVar("gateway_request", default=None)
# The media type negotiated for the request being run (``application/json`` for websockets and refusals before it).
_media_type: contextvars.ContextVar[str] = contextvars.ContextVar("gateway_media_type", default=JSON)


def negotiate(accept: str | None) -> str:
    """The media type to answer in for an ``Accept`` header, or ``RequestRejected`` 406 if it admits none."""
    if accept is None or not accept.strip():
        return JSON
    best: tuple[float, int, int] | None = None
    chosen = JSON
    for index, media_range in enumerate(accept.split(",")[:MAX_ACCEPT_RANGES]):
        media, _, parameters = media_range.partition(";")
        found = _ACCEPTED.get(media.strip().lower()) or _ACCEPTED_WILDCARDS.get(media.strip().lower())
        if found is None:
            continue
        quality = _quality(parameters)
        rank = (quality, found[1], -index)
        if quality > 0 and (best is None or rank > best):
            best, chosen = rank, found[0]
    if best is None:
        raise RequestRejected(
            406,
            "NOT_ACCEPTABLE",
            f"this endpoint answers {GRAPHQL_RESPONSE_JSON}, {JSON} or (subscriptions) {EVENT_STREAM}",
        )
    return chosen


def _quality(parameters: str) -> float:
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(1.0, max(0.0, float(value.strip())))
            except ValueError:  # a malformed weight: as if none were given
                return 1.0
    return 1.0


def execution_started(result: ExecutionResult) -> bool:
    """False for a request error: no data and no error at a response path (nothing executed)."""
    return result.data is not None or not result.errors or any(error.path is not None for error in result.errors)


class GuardedViewMixin(_View):
    """Admit (headers, content type, credentials, rate limit) before Strawberry runs; check documents as it parses."""

    guard: RequestGuard
    directory: ViewerDirectory

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """Refusals become GraphQL error bodies with their HTTP status, in the negotiated media type."""
        if not isinstance(request, Request):  # a websocket: its handler answers in its own protocol
            try:
                return await super().run(request, context, root_value)
            except RequestRejected as rejected:
                return rejected.response()
        media_type = JSON
        _media_type.set(JSON)
        try:
            # Other methods go straight to Strawberry's coded 405; GraphiQL's page needs no credentials.
            if request.method in ("GET", "POST") and not self._is_ide_request(request):
                _check_single_headers(request)
                media_type = negotiate(request.headers.get("accept"))
                if self._get_stream_transport_from_headers(request.headers) is not None:
                    media_type = EVENT_STREAM  # Strawberry streams whenever the client lists text/event-stream
                _media_type.set(media_type)
                request.state.principal, request.state.throttle = await self.guard.admit(request)
                _current_request.set(request)
                _check_idempotency_header(request)
            return await super().run(request, context, root_value)
        except RequestRejected as rejected:
            return rejected.response(_error_media_type(media_type))
        except HTTPException as error:  # Strawberry's own refusals (405, 404 without GraphiQL, ...)
            return http_error(error.status_code, error.reason).response(_error_media_type(media_type))

    def _is_ide_request(self, request: Request) -> bool:
        return request.method == "GET" and self.should_render_graphql_ide(request)

    def should_render_graphql_ide(self, request: Any) -> bool:
        """GraphiQL for a browser's GET without a document (a persisted-query GET carries ``extensions``)."""
        return super().should_render_graphql_ide(request) and request.query_params.get("extensions") is None

    async def render_graphql_ide(self, request: Any) -> Response:
        """GraphiQL, with the persona picker when the gateway signs development tokens."""
        page = self.graphql_ide_html
        signer = self.guard.authenticator.signer
        if signer is not None:
            tokens = await persona_tokens(signer, self.directory, self.guard.settings)
            page = with_persona_picker(page, tokens)
        return HTMLResponse(page)

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        """The request's operations (query string or JSON body, each checked), then the document checks."""
        transport = self._get_stream_transport_from_headers(request.headers)
        protocol = transport.protocol if transport else "http"
        parsed: GraphQLRequestData | list[GraphQLRequestData]
        if request.method == "GET":
            parsed = _from_query_string(request.query_params, protocol)
        else:  # POST: ``guard.admit`` let only application/json through
            try:
                body = await request.get_body()
            except ClientDisconnect:  # the client went away mid-body: nobody reads the answer, but no crash either
                raise RequestRejected(400, "BAD_REQUEST", "the request body ended before its length") from None
            parsed = self._from_body(_decode(body), protocol)
        entries = parsed if isinstance(parsed, list) else [parsed]
        current = _current_request.get()
        if isinstance(parsed, list) and len(parsed) > 1 and current is not None:
            throttle = await self.guard.take(current.state.principal.rate_key, len(parsed) - 1)
            current.state.throttle = throttle or current.state.throttle
        for entry in entries:
            self._check_document_size(entry.query)
            entry.query = self.guard.check_document(request.method, entry)
            if entry.query is None:
                raise RequestRejected(400, "BAD_REQUEST", "No GraphQL query found in the request")
        return parsed

    def _check_document_size(self, query: str | None) -> None:
        """Refuse a document longer than ``CHARS_PER_TOKEN`` per allowed token before anything parses it."""
        limit = self.guard.security.max_tokens * CHARS_PER_TOKEN
        if query is not None and len(query) > limit:
            raise RequestRejected(
                413,
                "DOCUMENT_TOO_LARGE",
                f"the document has {len(query)} characters; the limit is {limit}",
                maxCharacters=limit,
            )

    def _from_body(self, data: object, protocol: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        if isinstance(data, list):
            self._validate_batch_request(data, protocol)
            if protocol != "http":
                raise RequestRejected(400, "BAD_REQUEST", "a batch cannot be answered as an event stream")
            if not data:
                raise RequestRejected(400, "BAD_REQUEST", "the batch holds no operation")
            return [_request_data(item, protocol, f"batch entry {index}") for index, item in enumerate(data)]
        return _request_data(data, protocol, "the request body")

    def _validate_batch_request(self, request_data: list[Any], protocol: Any) -> None:
        """Batching as the settings allow (Strawberry's own switch lives on the schema)."""
        self.guard.check_batch(len(request_data))

    async def execute_single(
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Any,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Run one operation: queries over GET, queries and mutations over POST (subscriptions need a stream)."""
        method = request_adapter.method
        allowed = {OperationType.QUERY} if method == "GET" else {OperationType.QUERY, OperationType.MUTATION}
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as error:
            if error.operation_type == OperationType.SUBSCRIPTION and method == "POST":
                raise RequestRejected(
                    400,
                    "SUBSCRIPTION_NEEDS_STREAM",
                    f"a subscription streams its events: POST it with `Accept: {EVENT_STREAM}` (GraphQL over SSE) "
                    "or send it over the graphql-transport-ws websocket",
                ) from None
            raise RequestRejected(
                405,
                "METHOD_NOT_ALLOWED",
                "only queries run over GET: send mutations with POST",
                headers={"allow": "POST"},
            ) from None
        except CannotGetOperationTypeError as error:
            raise RequestRejected(400, "BAD_REQUEST", error.as_http_error_reason()) from None
        except MissingQueryError:
            raise RequestRejected(400, "BAD_REQUEST", "No GraphQL query found in the request") from None

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        """Strawberry's result body; without ``data`` for a request error answered as graphql-response+json."""
        body = await super().process_result(request, result)
        if _media_type.get() == GRAPHQL_RESPONSE_JSON and not execution_started(result):
            body.pop("data", None)
        return body

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        """The JSON response; as graphql-response+json, 400 for a request error (unless a status was set)."""
        response = super().create_response(response_data, sub_response)
        if _media_type.get() == GRAPHQL_RESPONSE_JSON:
            response.headers["content-type"] = GRAPHQL_RESPONSE_JSON
            if not sub_response.status_code and isinstance(response_data, dict) and "data" not in response_data:
                response.status_code = 500 if _internal(response_data) else 400
        return response

    def decode_json(self, data: str | bytes) -> object:
        """``json.loads`` that answers a too-deeply nested body with 400 instead of a crash."""
        try:
            return json.loads(data)
        except RecursionError:
            raise HTTPException(400, "the JSON body nests too deeply") from None


def _check_single_headers(request: Request) -> None:
    seen: set[bytes] = set()
    for name, _ in request.scope.get("headers", ()):
        lowered = name.lower()
        if lowered in SINGLE_HEADERS:
            if lowered in seen:
                raise RequestRejected(
                    400, "BAD_REQUEST", f"the {lowered.decode()} header is sent more than once", header=lowered.decode()
                )
            seen.add(lowered)


def _check_idempotency_header(request: Request) -> None:
    """A malformed ``Idempotency-Key`` is refused before anything runs (mutations check it again, with the input)."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None:
        try:
            check_key(key, "Idempotency-Key header")
        except IdempotencyKeyInvalid as error:
            raise RequestRejected(400, error.code, error.message, **error.extensions) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _decode(body: bytes) -> object:
    """The JSON body (strict: no NaN or Infinity), or a 400 saying why not."""
    if not body.strip():
        raise RequestRejected(400, "BAD_REQUEST", "the request body is empty: send a JSON object with `query`")
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except RecursionError:
        raise RequestRejected(400, "BAD_REQUEST", "the JSON body nests too deeply") from None
    except ValueError:  # not JSON, not UTF-8, a number with more digits than Python converts
        raise RequestRejected(400, "BAD_REQUEST", "Unable to parse request body as JSON") from None


def _request_data(data: object, protocol: Any, where: str) -> GraphQLRequestData:
    """One operation from a JSON object (GraphQL over HTTP's parameters, each of its type or null)."""
    if not isinstance(data, dict):
        raise RequestRejected(
            400, "BAD_REQUEST", f"{where} must be a JSON object with `query` (and `variables`, `operationName`)"
        )
    for name, kind in _PARAMETER_TYPES.items():
        value = data.get(name)
        if value is not None and not isinstance(value, str if kind == "a string" else dict):
            raise RequestRejected(
                400, "BAD_REQUEST", f"The GraphQL operation's `{name}` must be {kind} or null, if provided."
            )
    return GraphQLRequestData(
        query=data.get("query"),
        variables=data.get("variables"),
        operation_name=data.get("operationName"),
        extensions=data.get("extensions"),
        protocol=protocol,
    )


def _from_query_string(params: Mapping[str, str], protocol: Any) -> GraphQLRequestData:
    """A GET's operation: ``query``, ``operationName``, and ``variables``/``extensions`` as JSON text."""
    data: dict[str, object] = dict(params)
    for name in ("variables", "extensions"):
        text = data.get(name)
        if isinstance(text, str):
            data[name] = _decode_parameter(name, text) if text.strip() else None
    return _request_data(data, protocol, "the query string")


def _decode_parameter(name: str, text: str) -> object:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (RecursionError, ValueError):
        raise RequestRejected(400, "BAD_REQUEST", f"the `{name}` parameter is not JSON") from None


def _error_media_type(negotiated: str) -> str:
    """Refusals are JSON documents: as negotiated, or ``application/json`` for an event-stream request."""
    return JSON if negotiated == EVENT_STREAM else negotiated


def _internal(body: GraphQLHTTPResponse) -> bool:
    """A result that failed for the gateway's own fault (masked as ``INTERNAL_SERVER_ERROR``)."""
    for error in body.get("errors") or ():
        extensions = error.get("extensions") if isinstance(error, dict) else None
        if isinstance(extensions, dict) and extensions.get("code") == "INTERNAL_SERVER_ERROR":
            return True
    return False
