"""Live updates: the ``Subscription`` root (graphql-transport-ws on ``/graphql``, or GraphQL over SSE).

Every event carries an ``eventId``; a client that reconnects passes the last one it received as ``after``
and gets what it missed (within the retention window), then live events, without gaps or repeats.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

import strawberry

from gateway.ids import encode_global_id
from resolvers.console import live as resolve
from resolvers.console.live import StorageAccessChange
from resolvers.shared.scope import local_id
from resolvers.storage.queries import get_buckets
from resolvers.workloads.queries import get_workloads
from schema.account.notifications import Notification
from schema.shared.permissions import Authenticated
from schema.shared.types import Info
from schema.storage.grants import StorageGrant
from schema.storage.types import Bucket
from schema.workloads.types import Workload, WorkloadKind, WorkloadStatus, workload_type

EVENT_ID_DESCRIPTION = (
    "Position of this event in its stream. Pass the last one you received as `after` when you subscribe again "
    "to get what you missed first (within the retention window), then live events."
)
AFTER_DESCRIPTION = (
    "Resume after this `eventId` (one this subscription delivered before): missed events are replayed first. "
    "Omit to receive only new events."
)


@strawberry.type(description="A notification arrived in the viewer's inbox.")
class NotificationAddedEvent:
    event_id: str = strawberry.field(description=EVENT_ID_DESCRIPTION)
    notification: Notification = strawberry.field(description="The new notification.")


@strawberry.type(description="A workload the viewer may see changed status.")
class WorkloadStatusChangedEvent:
    event_id: str = strawberry.field(description=EVENT_ID_DESCRIPTION)
    workload_id: strawberry.ID = strawberry.field(description="Global id of the workload.")
    project_id: strawberry.ID = strawberry.field(description="Global id of the workload's project.")
    name: str = strawberry.field(description="The workload's name.")
    kind: WorkloadKind = strawberry.field(description="The workload's kind.")
    previous_status: WorkloadStatus | None = strawberry.field(
        description="Status before the change (null for a workload just launched)."
    )
    status: WorkloadStatus = strawberry.field(description="Status after the change.")
    status_reason: str | None = strawberry.field(description="Why, when the status has a reason (failures).")
    changed_at: datetime = strawberry.field(description="When the change was recorded.")

    @strawberry.field(
        description="The workload as it is now, read when the event is delivered (null once it is "
        "no longer visible to you)."
    )
    async def workload(self, info: Info) -> Workload | None:
        (found,) = await get_workloads(info.context, [local_id(self.workload_id, "Workload")])
        return workload_type(found) if found is not None else None

    @classmethod
    def of(cls, change: resolve.WorkloadStatusChange) -> WorkloadStatusChangedEvent:
        """From the resolver's change."""
        w = change.workload
        return cls(
            event_id=change.event_id,
            workload_id=strawberry.ID(encode_global_id("Workload", w.id)),
            project_id=strawberry.ID(encode_global_id("Project", w.project_id)),
            name=w.name,
            kind=WorkloadKind(w.kind),
            previous_status=WorkloadStatus(w.previous_status) if w.previous_status else None,
            status=WorkloadStatus(w.status),
            status_reason=w.status_reason,
            changed_at=change.changed_at,
        )


@strawberry.type(description="A grant on a bucket your projects own or are granted was made or revoked.")
class StorageAccessChangedEvent:
    event_id: str = strawberry.field(description=EVENT_ID_DESCRIPTION)
    bucket_id: strawberry.ID = strawberry.field(description="Global id of the bucket whose access changed.")
    grantee_project_id: strawberry.ID = strawberry.field(description="Global id of the project the grant is for.")
    active: bool = strawberry.field(description="False when the grant was revoked: the grantee no longer reaches it.")
    changed_at: datetime = strawberry.field(description="When the change was recorded.")
    model: strawberry.Private[StorageAccessChange]

    @strawberry.field(description="The grant as the event carried it.")
    def grant(self) -> StorageGrant:
        return StorageGrant.of(self.model.grant)

    @strawberry.field(
        description="The bucket as it is now, read when the event is delivered (null once you no longer reach it, "
        "as a grantee after a revoke)."
    )
    async def bucket(self, info: Info) -> Bucket | None:
        (found,) = await get_buckets(info.context, [self.model.grant.bucket_id])
        return Bucket.of(found) if found is not None else None

    @classmethod
    def of(cls, change: StorageAccessChange) -> StorageAccessChangedEvent:
        """From the resolver's change."""
        return cls(
            event_id=change.event_id,
            bucket_id=strawberry.ID(encode_global_id("Bucket", change.grant.bucket_id)),
            grantee_project_id=strawberry.ID(encode_global_id("Project", change.grant.grantee_project_id)),
            active=change.grant.revoked_at is None,
            changed_at=change.changed_at,
            model=change,
        )


@strawberry.type(
    description="Live updates for open pages: subscribe over graphql-transport-ws on /graphql, or "
    "POST with `Accept: text/event-stream` (GraphQL over SSE)."
)
class Subscription:
    @strawberry.subscription(
        permission_classes=[Authenticated], description="Notifications as they arrive in your inbox (yours only)."
    )
    async def notification_added(
        self,
        info: Info,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> AsyncGenerator[NotificationAddedEvent, None]:
        async for added in resolve.notifications_added(info.context, after):
            yield NotificationAddedEvent(event_id=added.event_id, notification=Notification.of(added.notification))

    @strawberry.subscription(
        permission_classes=[Authenticated],
        description="Status changes of workloads you may see (of one project when given).",
    )
    async def workload_status_changed(
        self,
        info: Info,
        project: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Global id of a project: only its workloads (NOT_FOUND if you may not see it)."
            ),
        ] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> AsyncGenerator[WorkloadStatusChangedEvent, None]:
        project_id = local_id(project, "Project", "project") if project is not None else None
        async for change in resolve.workload_status_changes(info.context, project_id, after):
            yield WorkloadStatusChangedEvent.of(change)

    @strawberry.subscription(
        permission_classes=[Authenticated],
        description="Grants made or revoked on buckets your projects own or are granted (storage pages refresh; a "
        "grantee learns at once that a revoke ended its access).",
    )
    async def storage_access_changed(
        self,
        info: Info,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> AsyncGenerator[StorageAccessChangedEvent, None]:
        async for change in resolve.storage_access_changes(info.context, after):
            yield StorageAccessChangedEvent.of(change)

    @strawberry.subscription(
        permission_classes=[Authenticated],
        description="Your unread notification count (the inbox badge): now, then on every change.",
    )
    async def unread_count(self, info: Info) -> AsyncGenerator[int, None]:
        async for count in resolve.unread_counts(info.context):
            yield count
