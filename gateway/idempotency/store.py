"""The idempotency store: records keyed by scope, each in flight (with a lease) or completed (with an outcome).

``begin`` atomically decides what a request with a key may do:

- ``Acquired(token)``: run the mutation. No record existed, the previous holder released it (validation
  failed, or a transient fault), or its lease lapsed (the worker crashed) and this request takes over. The
  token is the record's fencing token, one higher at every acquisition: ``renew``, ``complete`` and
  ``release`` only act while the record still carries the caller's token, so a stale worker cannot overwrite.
- ``Replay(outcome)``: completed earlier with the same fingerprint: answer with the stored outcome.
- ``InProgress(remaining)``: another request holds a live lease.
- ``Mismatch()``: the key was used with different arguments.

Any failure to reach the store raises ``StoreUnavailable``; the runner then fails closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class StoreUnavailable(Exception):
    """The store could not be reached or did not answer in time."""


@dataclass(frozen=True)
class Acquired:
    """Run the mutation; ``token`` fences this holder."""

    token: int


@dataclass(frozen=True)
class Replay:
    """The stored outcome of the completed request."""

    outcome: str
    completed_at: str


@dataclass(frozen=True)
class InProgress:
    """Another request holds the key; its lease has ``remaining_seconds`` left."""

    remaining_seconds: float


@dataclass(frozen=True)
class Mismatch:
    """The key was used with a different fingerprint."""


Begin = Acquired | Replay | InProgress | Mismatch


class IdempotencyStore(Protocol):
    """Records of mutation requests, shared by every gateway process that uses the same store."""

    async def begin(self, record: str, fingerprint: str, *, lease_seconds: float, ttl_seconds: float) -> Begin:
        """Decide, atomically, what a request with this record key and fingerprint may do."""
        ...

    async def renew(self, record: str, token: int, *, lease_seconds: float) -> bool:
        """Extend the lease while ``token`` still holds the record."""
        ...

    async def complete(self, record: str, token: int, outcome: str, completed_at: str, *, ttl_seconds: float) -> bool:
        """Store the outcome while ``token`` still holds the record; it then replays for ``ttl_seconds``."""
        ...

    async def release(self, record: str, token: int) -> bool:
        """Give the record up without an outcome (nothing to replay); the next request acquires it."""
        ...

    async def ping(self) -> None:
        """Raise ``StoreUnavailable`` when the store cannot be reached (readiness)."""
        ...

    async def aclose(self) -> None:
        """Release connections and files."""
        ...
