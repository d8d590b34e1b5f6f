"""Live updates for the viewer: new notifications, workload status changes, the unread badge.

Each stream registers with the process's event hub before reading anything, so nothing that happens while
it starts is missed. With ``after`` (an event id the client received) it first replays the service's
stream from there (already-present events, through the ordinary read path), then goes live, skipping
live events the replay already covered: no gap, no repeat. Scope is checked again on every event with
the viewer as the access service describes them now (cached for ``GATEWAY_VIEWER_CACHE_SECONDS``): a
notification only ever reaches its own user, a workload change only viewers who may see its project.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from gateway.backends.account.models import Notification
from gateway.backends.events import EventsExpired, WorkloadStatusPayload, replay_events
from gateway.backends.storage.models import Grant
from gateway.context import RequestContext
from gateway.errors import BadUserInput
from gateway.events.bus import live_event
from gateway.events.hub import EventHub, Subscription
from gateway.events.model import LiveEvent, parse_event_id
from gateway.viewer import Viewer
from resolvers.account import notifications
from resolvers.shared.scope import not_found
from resolvers.shared.shapes import now

log = logging.getLogger("gateway.live")
NOTIFICATION_CREATED = "notification.created"
NOTIFICATION_READ = "notification.read"
WORKLOAD_STATUS_CHANGED = "workload.status_changed"
STORAGE_GRANT_CHANGED = "storage_grant.changed"


@dataclass(frozen=True)
class NotificationAdded:
    """A notification that arrived in the viewer's inbox, and its position in the event stream."""

    event_id: str
    notification: Notification


@dataclass(frozen=True)
class WorkloadStatusChange:
    """A workload changed status."""

    event_id: str
    workload: WorkloadStatusPayload
    changed_at: datetime


async def _subscribe(ctx: RequestContext, topics: Iterable[str]) -> tuple[EventHub, Subscription]:
    """The hub and a subscription registered with it under ``topics``; unsubscribe it from that hub when done."""
    hub = ctx.events
    if hub is None:
        raise RuntimeError("this gateway has no event hub")  # create_app always makes one
    await hub.wait_ready()
    _fresh_loaders(ctx)  # an idle subscription holds no cache (resolving the viewer filled one)
    connection = ctx.connection
    reason = "slow consumer: too many undelivered events; reconnect and resume with `after`"
    on_overflow = (lambda: connection.close_slow_consumer(reason)) if connection is not None else None
    return hub, hub.subscribe(topics, on_overflow)


async def _viewer_now(ctx: RequestContext) -> Viewer:
    """The viewer as the access service describes them now (scope may have changed since the subscription)."""
    if ctx.principal is None:
        return await ctx.viewer()
    return await ctx.directory.viewer_of(ctx.principal)


def _fresh_loaders(ctx: RequestContext) -> None:
    """Loaders cache for one request; a long-lived subscription reads each event's objects afresh."""
    ctx.reset_loaders()  # new ones are made only if a field needs them


async def _replay(
    ctx: RequestContext, domain: str, after: str, filters: Mapping[str, list[str]]
) -> AsyncIterator[LiveEvent]:
    stream, position = parse_event_id(after, domain)
    client = getattr(ctx.backends, domain)
    try:
        async for page in replay_events(client, str(position), filters):
            if page.stream != stream:
                raise BadUserInput(
                    "`after` belongs to an earlier event stream (the service was reset): "
                    "reload the current state and subscribe without it",
                    argument="after",
                    reason="stream_changed",
                )
            for item in page.items:
                yield live_event(domain, stream, item)
    except EventsExpired:
        raise BadUserInput(
            "`after` is older than the event retention window: reload the current state and subscribe without it",
            argument="after",
            reason="expired",
        ) from None


def _already_sent(event: LiveEvent, last: tuple[str, int] | None) -> bool:
    return last is not None and event.stream == last[0] and event.seq <= last[1]


def _notification_added(event: LiveEvent, user_id: str) -> NotificationAdded | None:
    if event.type != NOTIFICATION_CREATED or event.user_id != user_id:
        return None
    try:
        notification = Notification.model_validate(event.data)
    except ValidationError:
        log.warning("skipped a malformed %s event (%s)", event.type, event.event_id)
        return None
    if notification.user_id != user_id or notification.expires_at <= now():
        return None
    return NotificationAdded(event.event_id, notification)


async def notifications_added(ctx: RequestContext, after: str | None = None) -> AsyncIterator[NotificationAdded]:
    """Notifications arriving in the viewer's inbox (after ``after``, replayed first, when given)."""
    viewer = await ctx.viewer()
    if after is not None:
        parse_event_id(after, "account")  # a bad id fails before anything is registered
    hub, subscription = await _subscribe(ctx, [f"user:{viewer.user.id}"])
    try:
        last: tuple[str, int] | None = None
        if after is not None:
            filters = {"type": [NOTIFICATION_CREATED], "user_id": [viewer.user.id]}
            async for event in _replay(ctx, "account", after, filters):
                last = (event.stream, event.seq)
                if (added := _notification_added(event, viewer.user.id)) is not None:
                    yield added
        while True:
            event = await subscription.next()
            if event.type != NOTIFICATION_CREATED or _already_sent(event, last):
                continue
            current = await _viewer_now(ctx)
            if (added := _notification_added(event, current.user.id)) is not None:
                yield added
    finally:
        hub.unsubscribe(subscription)


def _visible_change(event: LiveEvent, viewer: Viewer, project_id: str | None) -> WorkloadStatusChange | None:
    if event.type != WORKLOAD_STATUS_CHANGED:
        return None
    try:
        payload = WorkloadStatusPayload.model_validate(event.data)
    except ValidationError:
        log.warning("skipped a malformed %s event (%s)", event.type, event.event_id)
        return None
    if project_id is not None and payload.project_id != project_id:
        return None
    if not viewer.can_see_project(payload.project_id):
        return None
    if not viewer.is_operator and payload.tenant_id != viewer.tenant_id:
        return None
    return WorkloadStatusChange(event.event_id, payload, datetime.fromisoformat(event.at.replace("Z", "+00:00")))


async def workload_status_changes(
    ctx: RequestContext, project_id: str | None = None, after: str | None = None
) -> AsyncIterator[WorkloadStatusChange]:
    """Status changes of workloads the viewer may see (of one project when given)."""
    viewer = await ctx.viewer()
    if project_id is not None and not viewer.can_see_project(project_id):
        raise not_found("project")
    if after is not None:
        parse_event_id(after, "workloads")
    topics = ["tenant:*"] if viewer.is_operator else [f"tenant:{viewer.tenant_id}"] if viewer.tenant_id else []
    hub, subscription = await _subscribe(ctx, topics)
    try:
        last: tuple[str, int] | None = None
        if after is not None:
            filters = {"type": [WORKLOAD_STATUS_CHANGED]}
            if project_id is not None:
                filters["project_id"] = [project_id]
            elif not viewer.is_operator and viewer.tenant_id:
                filters["tenant_id"] = [viewer.tenant_id]
            async for event in _replay(ctx, "workloads", after, filters):
                last = (event.stream, event.seq)
                if (change := _visible_change(event, viewer, project_id)) is not None:
                    _fresh_loaders(ctx)
                    yield change
        while True:
            _fresh_loaders(ctx)  # nothing cached while waiting, nothing stale once the event is here
            event = await subscription.next()
            if _already_sent(event, last):
                continue
            current = await _viewer_now(ctx)
            if (change := _visible_change(event, current, project_id)) is not None:
                _fresh_loaders(ctx)
                yield change
    finally:
        hub.unsubscribe(subscription)


@dataclass(frozen=True)
class StorageAccessChange:
    """A grant was made or revoked: who reaches its bucket changed."""

    event_id: str
    grant: Grant
    changed_at: datetime


def _visible_grant_change(event: LiveEvent, viewer: Viewer) -> StorageAccessChange | None:
    """The change when the viewer sees the owning or the grantee project (a grantee learns its access ended)."""
    if event.type != STORAGE_GRANT_CHANGED:
        return None
    try:
        grant = Grant.model_validate(event.data)
    except ValidationError:
        log.warning("skipped a malformed %s event (%s)", event.type, event.event_id)
        return None
    if not viewer.is_operator and grant.tenant_id != viewer.tenant_id:
        return None
    if not (viewer.can_see_project(grant.owner_project_id) or viewer.can_see_project(grant.grantee_project_id)):
        return None
    return StorageAccessChange(event.event_id, grant, datetime.fromisoformat(event.at.replace("Z", "+00:00")))


async def storage_access_changes(ctx: RequestContext, after: str | None = None) -> AsyncIterator[StorageAccessChange]:
    """Grants made or revoked on buckets the viewer's projects own or are granted: open storage pages refresh."""
    viewer = await ctx.viewer()
    if after is not None:
        parse_event_id(after, "storage")
    topics = ["tenant:*"] if viewer.is_operator else [f"tenant:{viewer.tenant_id}"] if viewer.tenant_id else []
    hub, subscription = await _subscribe(ctx, topics)
    try:
        last: tuple[str, int] | None = None
        if after is not None:
            filters = {"type": [STORAGE_GRANT_CHANGED]}
            if not viewer.is_operator and viewer.tenant_id:
                filters["tenant_id"] = [viewer.tenant_id]
            async for event in _replay(ctx, "storage", after, filters):
                last = (event.stream, event.seq)
                if (change := _visible_grant_change(event, viewer)) is not None:
                    _fresh_loaders(ctx)
                    yield change
        while True:
            _fresh_loaders(ctx)
            event = await subscription.next()
            if _already_sent(event, last):
                continue
            current = await _viewer_now(ctx)
            if (change := _visible_grant_change(event, current)) is not None:
                _fresh_loaders(ctx)
                yield change
    finally:
        hub.unsubscribe(subscription)


async def unread_counts(ctx: RequestContext) -> AsyncIterator[int]:
    """The viewer's unread count now, then again whenever it changes (bursts of events coalesce)."""
    viewer = await ctx.viewer()
    hub, subscription = await _subscribe(ctx, [f"user:{viewer.user.id}"])
    try:
        count = await notifications.unread_count(ctx)
        _fresh_loaders(ctx)
        yield count
        while True:
            events = [await subscription.next(), *subscription.pending()]
            if not any(e.type in (NOTIFICATION_CREATED, NOTIFICATION_READ) for e in events):
                continue
            await _viewer_now(ctx)  # the user must still exist
            _fresh_loaders(ctx)
            fresh = await notifications.unread_count(ctx)
            _fresh_loaders(ctx)
            if fresh != count:
                count = fresh
                yield count
    finally:
        hub.unsubscribe(subscription)
