"""Notification actions are audited: sending a test notification and marking notifications read appear on the
actor's audit page with the actor and the service clock's time, in the actor's tenant; an inbox is personal, so
the tenant overview's recent changes do not list them."""

from __future__ import annotations

from datetime import timedelta

from tests.invariants.pages import (
    TENANT_PAGE,
    act,
    audit_page,
    audit_summary,
    clock_of,
    data,
    fixed_harness,
    mutation,
    service_time,
)

SEND = mutation("account/SendTestNotification")
MARK = mutation("account/MarkNotificationsRead")


async def test_each_inbox_action_is_on_the_actors_audit_page_at_the_service_time() -> None:
    harness = fixed_harness()
    clock = clock_of(harness)
    sent = await act(harness, SEND, {"title": "Audit me"}, "member")
    notification_id = sent["notification"]["id"]
    [newest, *_] = await audit_page(harness, "member")
    assert audit_summary(newest) == ("notification.sent", "SUCCESS", "Marco Rossi", "Audit me", "/notifications")
    assert (newest["at"], newest["target"]["nodeId"], newest["scope"]) == (service_time(clock), notification_id, "USER")

    clock.advance(timedelta(minutes=4))
    marked = await act(harness, MARK, {"ids": [notification_id]}, "member")
    assert marked["markedIds"] == [notification_id]
    [newest, previous, *_] = await audit_page(harness, "member")
    assert audit_summary(newest) == (
        "notifications.marked_read",
        "SUCCESS",
        "Marco Rossi",
        "1 notification(s)",
        "/notifications",
    )
    assert newest["at"] == service_time(clock) and previous["action"] == "notification.sent"

    clock.advance(timedelta(minutes=1))
    await act(harness, MARK, {"all": True}, "member")
    [newest, *_] = await audit_page(harness, "member")
    assert audit_summary(newest)[:4] == ("notifications.marked_read", "SUCCESS", "Marco Rossi", "all notifications")
    assert newest["at"] == service_time(clock)

    # In the actor's tenant: the tenant admin's audit page has all three; nobody else's own page has them.
    tenant_audit = await audit_page(harness, "tenant-admin", scope="TENANT")
    mine = [e["action"] for e in tenant_audit if e["actor"]["displayName"] == "Marco Rossi"]
    assert mine[:3] == ["notifications.marked_read", "notifications.marked_read", "notification.sent"]
    others = await audit_page(harness, "project-admin")
    assert all(e["target"]["type"] != "notification" for e in others)
    overview = await data(harness, TENANT_PAGE, "tenant-admin", recent=50)
    assert all(c["target"]["type"] != "notification" for c in overview["tenantOverview"]["recentChanges"])
