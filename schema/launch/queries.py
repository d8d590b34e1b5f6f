"""Root query fields of Launch."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.launch import queries as resolve
from resolvers.shared.scope import local_id
from schema.launch.types import LaunchDraft
from schema.shared.permissions import Authenticated
from schema.shared.types import Info


@strawberry.type
class LaunchQuery:
    """Root fields of the launch wizards."""

    @strawberry.field(
        permission_classes=[Authenticated],
        description="One of your launch drafts by global id (NOT_FOUND for anyone else's).",
    )
    async def launch_draft(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="Global id of a draft.")]
    ) -> LaunchDraft | None:
        return LaunchDraft.of(await resolve.get_draft(info.context, local_id(id, "LaunchDraft")))

    @strawberry.field(
        permission_classes=[Authenticated],
        description="Your open launch drafts, newest first (at most 50 of each kind of service). Drafts live in "
        "the workloads service (compute and app) and the storage service (storage): null, with an error at this "
        "path naming the service, when either is unavailable, so the rest of the launch page still renders.",
    )
    async def launch_drafts(self, info: Info) -> list[LaunchDraft] | None:
        return [LaunchDraft.of(d) for d in await resolve.open_drafts(info.context)]
