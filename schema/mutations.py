"""The ``Mutation`` root, composed from each domain's mutations like ``Query`` is from its root fields.

Every field takes one ``input`` and returns a payload with ``userErrors``; every one is idempotent under an
``Idempotency-Key`` header or ``input.idempotencyKey`` (see ``gateway.idempotency``).
"""

from __future__ import annotations

import strawberry

from schema.mutations_access import AccessMutation
from schema.mutations_account import AccountMutation
from schema.mutations_launch import LaunchMutation
from schema.mutations_notifications import NotificationsMutation
from schema.mutations_platform import PlatformMutation
from schema.mutations_storage import StorageMutation
from schema.mutations_workloads import WorkloadsMutation


@strawberry.type(description="Every change the console and integrators make; each is idempotent under its key.")
class Mutation(
    LaunchMutation, WorkloadsMutation, StorageMutation, AccessMutation, AccountMutation, NotificationsMutation,
    PlatformMutation,
):
    """The root mutation type."""
