"""The notifications inbox (read side): the viewer's own notifications only, within retention.

The viewer's whole unexpired inbox is one backend call (bounded by the retention window), shared
by the list, the unread badge, the category counts and node lookups of one request, so any mix of
them costs one call; filters and cursor paging apply to that list.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.backends.account.models import InboxItem, Notification
from gateway.context import RequestContext
from gateway.errors import BadUserInput
from resolvers.shared.links import console_path
from resolvers.shared.shapes import PageOf, check_first, decode_cursor, encode_cursor, now

CATEGORIES = ("workloads", "storage", "billing", "access", "security", "platform", "system", "other")
SEVERITIES = ("info", "success", "warning", "critical")
EXPIRING_SOON = timedelta(days=7)
DEFAULT_SETTING = "default"


@dataclass(frozen=True)
class Retention:
    """How long notifications are kept for the viewer, and the oldest moment still available."""

    days: int
    oldest_available_at: datetime


@dataclass(frozen=True)
class CategoryCount:
    """Notifications of one category in the inbox."""

    category: str
    total: int
    unread: int


def category(notification: Notification) -> str:
    """The notification's category; ones the gateway does not know are ``other``."""
    return notification.category if notification.category in CATEGORIES else "other"


def severity(notification: Notification) -> str:
    """The notification's severity; unknown severities read as ``info``."""
    return notification.severity if notification.severity in SEVERITIES else "info"


def link(notification: Notification) -> str | None:
    """Where the notification leads in the console (never an absolute URL)."""
    return console_path(notification.link)


def expiring_soon(notification: Notification, at: datetime | None = None) -> bool:
    """True when retention removes the notification within a week."""
    return notification.expires_at - (at or now()) <= EXPIRING_SOON


async def inbox(ctx: RequestContext) -> list[InboxItem]:
    """The viewer's unexpired notifications, newest first."""
    viewer = await ctx.viewer()
    items = await ctx.loaders.account.inboxes_by_user.load(viewer.user.id)
    moment = now()
    # The service filters both already; checked again so a lagging purge or a bad filter never leaks.
    return [i for i in items if i.notification.user_id == viewer.user.id and i.notification.expires_at > moment]


async def unread_count(ctx: RequestContext) -> int:
    """Unread notifications of the viewer (the shell's badge)."""
    return sum(1 for i in await inbox(ctx) if i.notification.read_at is None)


async def category_counts(ctx: RequestContext) -> list[CategoryCount]:
    """Total and unread notifications per category present in the inbox, in category order."""
    items = await inbox(ctx)
    totals = Counter(category(i.notification) for i in items)
    unread = Counter(category(i.notification) for i in items if i.notification.read_at is None)
    return [CategoryCount(c, totals[c], unread[c]) for c in CATEGORIES if totals[c]]


async def list_notifications(
    ctx: RequestContext, *, first: int, after: str | None, unread_only: bool = False, category_filter: str | None = None
) -> PageOf[Notification]:
    """A newest-first page of the viewer's notifications, optionally unread only or of one category."""
    check_first(first)
    backend_after = decode_cursor(after)
    if category_filter is not None and category_filter not in CATEGORIES:
        raise BadUserInput(f"unknown notification category {category_filter!r}", argument="category")
    matching = [
        i
        for i in await inbox(ctx)
        if (not unread_only or i.notification.read_at is None)
        and (category_filter is None or category(i.notification) == category_filter)
    ]
    start = matching if backend_after is None else [i for i in matching if int(i.cursor) < int(backend_after)]
    page = start[:first]
    return PageOf(
        items=[i.notification for i in page],
        cursors=[encode_cursor(i.cursor) for i in page],
        has_next_page=len(start) > first,
        total_count=len(matching),
    )


async def get_notifications(ctx: RequestContext, ids: Sequence[str]) -> list[Notification | None]:
    """Notifications by id from the viewer's own inbox: anyone else's id reads as missing."""
    mine = {i.notification.id: i.notification for i in await inbox(ctx)}
    return [mine.get(i) for i in ids]


async def retention(ctx: RequestContext) -> Retention | None:
    """The viewer's retention window: their tenant's setting, else the platform default (None if neither)."""
    viewer = await ctx.viewer()
    keys = [k for k in (viewer.tenant_id, DEFAULT_SETTING) if k]
    found = [s for s in await ctx.loaders.account.notification_settings.load_many(keys) if s is not None]
    if not found:
        return None
    days = found[0].retention_days
    return Retention(days=days, oldest_available_at=now() - timedelta(days=days))
