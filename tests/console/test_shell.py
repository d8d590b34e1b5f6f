"""The shell: seven groups in order, persona visibility, badges and default landings."""

from __future__ import annotations

import pytest

from tests.support import GatewayHarness

SHELL = """
{ shell { persona defaultLanding
  groups { key label visible badge routes { path visible } }
  utilities { path label visible badge }
  landings { path visible } } }
"""
RAIL = ["workloads", "compute", "apps", "storage", "access", "account", "platform"]


@pytest.mark.parametrize(
    ("persona", "landing", "visible_groups"),
    [
        ("member", "/project/overview", RAIL[:6]),
        ("project-admin", "/project/overview", RAIL[:6]),
        ("tenant-admin", "/tenant/overview", RAIL[:6]),
        ("operator", "/platform/overview", ["account", "platform"]),
    ],
)
async def test_shell_follows_the_persona(
    harness: GatewayHarness, persona: str, landing: str, visible_groups: list[str]
) -> None:
    body = await harness.query(SHELL, persona=persona)
    assert "errors" not in body, body
    shell = body["data"]["shell"]
    assert [g["key"] for g in shell["groups"]] == RAIL
    assert [g["key"] for g in shell["groups"] if g["visible"]] == visible_groups
    assert shell["defaultLanding"] == landing
    landing_entry = next(
        e for e in shell["landings"] + [r for g in shell["groups"] for r in g["routes"]] if e["path"] == landing
    )
    assert landing_entry["visible"], "a persona must be allowed to open its own landing"
    assert {u["path"] for u in shell["utilities"]} == {"/notifications", "/developer/downloads", "/schedulers"}


async def test_shell_badges_count_unread_notifications_and_failed_workloads(harness: GatewayHarness) -> None:
    body = await harness.query(SHELL + "\n", persona="tenant-admin")
    inbox = await harness.query("{ notifications(first: 1) { unreadCount } }", persona="tenant-admin")
    failed = await harness.query(
        "{ workloads(first: 0, filter: {statuses: [FAILED]}) { totalCount } }", persona="tenant-admin"
    )
    shell = body["data"]["shell"]
    notifications = next(u for u in shell["utilities"] if u["path"] == "/notifications")
    assert notifications["badge"] == inbox["data"]["notifications"]["unreadCount"] > 0
    workloads = next(g for g in shell["groups"] if g["key"] == "workloads")
    assert workloads["badge"] == failed["data"]["workloads"]["totalCount"] > 0


async def test_shell_makes_one_call_per_resource_type(harness: GatewayHarness) -> None:
    await harness.query(SHELL, persona="member")
    calls = harness.calls()
    assert "account /v1/notifications" in calls and "workloads /v1/workloads" in calls
    assert all(count == 1 for count in calls.values()), calls
