"""Idempotency settings (``Settings.idempotency``), every value from a ``GATEWAY_IDEMPOTENCY_*`` variable.

- ``GATEWAY_IDEMPOTENCY_STORE``: ``sqlite:///path/to/file.sqlite3`` (default: ``idempotency.sqlite3`` under
  ``GATEWAY_DATA_DIR``, itself ``.data``; the embedded default uses a fresh temporary file, since its demo
  data lives in memory too) or ``redis://host:port/db`` (several replicas share it).
- ``GATEWAY_IDEMPOTENCY_TTL_SECONDS``: how long completed outcomes replay (default 86400, 24 h).
- ``GATEWAY_IDEMPOTENCY_LEASE_SECONDS``: lease of an in-flight request, renewed while it runs (default 10); a
  crashed worker's request can be taken over by a retry once its lease lapses.
- ``GATEWAY_IDEMPOTENCY_STORE_TIMEOUT_SECONDS``: how long one store operation may take before the store
  counts as unavailable and the mutation fails closed (default 1).
- ``GATEWAY_IDEMPOTENCY_MAX_CONNECTIONS``: how many store calls one process runs at once: Redis connections
  in its pool (default 100), SQLite calls handed to the store's worker threads (default 4; they share one
  connection, SQLite serialises writers anyway). A burst beyond it waits for a free one.
- ``GATEWAY_IDEMPOTENCY_POOL_TIMEOUT_SECONDS``: how long a store call waits for a free connection before the
  store counts as unavailable and the mutation fails closed (default: the store timeout; at most that).
- ``GATEWAY_IDEMPOTENCY_KEY_PREFIX``: prefix of the Redis keys (default ``gateway:idempotency:``).
- ``GATEWAY_TEST_FAULTS``: TEST ONLY, comma-separated fault hooks; ``crash-after-backend-call`` kills the
  process (SIGKILL) after a mutation's backend calls and before its outcome is recorded. Never set it in
  a deployment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

TEST_FAULTS = frozenset({"crash-after-backend-call"})


class IdempotencySettingsError(ValueError):
    """An idempotency setting has a value the gateway cannot use (re-raised as ``SettingsError``)."""


@dataclass(frozen=True)
class IdempotencySettings:
    """Where mutation outcomes are recorded and for how long."""

    store: str | None = None
    data_dir: str = ".data"
    ttl_seconds: float = 86400.0
    lease_seconds: float = 10.0
    store_timeout_seconds: float | None = None  # None: by store kind (see ``store_timeout``)
    max_connections: int | None = None  # None: by store kind (see ``pool_size``)
    pool_timeout_seconds: float | None = None  # None: the store timeout (see ``pool_timeout``)
    key_prefix: str = "gateway:idempotency:"
    test_faults: frozenset[str] = field(default_factory=frozenset)

    def validate(self) -> IdempotencySettings:
        """Raise ``IdempotencySettingsError`` naming the first bad value; return self."""
        if self.store is not None and not self.store.startswith(("sqlite:///", "redis://", "rediss://")):
            raise IdempotencySettingsError("GATEWAY_IDEMPOTENCY_STORE must be sqlite:///path or redis://host:port/db")
        if self.ttl_seconds <= 0 or self.lease_seconds <= 0 or self.store_timeout <= 0:
            raise IdempotencySettingsError(
                "GATEWAY_IDEMPOTENCY_TTL_SECONDS, _LEASE_SECONDS and _STORE_TIMEOUT_SECONDS must be positive"
            )
        if self.pool_size < 1:
            raise IdempotencySettingsError("GATEWAY_IDEMPOTENCY_MAX_CONNECTIONS must be at least 1")
        if not 0 < self.pool_timeout <= self.store_timeout:
            raise IdempotencySettingsError(
                "GATEWAY_IDEMPOTENCY_POOL_TIMEOUT_SECONDS must be positive and at most the store timeout"
                " (GATEWAY_IDEMPOTENCY_STORE_TIMEOUT_SECONDS)"
            )
        unknown = sorted(self.test_faults - TEST_FAULTS)
        if unknown:
            raise IdempotencySettingsError(f"GATEWAY_TEST_FAULTS has unknown fault(s): {', '.join(unknown)}")
        return self

    @property
    def store_timeout(self) -> float:
        """How long a store call may take before the store counts as unavailable (and mutations fail closed).

        Redis is across a network: 1 s by default. SQLite is a local file, and under a burst its calls queue
        behind each other and behind other processes' write locks: waiting is contention, not an outage,
        so its default is 5 s.
        """
        if self.store_timeout_seconds is not None:
            return self.store_timeout_seconds
        return 1.0 if self.redis else 5.0

    @property
    def redis(self) -> bool:
        """The store is Redis (otherwise a SQLite file)."""
        return self.store is not None and self.store.startswith(("redis://", "rediss://"))

    @property
    def pool_size(self) -> int:
        """Store calls one process runs at once (Redis: pooled connections; SQLite: calls in worker threads)."""
        if self.max_connections is not None:
            return self.max_connections
        return 100 if self.redis else 4

    @property
    def pool_timeout(self) -> float:
        """How long a store call waits for a free connection before the store counts as unavailable.

        A burst larger than the pool is contention, not an outage: calls queue for a connection this long
        (by default the store timeout), and only then fail closed.
        """
        return self.store_timeout if self.pool_timeout_seconds is None else self.pool_timeout_seconds

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> IdempotencySettings:
        """From ``GATEWAY_IDEMPOTENCY_*``, ``GATEWAY_DATA_DIR`` and ``GATEWAY_TEST_FAULTS``."""

        def number(name: str, default: float) -> float:
            try:
                return float(env[name]) if env.get(name) else default
            except ValueError:
                raise IdempotencySettingsError(f"{name}={env[name]!r} is not a number") from None

        def integer(name: str) -> int | None:
            try:
                return int(env[name]) if env.get(name) else None
            except ValueError:
                raise IdempotencySettingsError(f"{name}={env[name]!r} is not an integer") from None

        faults = frozenset(f.strip() for f in env.get("GATEWAY_TEST_FAULTS", "").split(",") if f.strip())
        return cls(
            store=env.get("GATEWAY_IDEMPOTENCY_STORE") or None,
            data_dir=env.get("GATEWAY_DATA_DIR") or ".data",
            ttl_seconds=number("GATEWAY_IDEMPOTENCY_TTL_SECONDS", 86400.0),
            lease_seconds=number("GATEWAY_IDEMPOTENCY_LEASE_SECONDS", 10.0),
            store_timeout_seconds=(
                number("GATEWAY_IDEMPOTENCY_STORE_TIMEOUT_SECONDS", 0.0)
                if env.get("GATEWAY_IDEMPOTENCY_STORE_TIMEOUT_SECONDS")
                else None
            ),
            max_connections=integer("GATEWAY_IDEMPOTENCY_MAX_CONNECTIONS"),
            pool_timeout_seconds=(
                number("GATEWAY_IDEMPOTENCY_POOL_TIMEOUT_SECONDS", 0.0)
                if env.get("GATEWAY_IDEMPOTENCY_POOL_TIMEOUT_SECONDS")
                else None
            ),
            key_prefix=env.get("GATEWAY_IDEMPOTENCY_KEY_PREFIX") or "gateway:idempotency:",
            test_faults=faults,
        ).validate()
