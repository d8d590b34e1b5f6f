"""The SQLite idempotency store: the default, one file that every process on the host may share.

Each decision runs in one ``BEGIN IMMEDIATE`` transaction, so processes sharing the file serialise on it.
Calls run in the store's own worker threads (one connection, one lock per store) to keep the event loop
free: at most ``max_connections`` calls at once, so a burst of mutations neither occupies the event loop's
default executor nor starts a thread per call. A call beyond that waits up to ``pool_timeout_seconds`` for
a slot, and only then makes the store unavailable (the mutation fails closed). Leases and retention use
wall-clock time, which processes on one host share.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from gateway.idempotency.store import Acquired, Begin, InProgress, Mismatch, Replay, StoreUnavailable

Result = TypeVar("Result")
PURGE_EVERY_SECONDS = 60.0
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS idempotency_records ("
    " record TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, state TEXT NOT NULL, token INTEGER NOT NULL,"
    " lease_until REAL, outcome TEXT, completed_at TEXT, expires_at REAL NOT NULL)"
)


class SqliteStore:
    """Records in a SQLite file, opened on first use (a missing or broken file makes the store unavailable)."""

    def __init__(
        self,
        path: str | Path,
        *,
        timeout_seconds: float = 1.0,
        remove_on_close: bool = False,
        max_connections: int = 4,
        pool_timeout_seconds: float | None = None,
    ) -> None:
        self.path = str(path)
        self._timeout = timeout_seconds
        self._pool_timeout = timeout_seconds if pool_timeout_seconds is None else pool_timeout_seconds
        self._slots = asyncio.Semaphore(max_connections)  # store calls in flight; the rest wait for a slot
        self._workers = max_connections
        self._threads: ThreadPoolExecutor | None = None  # started on first use, stopped by ``aclose``
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._next_purge = 0.0
        if remove_on_close:
            self._finalizer = weakref.finalize(self, _remove_database, self.path)

    async def begin(self, record: str, fingerprint: str, *, lease_seconds: float, ttl_seconds: float) -> Begin:
        """See ``IdempotencyStore.begin``."""

        def decide(db: sqlite3.Connection, now: float) -> Begin:
            row = db.execute(
                "SELECT fingerprint, state, token, lease_until, outcome, completed_at, expires_at"
                " FROM idempotency_records WHERE record = ?",
                (record,),
            ).fetchone()
            if row is None or row[6] <= now or row[1] == "released":
                token = row[2] + 1 if row is not None else 1
                db.execute(
                    "INSERT OR REPLACE INTO idempotency_records VALUES (?, ?, 'in_flight', ?, ?, NULL, NULL, ?)",
                    (record, fingerprint, token, now + lease_seconds, now + ttl_seconds),
                )
                return Acquired(token)
            stored_fingerprint, state, token, lease_until, outcome, completed_at, _ = row
            if stored_fingerprint != fingerprint:
                return Mismatch()
            if state == "completed":
                return Replay(outcome, completed_at)
            if lease_until is not None and lease_until > now:
                return InProgress(lease_until - now)
            db.execute(  # the holder's lease lapsed: take over with the next fencing token
                "UPDATE idempotency_records SET token = ?, lease_until = ? WHERE record = ?",
                (token + 1, now + lease_seconds, record),
            )
            return Acquired(token + 1)

        return await self._run(decide)

    async def renew(self, record: str, token: int, *, lease_seconds: float) -> bool:
        """See ``IdempotencyStore.renew``."""
        return await self._run(
            lambda db, now: (
                db.execute(
                    "UPDATE idempotency_records SET lease_until = ?"
                    " WHERE record = ? AND token = ? AND state = 'in_flight'",
                    (now + lease_seconds, record, token),
                ).rowcount
                == 1
            )
        )

    async def complete(self, record: str, token: int, outcome: str, completed_at: str, *, ttl_seconds: float) -> bool:
        """See ``IdempotencyStore.complete``."""
        return await self._run(
            lambda db, now: (
                db.execute(
                    "UPDATE idempotency_records SET state = 'completed', outcome = ?, completed_at = ?,"
                    " lease_until = NULL,"
                    " expires_at = ? WHERE record = ? AND token = ? AND state = 'in_flight'",
                    (outcome, completed_at, now + ttl_seconds, record, token),
                ).rowcount
                == 1
            )
        )

    async def release(self, record: str, token: int) -> bool:
        """See ``IdempotencyStore.release``; the row stays (as released) so fencing tokens keep rising."""
        return await self._run(
            lambda db, now: (
                db.execute(
                    "UPDATE idempotency_records SET state = 'released', lease_until = NULL"
                    " WHERE record = ? AND token = ? AND state = 'in_flight'",
                    (record, token),
                ).rowcount
                == 1
            )
        )

    async def ping(self) -> None:
        """See ``IdempotencyStore.ping``."""
        await self._run(lambda db, now: db.execute("SELECT 1").fetchone())

    async def aclose(self) -> None:
        """Close the connection (and remove a temporary file)."""
        threads, self._threads = self._threads, None
        if threads is not None:
            threads.shutdown(wait=False)
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
        finalizer = getattr(self, "_finalizer", None)
        if finalizer is not None:
            finalizer()

    async def _run(self, operation: Callable[[sqlite3.Connection, float], Result]) -> Result:
        try:
            async with asyncio.timeout(self._pool_timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise StoreUnavailable(
                f"the SQLite idempotency store had no free worker within {self._pool_timeout} s"
            ) from None
        if self._threads is None:
            self._threads = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="idempotency-sqlite")
        try:
            return await asyncio.get_running_loop().run_in_executor(self._threads, self._transaction, operation)
        finally:
            self._slots.release()

    def _transaction(self, operation: Callable[[sqlite3.Connection, float], Result]) -> Result:
        with self._lock:
            try:
                db = self._connect()
                db.execute("BEGIN IMMEDIATE")
                try:
                    now = time.time()
                    result = operation(db, now)
                    if now >= self._next_purge:
                        db.execute("DELETE FROM idempotency_records WHERE expires_at <= ?", (now,))
                        self._next_purge = now + PURGE_EVERY_SECONDS
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
                return result
            except (sqlite3.Error, OSError) as error:
                raise StoreUnavailable(f"the SQLite idempotency store failed: {type(error).__name__}") from error

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            directory = os.path.dirname(self.path)
            if directory:
                os.makedirs(directory, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(_SCHEMA)
            except sqlite3.Error:
                db.close()
                raise
            self._db = db
        return self._db


def _remove_database(path: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            os.remove(path + suffix)
    with contextlib.suppress(OSError):
        os.rmdir(os.path.dirname(path))
