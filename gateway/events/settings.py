"""Live-update settings (``Settings.events``), every value from a ``GATEWAY_*`` variable.

- ``GATEWAY_EVENTS``: ``memory`` (default: every process reads the services' event streams itself and fans
  out to its own subscribers) or ``redis://host:port/db`` (one replica per stream, holding a lease, reads
  it and publishes on Redis pub/sub; every replica fans out what it receives). Redis needs shared backend
  services (``GATEWAY_<DOMAIN>_URL``): the embedded demo services live inside each process.
- ``GATEWAY_EVENTS_PREFIX``: prefix of the Redis keys and channel (default ``gateway:events``).
- ``GATEWAY_EVENTS_LEASE_SECONDS``: the stream reader's lease, renewed every third of it (default 10).
- ``GATEWAY_EVENTS_POLL_SECONDS``: how long one long-poll of a service's stream waits (default 20).
- ``GATEWAY_EVENTS_MAX_CONNECTIONS``: Redis connections pooled for leases, cursors and publishing (default 20;
  the pub/sub listener has its own); a call finding them all busy waits for one.
- ``GATEWAY_EVENTS_POOL_TIMEOUT_SECONDS``: how long that wait may last before the call fails (default 2).
- ``GATEWAY_SUBSCRIPTION_QUEUE_SIZE``: events one subscription may have waiting; a client that falls that far
  behind is disconnected (close code 1013) instead of growing the gateway's memory (default 100).
- ``GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION``: operations one websocket may run at once (default 20).
- ``GATEWAY_WS_INIT_TIMEOUT_SECONDS``: how long a websocket may wait before ``connection_init`` (default 10).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


class EventSettingsError(ValueError):
    """A live-update setting has a value the gateway cannot use (re-raised as ``SettingsError``)."""


@dataclass(frozen=True)
class EventSettings:
    """Where events come from, how they travel between replicas, and how much a subscriber may hold."""

    bus: str = "memory"
    prefix: str = "gateway:events"
    lease_seconds: float = 10.0
    poll_seconds: float = 20.0
    max_connections: int = 20
    pool_timeout_seconds: float = 2.0
    queue_size: int = 100
    max_subscriptions_per_connection: int = 20
    init_timeout_seconds: float = 10.0
    backoff_seconds: float = 0.2  # first retry of a failed stream read; doubles up to backoff_max_seconds
    backoff_max_seconds: float = 5.0

    @property
    def redis_url(self) -> str | None:
        """The Redis URL when events travel through Redis."""
        return self.bus if self.bus.startswith(("redis://", "rediss://", "unix://")) else None

    def validate(self, *, embedded: bool) -> EventSettings:
        """Raise ``EventSettingsError`` naming the first bad value; return self."""
        if self.bus != "memory" and self.redis_url is None:
            raise EventSettingsError("GATEWAY_EVENTS must be memory or a redis:// URL")
        if self.redis_url and embedded:
            raise EventSettingsError(
                "GATEWAY_EVENTS=redis needs shared backend services (GATEWAY_<DOMAIN>_URL): the embedded demo "
                "services live inside each process, so their events are not shared"
            )
        if (
            min(
                self.lease_seconds,
                self.poll_seconds,
                self.init_timeout_seconds,
                self.backoff_seconds,
                self.pool_timeout_seconds,
            )
            <= 0
        ):
            raise EventSettingsError("GATEWAY_EVENTS_*_SECONDS and GATEWAY_WS_INIT_TIMEOUT_SECONDS must be positive")
        if self.poll_seconds > 30:
            raise EventSettingsError("GATEWAY_EVENTS_POLL_SECONDS is at most 30 (the services' long-poll limit)")
        if self.queue_size < 1 or self.max_subscriptions_per_connection < 1 or self.max_connections < 1:
            raise EventSettingsError(
                "GATEWAY_SUBSCRIPTION_QUEUE_SIZE, GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION and "
                "GATEWAY_EVENTS_MAX_CONNECTIONS must be at least 1"
            )
        return self

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> EventSettings:
        """From the ``GATEWAY_*`` variables above (unset or empty keeps the default); not yet validated."""
        names = {
            "bus": ("GATEWAY_EVENTS", str),
            "prefix": ("GATEWAY_EVENTS_PREFIX", str),
            "lease_seconds": ("GATEWAY_EVENTS_LEASE_SECONDS", float),
            "poll_seconds": ("GATEWAY_EVENTS_POLL_SECONDS", float),
            "max_connections": ("GATEWAY_EVENTS_MAX_CONNECTIONS", int),
            "pool_timeout_seconds": ("GATEWAY_EVENTS_POOL_TIMEOUT_SECONDS", float),
            "queue_size": ("GATEWAY_SUBSCRIPTION_QUEUE_SIZE", int),
            "max_subscriptions_per_connection": ("GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION", int),
            "init_timeout_seconds": ("GATEWAY_WS_INIT_TIMEOUT_SECONDS", float),
        }
        values: dict[str, object] = {}
        for name, (variable, parse) in names.items():
            raw = env.get(variable, "").strip()
            if raw:
                try:
                    values[name] = parse(raw)
                except ValueError:
                    raise EventSettingsError(f"{variable}={raw!r} is not a valid value") from None
        # ``values`` holds a parsed value per field name: mypy cannot match a str-keyed dict to the fields.
        return cls(**values)  # type: ignore[arg-type]
