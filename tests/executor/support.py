"""Running one request on both executors of the same gateway, with the clock fixed, and comparing bytes."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.routing import Route

from gateway.app import GatewayGraphQL
from tests.support import GatewayHarness

FROZEN_NOW = datetime(2026, 12, 6, 12, 0, 0, tzinfo=UTC)


def graphql_view(harness: GatewayHarness) -> GatewayGraphQL:
    """The app's GraphQL view (its settings decide the executor for the requests it serves)."""
    for route in harness.app.routes:
        if isinstance(route, Route) and isinstance(route.endpoint, GatewayGraphQL):
            return route.endpoint
    raise AssertionError("no GraphQL view in the app")


class _FrozenDatetime(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        return FROZEN_NOW if tz is not None else FROZEN_NOW.replace(tzinfo=None)


@contextmanager
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every reading of "now" the gateway makes (ages, accrued costs, run-out times, backend filters) is FROZEN_NOW."""
    import resolvers.shared.shapes as shapes

    real_now = shapes.now
    for name, module in list(sys.modules.items()):
        if name.startswith(("resolvers", "schema", "gateway")) and getattr(module, "now", None) is real_now:
            monkeypatch.setattr(module, "now", lambda: FROZEN_NOW)
        if name.startswith(("resolvers", "gateway.backends", "reference_services")) and (
            getattr(module, "datetime", None) is datetime
        ):
            monkeypatch.setattr(module, "datetime", _FrozenDatetime)
    yield


async def post_raw(
    harness: GatewayHarness, query: str, variables: dict[str, Any] | None, persona: str | None
) -> tuple[int, bytes]:
    """POST as a persona; the status and the exact response bytes."""
    headers = {"authorization": f"Bearer {harness.token(persona)}"} if persona else {}
    async with harness.client() as client:
        response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    return response.status_code, response.content


async def on_both(
    harness: GatewayHarness, query: str, variables: dict[str, Any] | None = None, persona: str | None = "tenant-admin"
) -> tuple[tuple[int, bytes], tuple[int, bytes]]:
    """The same request on the standard executor, then on the compiled one (same app, same backends)."""
    view = graphql_view(harness)
    original = view.settings
    answers = []
    try:
        for executor in ("standard", "compiled"):
            view.settings = dataclasses.replace(original, executor=executor)
            answers.append(await post_raw(harness, query, variables, persona))
    finally:
        view.settings = original
    return answers[0], answers[1]


def assert_identical(standard: tuple[int, bytes], compiled: tuple[int, bytes], label: Any) -> None:
    """Byte-identical answers, or a message showing where they part."""
    if standard == compiled:
        return
    a, b = standard[1], compiled[1]
    at = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
    raise AssertionError(
        f"{label}: executors differ (status {standard[0]} vs {compiled[0]}) at byte {at}:\n"
        f"standard: ...{a[max(0, at - 300) : at + 300]!r}\ncompiled: ...{b[max(0, at - 300) : at + 300]!r}"
    )


def assert_same_up_to_error_order(standard: tuple[int, bytes], compiled: tuple[int, bytes], label: Any) -> None:
    """Identical status, data (exactly) and errors (as a multiset): for timeouts, whose order is a race anyway."""
    a, b = json.loads(standard[1]), json.loads(compiled[1])
    assert standard[0] == compiled[0], (label, standard[0], compiled[0])
    assert json.dumps(a.get("data")) == json.dumps(b.get("data")), (label, "data differ")
    assert sorted(map(json.dumps, a.get("errors", []))) == sorted(map(json.dumps, b.get("errors", []))), (label, a, b)
    assert a.keys() == b.keys(), (label, a.keys(), b.keys())
