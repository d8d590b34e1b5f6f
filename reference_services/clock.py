"""The reference services' one clock: every figure that depends on time reads it.

Served services run on real time. Tests (and ``REFERENCE_CLOCK=<ISO-8601 UTC time>``) fix it, then move it
with ``advance``, so derived figures (accrued cost, month to date, runway) are exact and repeatable.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

CLOCK_VARIABLE = "REFERENCE_CLOCK"


class Clock:
    """Real time, or a fixed moment that only moves when told to."""

    def __init__(self, fixed: datetime | None = None) -> None:
        self._fixed = _utc(fixed) if fixed is not None else None

    @classmethod
    def from_environment(cls) -> Clock:
        """Fixed at ``REFERENCE_CLOCK`` when set (``real`` or empty means real time)."""
        text = os.environ.get(CLOCK_VARIABLE, "").strip()
        if not text or text == "real":
            return cls()
        try:
            return cls(datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            raise ValueError(f"{CLOCK_VARIABLE} must be 'real' or an ISO-8601 time, not {text!r}") from None

    @property
    def fixed(self) -> bool:
        """True when the clock only moves by ``set`` and ``advance``."""
        return self._fixed is not None

    def now(self) -> datetime:
        """The current moment (UTC, whole milliseconds)."""
        moment = self._fixed if self._fixed is not None else datetime.now(UTC)
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)

    def iso(self) -> str:
        """``now`` as the services write times (milliseconds, ``Z``)."""
        return iso(self.now())

    def set(self, moment: datetime) -> None:
        """Fix the clock at ``moment``."""
        self._fixed = _utc(moment)

    def advance(self, delta: timedelta) -> None:
        """Move a fixed clock forward (a real clock cannot be moved)."""
        if self._fixed is None:
            raise RuntimeError("a real-time clock cannot be advanced; fix it first with set()")
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        self._fixed += delta


def iso(moment: datetime) -> str:
    """A UTC time as the services write it (milliseconds, ``Z``)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse(text: str) -> datetime:
    """A time the services wrote (``Z`` or an offset)."""
    return _utc(datetime.fromisoformat(text.replace("Z", "+00:00")))


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("the clock takes timezone-aware times")
    return moment.astimezone(UTC)
