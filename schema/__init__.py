"""The GraphQL surface: Strawberry types per domain, thin, each field documented.

``schema`` is the object the runtime loads through ``GATEWAY_SCHEMA`` (default ``schema:schema``).
"""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter

from strawberry.schema.config import StrawberryConfig

from gateway.extensions import BackendCallReport, ErrorCodes, QuietErrorLogging
from schema.access import AccessQuery
from schema.common import SCALARS
from schema.node import NodeQuery
from schema.storage import StorageQuery
from schema.workloads import ComputeWorkload, JupyterWorkload, TrainingWorkload, VllmWorkload, WorkloadsQuery

MAX_DEPTH = 15
MAX_ALIASES = 30
MAX_TOKENS = 5000


@strawberry.type(description="Every read the console makes, one root field per page or object.")
class Query(NodeQuery, AccessQuery, WorkloadsQuery, StorageQuery):
    """The root query type, composed from each domain's root fields."""


class GatewaySchema(QuietErrorLogging, strawberry.Schema):
    """Strawberry schema whose expected errors are not logged as faults."""


schema = GatewaySchema(
    query=Query,
    config=StrawberryConfig(scalar_map=SCALARS),
    types=[ComputeWorkload, JupyterWorkload, VllmWorkload, TrainingWorkload],
    extensions=[
        ErrorCodes,
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        BackendCallReport,
    ],
)
