"""Shared shapes of the composition layer: pages, availability, money and the clock."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Generic, TypeVar

from gateway.backends import Page
from gateway.errors import BadUserInput

Item = TypeVar("Item")

# `first` of every page (connections, activity lists): at most MAX_FIRST, DEFAULT_FIRST when not given. The schema's
# argument defaults and descriptions read these too.
MAX_FIRST = 100
DEFAULT_FIRST = 20
_CURSOR_PREFIX = "c1:"
_BACKEND_CURSOR = re.compile(r"c1:(?P<position>[0-9]{1,19})", re.ASCII)
_MAX_POSITION = 2**63 - 1  # the services' positions are SQLite integers
_MAX_CURSOR_LENGTH = 64


def now() -> datetime:
    """The current time (UTC); one place to read the clock."""
    return datetime.now(UTC)


class AvailabilityState(Enum):
    """Whether a section has real data behind it."""

    AVAILABLE = "available"
    EMPTY = "empty"  # built and answered, with nothing to show for this subject
    UNAVAILABLE = "unavailable"  # a runtime condition (not running, not yours to manage) or a read-model gap
    FUTURE = "future"  # not built yet: a future-product gap


class GapClass(Enum):
    """Which kind of lack a section's missing data is, in the parity pass's terms (none: not a gap)."""

    READ_MODEL = "read_model"  # the contract and the backend lack it
    SEED = "seed"  # the data lacks the persona or resource needed to exercise it
    FUTURE_PRODUCT = "future_product"  # accepted and documented for later


@dataclass(frozen=True)
class Availability:
    """A typed explicit state for a section, with a stable link explaining it and, when data is missing for a
    reason other than a runtime condition, its gap class."""

    state: AvailabilityState
    reason: str | None = None
    link: str | None = None
    gap: GapClass | None = None


def runtime_condition(reason: str, link: str) -> Availability:
    """Unavailable now because of the object's state or the viewer's role; not a gap."""
    return Availability(AvailabilityState.UNAVAILABLE, reason, link)


def empty(reason: str, link: str) -> Availability:
    """Built and answered, but nothing is recorded for this subject (a page shows its empty state)."""
    return Availability(AvailabilityState.EMPTY, reason, link)


def read_model_gap(reason: str, link: str) -> Availability:
    """Unavailable because the contract or the backend does not carry the data yet."""
    return Availability(AvailabilityState.UNAVAILABLE, reason, link, GapClass.READ_MODEL)


def future_product(reason: str, link: str) -> Availability:
    """A capability the product does not offer yet, accepted for later."""
    return Availability(AvailabilityState.FUTURE, reason, link, GapClass.FUTURE_PRODUCT)


AVAILABLE = Availability(AvailabilityState.AVAILABLE)


@dataclass(frozen=True)
class Money:
    """An amount in a currency."""

    amount: Decimal
    currency: str = "USD"

    @classmethod
    def from_cents(cls, cents: int | float, currency: str = "USD") -> Money:
        """Money from a (possibly fractional) number of cents, rounded to the cent (one shared, frozen object per
        figure: a page repeats the same rates and balances on every row)."""
        if cls is not Money:
            return cls(_amount(cents), currency)
        return _money(cents, currency)


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
    """The backend cursor inside a connection cursor; ``BadUserInput`` if it is not one of ours.

    Backend cursors are positions in a service's listing: ASCII digits of a signed 64-bit integer. Anything
    else (another encoding, Unicode digits, a number past 2^63 - 1) is refused here, before any backend call.
    """
    if cursor is None:
        return None
    refused = BadUserInput("`after` is not a cursor this API issued", argument="after")
    if len(cursor) > _MAX_CURSOR_LENGTH:
        raise refused
    try:
        raw = base64.b64decode(cursor.encode("ascii"), altchars=b"-_", validate=True).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        raise refused from None
    match = _BACKEND_CURSOR.fullmatch(raw)
    if match is None or int(match["position"]) > _MAX_POSITION or encode_cursor(match["position"]) != cursor:
        raise refused  # not exactly what ``encode_cursor`` issues (other padding, other alphabets)
    return match["position"]


def page_of(page: Page[Item], first: int) -> PageOf[Item]:
    """A backend page as a connection page (``first`` may be 0: counts only)."""
    items = page.items[:first]
    return PageOf(
        items=items,
        cursors=[encode_cursor(c) for c in page.cursors[:first]],
        has_next_page=page.next_cursor is not None or len(page.items) > first,
        total_count=page.total,
    )


def _amount(cents: int | float) -> Decimal:
    return (Decimal(str(cents)) / 100).quantize(Decimal("0.01"))


@lru_cache(maxsize=4096)
def _money(cents: int | float, currency: str) -> Money:
    return Money(_amount(cents), currency)
