"""Attention items: what needs the viewer's attention, each with the one action that resolves it.

Shared by the access and account overviews (and the tenant and project overviews built on them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from resolvers.shared.shapes import now

EXPIRING_SOON = timedelta(days=14)
CRITICAL_SOON = timedelta(days=3)


class Severity(Enum):
    """How urgent an attention item is (ordered most urgent first by ``rank``)."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for the most urgent."""
        return (Severity.CRITICAL, Severity.WARNING, Severity.INFO).index(self)


@dataclass(frozen=True)
class AttentionAction:
    """The primary action of an attention item."""

    label: str
    route: str


@dataclass(frozen=True)
class AttentionItem:
    """Something that needs attention: what, why, how urgent, and where to act."""

    kind: str
    severity: Severity
    title: str
    detail: str
    action: AttentionAction
    subject_type: str | None = None
    subject_id: str | None = None
    due_at: datetime | None = None


def ordered(items: Iterable[AttentionItem]) -> list[AttentionItem]:
    """Most urgent first, then soonest due, then by title (stable across requests)."""
    far = datetime.max.replace(tzinfo=now().tzinfo)
    return sorted(items, key=lambda i: (i.severity.rank, i.due_at or far, i.title))


def expiry_severity(expires_at: datetime, at: datetime | None = None) -> Severity | None:
    """CRITICAL within three days (or expired), WARNING within fourteen, else None."""
    left = expires_at - (at or now())
    if left <= CRITICAL_SOON:
        return Severity.CRITICAL
    if left <= EXPIRING_SOON:
        return Severity.WARNING
    return None


def humanize_delta(moment: datetime, at: datetime | None = None) -> str:
    """'in 3 days', 'in 5 hours', '2 days ago' — for attention details."""
    seconds = (moment - (at or now())).total_seconds()
    magnitude = abs(seconds)
    if magnitude >= 2 * 86400:
        amount = f"{int(magnitude // 86400)} days"
    elif magnitude >= 86400:
        amount = "1 day"
    elif magnitude >= 7200:
        amount = f"{int(magnitude // 3600)} hours"
    else:
        amount = f"{max(1, int(magnitude // 60))} minutes"
    return f"in {amount}" if seconds >= 0 else f"{amount} ago"
