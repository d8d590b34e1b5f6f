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
from schema.access import AccessQuery
from schema.access_console import AccessConsoleQuery
from schema.account import AccountQuery
from schema.apps import AppsQuery
from schema.common import SCALARS
from schema.compute import ComputeQuery
from schema.developer import DeveloperQuery
from schema.evidence import EvidenceQuery
from schema.launch import LaunchQuery
from schema.live import Subscription
from schema.mutations import Mutation
from schema.node import NodeQuery
from schema.notifications import NotificationsQuery
from schema.overviews import OverviewsQuery
from schema.platform_console import PlatformQuery
from schema.shell import ShellQuery
from schema.storage import StorageQuery
from schema.storage_providers import StorageProvidersQuery
from schema.workloads import ComputeWorkload, JupyterWorkload, TrainingWorkload, VllmWorkload, WorkloadsQuery


@strawberry.type(description="Every read the console makes, one root field per page or object.")
class Query(
    NodeQuery, AccessQuery, WorkloadsQuery, StorageQuery, ComputeQuery, AppsQuery, DeveloperQuery, NotificationsQuery,
    AccessConsoleQuery, AccountQuery, EvidenceQuery, PlatformQuery, LaunchQuery, ShellQuery, OverviewsQuery,
    StorageProvidersQuery,
):
    """The root query type, composed from each domain's root fields."""


class GatewaySchema(QuietErrorLogging, strawberry.Schema):
    """Strawberry schema whose expected errors are not logged as faults."""


schema = GatewaySchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,  # live updates (schema.live)
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
