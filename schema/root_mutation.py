"""The ``Mutation`` root, composed from each domain's mutations like ``Query`` is from its root fields.

Every field takes one ``input`` and returns a payload with ``userErrors``; every one is idempotent under an
``Idempotency-Key`` header or ``input.idempotencyKey`` (see ``gateway.idempotency``).
"""

from __future__ import annotations

import strawberry

from schema.access.mutations import AccessMutation
from schema.account.mutations import AccountMutation, NotificationsMutation
from schema.launch.mutations import LaunchMutation
from schema.platform.mutations import PlatformMutation
from schema.storage.mutations import StorageMutation
from schema.workloads.mutations import WorkloadsMutation


@strawberry.type(description="Every change the console and integrators make; each is idempotent under its key.")
class Mutation(
    LaunchMutation,
    WorkloadsMutation,
    StorageMutation,
    AccessMutation,
    AccountMutation,
    NotificationsMutation,
    PlatformMutation,
):
    """The root mutation type."""
