"""The view serving the federation subgraph at ``/subgraph`` (``GATEWAY_SUBGRAPH=1``, schema ``schema.federation``).

It shares everything with ``/graphql``: the guard (authentication, rate limit), viewer cache, backends, stores and
the schema's extensions (operation limits, cost, error codes). One thing differs. A supergraph router sends
documents of its own making (query plans, ``_entities`` fetches), never the console's registered ones, so trusted
documents cannot hold there: the router enforces them for its clients (Apollo Router's safelist, Hive Gateway's
persisted documents). With ``GATEWAY_SUBGRAPH_ROUTER_SECRET`` set, ``/subgraph`` answers only requests carrying it
in ``X-Gateway-Router-Secret`` (403 ``ROUTER_ONLY`` otherwise) and runs the router's documents; without it the
registry applies as on ``/graphql`` (settings refuse trusted documents without a secret).
"""

from __future__ import annotations

import copy
import dataclasses
import hmac
from typing import Any

from starlette.requests import Request
from strawberry import Schema as BaseSchema
from strawberry.types.unset import UNSET

from gateway.app import GatewayGraphQL
from gateway.documents import PersistedQueries
from gateway.rejections import RequestRejected

ROUTER_SECRET_HEADER = "x-gateway-router-secret"


class SubgraphGraphQL(GatewayGraphQL):
    """``/subgraph``: the subgraph schema behind ``main``'s guard, for the supergraph router."""

    def __init__(self, schema: BaseSchema, main: GatewayGraphQL) -> None:
        settings = dataclasses.replace(main.settings, graphiql=False)
        super().__init__(schema, settings, main.backends, main.idempotency_store, main.live, shares_with=main)
        self.router_secret = settings.subgraph_router_secret
        if self.router_secret:
            # Same authenticator and rate limiter; the router's own documents run (it checks its clients').
            self.guard = copy.copy(main.guard)
            self.guard.documents = PersistedQueries(dataclasses.replace(settings.security, trusted_documents=False))

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """Refuse a request without the router's secret (when one is set) before anything else."""
        if self.router_secret and isinstance(request, Request):
            sent = request.headers.get(ROUTER_SECRET_HEADER, "")
            if not hmac.compare_digest(sent.encode(), self.router_secret.encode()):
                return RequestRejected(
                    403, "ROUTER_ONLY", f"/subgraph answers the supergraph router only ({ROUTER_SECRET_HEADER})"
                ).response()
        return await super().run(request, context, root_value)
