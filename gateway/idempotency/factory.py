"""Open the store ``GATEWAY_IDEMPOTENCY_STORE`` names (see ``settings``)."""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

from gateway.idempotency.settings import IdempotencySettings
from gateway.idempotency.store import IdempotencyStore

SQLITE_PREFIX = "sqlite:///"


def sqlite_path(url: str) -> str:
    """``sqlite:///relative/file`` or ``sqlite:////absolute/file`` (SQLAlchemy's spelling) to a path."""
    return url[len(SQLITE_PREFIX) :]


def open_store(settings: IdempotencySettings, *, embedded: bool) -> IdempotencyStore:
    """The configured store; without one, a SQLite file (temporary for the embedded default)."""
    from gateway.idempotency.redis_store import RedisStore
    from gateway.idempotency.sqlite_store import SqliteStore

    url = settings.store
    if url is not None and url.startswith(("redis://", "rediss://")):
        return RedisStore(
            url,
            prefix=settings.key_prefix,
            timeout_seconds=settings.store_timeout,
            max_connections=settings.pool_size,
            pool_timeout_seconds=settings.pool_timeout,
        )
    if url is not None:
        path: str | Path = sqlite_path(url)
        remove_on_close = False
    elif embedded:
        # The embedded demo data lives in memory: outcomes must not outlive it, so the file is temporary.
        path = Path(tempfile.gettempdir()) / f"gateway-idempotency-{secrets.token_hex(8)}" / "idempotency.sqlite3"
        remove_on_close = True
    else:
        path = Path(settings.data_dir) / "idempotency.sqlite3"
        remove_on_close = False
    return SqliteStore(
        path,
        timeout_seconds=settings.store_timeout,
        remove_on_close=remove_on_close,
        max_connections=settings.pool_size,
        pool_timeout_seconds=settings.pool_timeout,
    )
