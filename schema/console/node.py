"""``node`` and ``nodes``: fetch any object by global id, batched per type, scoped like every field."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from gateway.context import RequestContext
from gateway.errors import BadUserInput, NotFound
from gateway.ids import decode_global_id
from resolvers.access import evidence
from resolvers.access import nodes as access_nodes
from resolvers.access import queries as access
from resolvers.account import notifications
from resolvers.launch import queries as launch_drafts
from resolvers.platform import compute
from resolvers.platform import queries as platform
from resolvers.storage import grants as storage_grants
from resolvers.storage import queries as storage
from resolvers.workloads import apps
from resolvers.workloads import queries as workloads
from schema.access.evidence import AuditEvent
from schema.access.governance import SsoIntegration
from schema.access.members import Credential, ServiceAccount
from schema.access.types import Project, Tenant, User
from schema.account.notifications import Notification
from schema.launch.types import LaunchDraft
from schema.platform.compute import ComputeSku
from schema.platform.sections import PLATFORM_NODE_TYPES
from schema.platform.types import GpuNode
from schema.shared.types import Node, NodeSource
from schema.storage.grants import StorageGrant
from schema.storage.types import Bucket
from schema.workloads.apps import App
from schema.workloads.types import workload_type

MAX_NODES = 100

# Type name in the global id -> (scoped batch fetch, GraphQL conversion).
NODE_TYPES: dict[str, NodeSource] = {
    "Workload": (workloads.get_workloads, workload_type),
    "Bucket": (storage.get_buckets, Bucket.of),
    "Project": (access.get_projects, Project.of),
    "Tenant": (access.get_tenants, Tenant.of),
    "User": (access.get_users, User.of),
    "GpuNode": (platform.get_nodes, GpuNode.of),
    "ComputeSku": (compute.get_skus, ComputeSku.of_model),
    "App": (apps.get_apps, App.of),
    "Notification": (notifications.get_notifications, Notification.of),
    "ServiceAccount": (access_nodes.get_service_accounts, ServiceAccount.of),
    "Credential": (access_nodes.get_credentials, Credential.of),
    "SsoIntegration": (access_nodes.get_identity_providers, SsoIntegration.of),
    "AuditEvent": (evidence.get_audit_events, AuditEvent.of),
    **PLATFORM_NODE_TYPES,
    "LaunchDraft": (launch_drafts.get_drafts, LaunchDraft.of),
    "StorageGrant": (storage_grants.get_grants, StorageGrant.of),
}


async def resolve_nodes(ctx: RequestContext, ids: Sequence[str], argument: str) -> list[Node | Exception]:
    """Each id's object, or the error to report at its position (one batch per type).

    A malformed id or a failing backend costs only the positions it concerns, not the whole list.
    """
    decoded: list[tuple[str, str] | Exception] = []
    for index, global_id in enumerate(ids):
        try:
            decoded.append(decode_global_id(global_id, argument=argument if len(ids) == 1 else f"{argument}[{index}]"))
        except BadUserInput as error:
            decoded.append(error)
    by_type: dict[str, list[str]] = {}
    for item in decoded:
        if isinstance(item, tuple) and item[0] in NODE_TYPES:
            by_type.setdefault(item[0], []).append(item[1])
    fetched = await asyncio.gather(
        *(NODE_TYPES[t][0](ctx, locals_) for t, locals_ in by_type.items()), return_exceptions=True
    )
    found: dict[tuple[str, str], Any] = {}
    failed: dict[str, Exception] = {}
    for type_name, models in zip(by_type, fetched, strict=True):
        if isinstance(models, Exception):
            failed[type_name] = models
        elif isinstance(models, BaseException):
            raise models  # cancellation
        else:
            found.update(((type_name, local), model) for local, model in zip(by_type[type_name], models, strict=True))
    results: list[Node | Exception] = []
    for item in decoded:
        if isinstance(item, Exception):
            results.append(item)
        elif item[0] in failed:
            results.append(failed[item[0]])
        elif (model := found.get(item)) is not None:
            results.append(NODE_TYPES[item[0]][1](model))
        else:
            results.append(NotFound(f"no {item[0]} with this id"))
    return results
