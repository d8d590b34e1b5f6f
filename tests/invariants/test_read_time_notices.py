"""The low-balance notice and the runway's end are the services' figures of the moment they are read: the notice
follows the runway as the clock moves and workloads stop, and ``runsOutAt`` is the billing service's clock plus
the runway (not the gateway's clock)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.idempotency_support import key
from tests.invariants.pages import (
    BILLING_PAGE,
    FIXED_NOW,
    NOTIFICATIONS_PAGE,
    clock_of,
    data,
    fixed_harness,
    mutation,
    workload_rows,
)
from tests.support import GatewayHarness

GLOBEX_ADMIN = "other-tenant-admin"  # u-gina: Globex's runway is short, hers is the inbox with the notice


@pytest.fixture
def harness() -> GatewayHarness:
    return fixed_harness()


async def notice(harness: GatewayHarness) -> dict[str, Any]:
    nodes = (await data(harness, NOTIFICATIONS_PAGE, GLOBEX_ADMIN, first=100))["notifications"]["nodes"]
    (found,) = [n for n in nodes if n["category"] == "BILLING" and n["link"] == "/account/billing"]
    return dict(found)


async def runway(harness: GatewayHarness, persona: str = GLOBEX_ADMIN) -> dict[str, Any]:
    found: dict[str, Any] = (await data(harness, BILLING_PAGE, persona))["account"]["billing"]["runway"]
    return found


def hours_said(title: str) -> int:
    said = re.fullmatch(r"Balance covers about (\d+) hours", title)
    assert said, title
    return int(said[1])


async def test_the_low_balance_notice_follows_the_runway_as_the_clock_moves(harness: GatewayHarness) -> None:
    before = await runway(harness)
    assert hours_said((await notice(harness))["title"]) == round(before["hoursRemaining"])
    clock_of(harness).advance(timedelta(hours=12))
    later = await runway(harness)
    assert later["hoursRemaining"] < before["hoursRemaining"] - 11
    said = await notice(harness)
    assert hours_said(said["title"]) == round(later["hoursRemaining"])
    assert said["severity"] == ("CRITICAL" if later["hoursRemaining"] < 24 else "WARNING")


async def test_stopping_the_tenants_workloads_moves_the_notice_with_the_runway(harness: GatewayHarness) -> None:
    before = hours_said((await notice(harness))["title"])
    billing = [r for r in await workload_rows(harness, GLOBEX_ADMIN) if r["status"] in {"RUNNING", "PROVISIONING"}]
    assert billing, "Globex has workloads that bill"
    stop = mutation("workloads/StopWorkload")
    for row in billing[:-1]:  # all but one: the burn falls, the runway grows
        given = {"workloadId": row["id"], "idempotencyKey": key("stop")}
        payload = (await data(harness, stop, GLOBEX_ADMIN, input=given))["stopWorkload"]
        assert payload["userErrors"] == [], payload
    after = await runway(harness)
    title = (await notice(harness))["title"]
    if after["hoursRemaining"] is not None and after["hoursRemaining"] < 48:
        assert hours_said(title) == round(after["hoursRemaining"]) > before
    else:  # the notice counts days past two days of runway
        days = re.fullmatch(r"Balance covers about (\d+) days", title)
        assert days and int(days[1]) == round(after["hoursRemaining"] / 24), title


async def test_runs_out_at_is_the_services_clock_plus_the_runway(harness: GatewayHarness) -> None:
    for persona in (GLOBEX_ADMIN, "tenant-admin"):
        found = await runway(harness, persona)
        runs_out = datetime.fromisoformat(found["runsOutAt"])
        # The services' clock stands at FIXED_NOW (not the wall clock the gateway runs on).
        expected = FIXED_NOW + timedelta(hours=found["hoursRemaining"])
        assert abs(runs_out - expected) <= timedelta(minutes=3), (persona, runs_out, expected)
    # At a steady burn, time passing spends the balance but does not move the moment it runs out.
    first = datetime.fromisoformat((await runway(harness))["runsOutAt"])
    clock_of(harness).advance(timedelta(hours=5))
    later = datetime.fromisoformat((await runway(harness))["runsOutAt"])
    assert abs(later - first) <= timedelta(minutes=1), (first, later)


async def test_runs_out_at_moves_when_a_workload_stops(harness: GatewayHarness) -> None:
    first = await runway(harness)
    row = next(r for r in await workload_rows(harness, GLOBEX_ADMIN) if r["status"] == "RUNNING")
    given = {"workloadId": row["id"], "idempotencyKey": key("stop")}
    assert (await data(harness, mutation("workloads/StopWorkload"), GLOBEX_ADMIN, input=given))["stopWorkload"][
        "userErrors"
    ] == []
    later = await runway(harness)
    assert datetime.fromisoformat(later["runsOutAt"]) > datetime.fromisoformat(first["runsOutAt"])
