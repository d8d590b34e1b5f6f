"""The GraphQL surface: Strawberry types per domain, thin, each field documented.

``schema`` is the object the runtime loads through ``GATEWAY_SCHEMA`` (default ``schema:schema``).
"""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from gateway.document_cache import DocumentCache
from gateway.extensions import BackendCallReport, ErrorCodes, QuietErrorLogging
from gateway.idempotency.extension import IdempotencyReport
from gateway.limits import OperationLimits
from gateway.telemetry.extension import operation_telemetry
from schema.access.evidence import EvidenceQuery
from schema.access.queries import AccessConsoleQuery
from schema.access.types import AccessQuery
from schema.account.notifications import NotificationsQuery
from schema.account.types import AccountQuery
from schema.console.live import Subscription
from schema.console.node import NodeQuery
from schema.console.overviews import OverviewsQuery
from schema.console.shell import ShellQuery
from schema.launch.queries import LaunchQuery
from schema.platform.compute import ComputeQuery
from schema.platform.developer import DeveloperQuery
from schema.platform.queries import PlatformQuery
from schema.root_mutation import Mutation
from schema.shared.types import SCALARS
from schema.storage.providers import StorageProvidersQuery
from schema.storage.types import StorageQuery
from schema.workloads.apps import AppsQuery
from schema.workloads.types import ComputeWorkload, JupyterWorkload, TrainingWorkload, VllmWorkload, WorkloadsQuery


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
    extensions=[
        operation_telemetry,  # first, so it sees the errors ErrorCodes has classified
        ErrorCodes,
        OperationLimits,  # tokens, depth, aliases, root fields, directives, cost (GATEWAY_MAX_*); introspection
        BackendCallReport,
        IdempotencyReport,  # extensions.idempotency: which mutation fields replayed a stored outcome
        DocumentCache,  # last: parse and validate a document seen before only once (after the limits' checks)
    ],
)
