"""A parity target on freshly seeded in-process reference services the tests can change."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette

from gateway.settings import DOMAINS, Settings
from parity.findings import Gap, GapClass
from parity.report import Outcome
from parity.targets import Target, in_process


async def target_on(services: dict[str, Starlette], users: dict[str, str] | None = None) -> Target:
    """The gateway in-process on these services (the embedded default's development viewer header)."""
    transports: dict[str, httpx.AsyncBaseTransport] = {d: httpx.ASGITransport(app=services[d]) for d in DOMAINS}
    return await in_process(Settings.from_env({}, viewer_cache_seconds=0), users=users, transports=transports)


def upsert(services: dict[str, Starlette], domain: str, table: str, document: dict[str, Any]) -> None:
    """Change a reference service's stored data."""
    services[domain].state.store.upsert(table, document)


def stored(services: dict[str, Starlette], domain: str, table: str, ids: list[str]) -> list[dict[str, Any]]:
    """Documents of a reference service by id."""
    found: list[dict[str, Any]] = services[domain].state.store.get_many(table, ids)
    return found


def gaps_of(outcome: Outcome, gap_class: GapClass, route: str | None = None) -> list[Gap]:
    """The outcome's gaps of one class (on one route)."""
    return [g for g in outcome.run.gaps() if g.gap_class is gap_class and route in (None, g.route)]
