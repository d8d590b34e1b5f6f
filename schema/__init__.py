"""The GraphQL surface: Strawberry types per domain, thin, each field documented.

``schema`` is the object the runtime loads through ``GATEWAY_SCHEMA`` (default ``schema:schema``).
"""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from gateway.document_cache import DocumentCache
from gateway.executor import CompiledExecutor
from gateway.extensions import BackendCallReport, ErrorCodes, QuietErrorLogging
from gateway.idempotency.extension import IdempotencyReport
from gateway.limits import OperationLimits
from gateway.telemetry.extension import operation_telemetry
from schema.access.queries import AccessConsoleQuery, AccessQuery, EvidenceQuery
from schema.account.queries import AccountQuery, NotificationsQuery
from schema.console.live import Subscription
from schema.console.queries import NodeQuery, OverviewsQuery, ShellQuery
from schema.launch.queries import LaunchQuery
from schema.platform.queries import ComputeQuery, DeveloperQuery, PlatformQuery
from schema.root_mutation import Mutation
from schema.shared.types import SCALARS
from schema.storage.queries import StorageProvidersQuery, StorageQuery
from schema.workloads.queries import AppsQuery, WorkloadsQuery
from schema.workloads.types import ComputeWorkload, JupyterWorkload, TrainingWorkload, VllmWorkload


@strawberry.type(description="Every read the console makes, one root field per page or object.")
class Query(
    NodeQuery,
    AccessQuery,
    WorkloadsQuery,
    StorageQuery,
    ComputeQuery,
    AppsQuery,
    DeveloperQuery,
    NotificationsQuery,
    AccessConsoleQuery,
    AccountQuery,
    EvidenceQuery,
    PlatformQuery,
    LaunchQuery,
    ShellQuery,
    OverviewsQuery,
    StorageProvidersQuery,
):
    """The root query type, composed from each domain's root fields."""


class GatewaySchema(QuietErrorLogging, strawberry.Schema):
    """Strawberry schema whose expected errors are not logged as faults."""


schema = GatewaySchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,  # live updates (schema.console.live)
    config=StrawberryConfig(scalar_map=SCALARS),
    types=[ComputeWorkload, JupyterWorkload, VllmWorkload, TrainingWorkload],
    execution_context_class=CompiledExecutor,  # planned operations; GATEWAY_EXECUTOR=standard for graphql-core's
    extensions=[
        operation_telemetry,  # first, so it sees the errors ErrorCodes has classified
        ErrorCodes,
        OperationLimits,  # tokens, depth, aliases, root fields, directives, cost (GATEWAY_MAX_*); introspection
        BackendCallReport,
        IdempotencyReport,  # extensions.idempotency: which mutation fields replayed a stored outcome
        DocumentCache,  # last: parse and validate a document seen before only once (after the limits' checks)
    ],
)
