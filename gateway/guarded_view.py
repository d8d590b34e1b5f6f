"""The GraphQL view's security hooks, as a mixin over Strawberry's ASGI view (see ``gateway.guard``)."""

from __future__ import annotations

import contextvars
import json
from typing import TYPE_CHECKING, Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.http import GraphQLRequestData
from strawberry.types.unset import UNSET

from gateway.graphiql import persona_tokens, with_persona_picker
from gateway.guard import RequestGuard
from gateway.rejections import RequestRejected

if TYPE_CHECKING:
    from strawberry.asgi import GraphQL

    from gateway.context import RequestContext
    from gateway.viewer import ViewerDirectory

    # What the mixin is mixed into (``gateway.app.GatewayGraphQL``), so its ``super()`` calls are checked.
    _View = GraphQL[RequestContext, None]
else:
    _View = object

# The Starlette request being run (the parse hook only sees Strawberry's adapter of it).
_current_request: contextvars.ContextVar[Request | None] = contextvars.ContextVar("gateway_request", default=None)


class GuardedViewMixin(_View):
    """Admit (content type, credentials, rate limit) before Strawberry runs; check documents as it parses."""

    guard: RequestGuard
    directory: ViewerDirectory

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """Refusals become GraphQL error bodies with their HTTP status."""
        try:
            # Other methods go straight to Strawberry's coded 405; GraphiQL's page needs no credentials.
            if isinstance(request, Request) and request.method in ("GET", "POST") and not self._is_ide_request(request):
                request.state.principal, request.state.throttle = await self.guard.admit(request)
                _current_request.set(request)
            return await super().run(request, context, root_value)
        except RequestRejected as rejected:
            return rejected.response()

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
        """Strawberry's parsing, then the document checks for each operation."""
        parsed = await super().parse_http_body(request)
        entries = parsed if isinstance(parsed, list) else [parsed]
        current = _current_request.get()
        if isinstance(parsed, list) and len(parsed) > 1 and current is not None:
            throttle = await self.guard.take(current.state.principal.rate_key, len(parsed) - 1)
            current.state.throttle = throttle or current.state.throttle
        for entry in entries:
            entry.query = self.guard.check_document(request.method, entry)
        return parsed

    def _validate_batch_request(self, request_data: list[Any], protocol: Any) -> None:
        """Batching as the settings allow (Strawberry's own switch lives on the schema)."""
        self.guard.check_batch(len(request_data))

    def decode_json(self, data: str | bytes) -> object:
        """``json.loads`` that answers a too-deeply nested body with 400 instead of a crash."""
        try:
            return json.loads(data)
        except RecursionError:
            raise HTTPException(400, "the JSON body nests too deeply") from None
