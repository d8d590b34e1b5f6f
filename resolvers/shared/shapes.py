"""Shared shapes of the composition layer: pages, availability, money and the clock."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Generic, TypeVar

from gateway.backends import Page
from gateway.errors import BadUserInput

Item = TypeVar("Item")

# `first` of every page (connections, activity lists): at most MAX_FIRST, DEFAULT_FIRST when not given. The schema's
# argument defaults and descriptions read these too.
MAX_FIRST = 100
DEFAULT_FIRST = 20
_CURSOR_PREFIX = "c1:"


def now() -> datetime:
    """The current time (UTC); one place to read the clock."""
    return datetime.now(UTC)


class AvailabilityState(Enum):
    """Whether a section has real data behind it."""

    AVAILABLE = "available"
    UNAVAILABLE = "unavailable"
    FUTURE = "future"


@dataclass(frozen=True)
class Availability:
    """A typed explicit state for a section, with a stable link explaining it."""

    state: AvailabilityState
    reason: str | None = None
    link: str | None = None


AVAILABLE = Availability(AvailabilityState.AVAILABLE)


@dataclass(frozen=True)
class Money:
    """An amount in a currency."""

    amount: Decimal
    currency: str = "USD"

    @classmethod
    def from_cents(cls, cents: int | float, currency: str = "USD") -> Money:
        """Money from a (possibly fractional) number of cents, rounded to the cent."""
        return cls((Decimal(str(cents)) / 100).quantize(Decimal("0.01")), currency)


@dataclass(frozen=True)
class PageOf(Generic[Item]):
    """One page of a connection: items with their cursors."""

    items: list[Item]
    cursors: list[str]
    has_next_page: bool
    total_count: int


def check_first(first: int) -> int:
    """``first`` within 0..MAX_FIRST, else ``BadUserInput``."""
    if not 0 <= first <= MAX_FIRST:
        raise BadUserInput(f"`first` must be between 0 and {MAX_FIRST}, got {first}", argument="first")
    return first


def encode_cursor(backend_cursor: str) -> str:
    """The opaque connection cursor wrapping a backend cursor."""
    return base64.urlsafe_b64encode((_CURSOR_PREFIX + backend_cursor).encode()).decode()


def decode_cursor(cursor: str | None) -> str | None:
    """The backend cursor inside a connection cursor; ``BadUserInput`` if it is not one of ours."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii")).decode()
    except (binascii.Error, UnicodeError, ValueError):
        raise BadUserInput("`after` is not a cursor this API issued", argument="after") from None
    if not raw.startswith(_CURSOR_PREFIX) or not raw[len(_CURSOR_PREFIX) :].isdigit():
        raise BadUserInput("`after` is not a cursor this API issued", argument="after")
    return raw[len(_CURSOR_PREFIX) :]


def page_of(page: Page[Item], first: int) -> PageOf[Item]:
    """A backend page as a connection page (``first`` may be 0: counts only)."""
    items = page.items[:first]
    return PageOf(
        items=items,
        cursors=[encode_cursor(c) for c in page.cursors[:first]],
        has_next_page=page.next_cursor is not None or len(page.items) > first,
        total_count=page.total,
    )
