"""The notifications inbox: the viewer's own notifications, filters, paging, unread count and retention."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from gateway.ids import decode_global_id, encode_global_id
from reference_services.faults import FaultSpec
from reference_services.seed import SECRET_MARKER
from tests.support import PERSONA_USERS, GatewayHarness

INBOX = """query Inbox($first: Int, $after: String, $unreadOnly: Boolean, $category: NotificationCategory) {
  notifications(first: $first, after: $after, unreadOnly: $unreadOnly, category: $category) {
    totalCount unreadCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id category severity title body link createdAt readAt read expiresAt expiringSoon } }
    categories { category total unread }
    retention { days oldestAvailableAt }
  }
}"""


def stored_inbox(harness: GatewayHarness, user_id: str) -> list[dict]:
    """Every notification the account service holds for a user, expired or not."""
    store = harness.services["account"].state.store
    return store.query("notifications", {"user_id": [user_id]}, limit=1000).items


async def test_every_persona_has_a_rich_inbox_of_their_own(harness: GatewayHarness) -> None:
    for persona in PERSONA_USERS:
        check_inbox(persona, await harness.query(INBOX, {"first": 100}, persona=persona))


def check_inbox(persona: str, body: dict) -> None:
    assert "errors" not in body, persona
    assert SECRET_MARKER not in json.dumps(body)
    inbox = body["data"]["notifications"]
    items = [edge["node"] for edge in inbox["edges"]]
    user_id = PERSONA_USERS[persona]
    assert all(decode_global_id(n["id"])[1].startswith(f"ntf-{user_id[2:]}-") for n in items)
    assert len(items) == inbox["totalCount"] >= 5
    assert inbox["unreadCount"] == sum(not n["read"] for n in items) >= 2
    assert all((n["readAt"] is None) == (not n["read"]) for n in items)
    assert len({n["category"] for n in items}) >= 3 and len({n["severity"] for n in items}) >= 2
    assert any(n["expiringSoon"] for n in items), "some notifications are close to the end of retention"
    assert all(n["link"] is None or n["link"].startswith("/") for n in items)
    created = [n["createdAt"] for n in items]
    assert created == sorted(created, reverse=True), "newest first"
    assert sum(c["total"] for c in inbox["categories"]) == len(items)
    assert sum(c["unread"] for c in inbox["categories"]) == inbox["unreadCount"]


async def test_retention_window_comes_from_the_viewers_tenant(harness: GatewayHarness) -> None:
    # Globex overrides the platform default of 90 days; operators have no tenant.
    for persona, days in (("tenant-admin", 90), ("operator", 90), ("other-tenant-member", 60)):
        inbox = (await harness.query(INBOX, {"first": 100}, persona=persona))["data"]["notifications"]
        assert inbox["retention"]["days"] == days, persona
        oldest = datetime.fromisoformat(inbox["retention"]["oldestAvailableAt"])
        assert abs(oldest - (datetime.now(UTC) - timedelta(days=days))) < timedelta(minutes=5)
        assert all(datetime.fromisoformat(e["node"]["createdAt"]) >= oldest for e in inbox["edges"])


async def test_expired_notifications_are_not_shown(harness: GatewayHarness) -> None:
    stored = stored_inbox(harness, "u-tara")
    now = datetime.now(UTC)
    live = [n for n in stored if datetime.fromisoformat(n["expires_at"]) > now]
    assert len(live) < len(stored), "the seed keeps an expired, not yet purged notification"
    inbox = (await harness.query(INBOX, {"first": 100}))["data"]["notifications"]
    assert inbox["totalCount"] == len(live)
    assert {decode_global_id(e["node"]["id"])[1] for e in inbox["edges"]} == {n["id"] for n in live}


async def test_unread_only_and_category_filters(harness: GatewayHarness) -> None:
    unread = (await harness.query(INBOX, {"first": 100, "unreadOnly": True}))["data"]["notifications"]
    assert unread["edges"] and all(not e["node"]["read"] for e in unread["edges"])
    assert unread["totalCount"] == unread["unreadCount"]
    everything = (await harness.query(INBOX, {"first": 100}))["data"]["notifications"]
    assert unread["unreadCount"] == everything["unreadCount"], "the badge ignores filters"
    for count in everything["categories"]:
        narrowed = (await harness.query(INBOX, {"first": 100, "category": count["category"]}))["data"]["notifications"]
        assert narrowed["totalCount"] == count["total"]
        assert {e["node"]["category"] for e in narrowed["edges"]} == {count["category"]}
    both = await harness.query(INBOX, {"first": 100, "category": "WORKLOADS", "unreadOnly": True})
    nodes = [e["node"] for e in both["data"]["notifications"]["edges"]]
    assert nodes and all(n["category"] == "WORKLOADS" and not n["read"] for n in nodes)


async def test_cursor_paging_walks_the_whole_inbox_once(harness: GatewayHarness) -> None:
    full = [e["node"]["id"] for e in (await harness.query(INBOX, {"first": 100}))["data"]["notifications"]["edges"]]
    seen: list[str] = []
    after = None
    while True:
        page = (await harness.query(INBOX, {"first": 4, "after": after}))["data"]["notifications"]
        assert page["totalCount"] == len(full)
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == full


async def test_bad_paging_arguments_are_rejected(harness: GatewayHarness) -> None:
    for variables in ({"first": 101}, {"first": -1}, {"after": "not-a-cursor"}):
        body = await harness.query(INBOX, variables)
        assert body["data"]["notifications"] is None
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", variables


async def test_another_users_notification_is_not_found(harness: GatewayHarness) -> None:
    mine = (await harness.query(INBOX, {"first": 1}, persona="member"))["data"]["notifications"]["edges"][0]["node"]
    theirs = encode_global_id("Notification", stored_inbox(harness, "u-priya")[0]["id"])
    missing = encode_global_id("Notification", "ntf-nobody-001")
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Notification { title } } }"
    body = await harness.query(query, {"ids": [mine["id"], theirs, missing]}, persona="member")
    assert body["data"]["nodes"][0] == {"id": mine["id"], "title": mine["title"]}
    assert body["data"]["nodes"][1:] == [None, None]
    errors = {tuple(e["path"]): e["extensions"]["code"] for e in body["errors"]}
    assert errors == {("nodes", 1): "NOT_FOUND", ("nodes", 2): "NOT_FOUND"}
    # The owner reaches it.
    owner = await harness.query(query, {"ids": [theirs]}, persona="project-admin")
    assert owner["data"]["nodes"][0]["id"] == theirs


async def test_links_outside_the_console_are_dropped(harness: GatewayHarness) -> None:
    expires = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    harness.services["account"].state.store.upsert(
        "notifications",
        {
            "id": "ntf-tara-999",
            "user_id": "u-tara",
            "tenant_id": "t-acme",
            "category": "billing",
            "severity": "urgent",
            "title": "Pay now",
            "body": "x",
            "link": "https://pay.example/now",
            "created_at": "2026-01-01T00:00:00Z",
            "read_at": None,
            "expires_at": expires,
        },
    )
    node = await harness.query(
        "query($id: ID!) { node(id: $id) { ... on Notification { link severity } } }",
        {"id": encode_global_id("Notification", "ntf-tara-999")},
    )
    assert node["data"]["node"] == {"link": None, "severity": "INFO"}


async def test_inbox_badge_and_lookups_share_one_call(harness: GatewayHarness) -> None:
    first = (await harness.query(INBOX, {"first": 2}))["data"]["notifications"]["edges"][0]["node"]["id"]
    harness.calls()
    query = """query($id: ID!) {
      unread: notifications(first: 0, unreadOnly: true) { totalCount unreadCount }
      inbox: notifications(first: 20) { edges { node { title } } categories { total } retention { days } }
      node(id: $id) { ... on Notification { title } }
    }"""
    body = await harness.query(query, {"id": first})
    assert "errors" not in body
    calls = harness.calls()
    assert calls["account /v1/notifications"] == 1 and calls["account /v1/notification-settings"] == 1
    assert all(count == 1 for count in calls.values()), calls


async def test_a_failing_retention_setting_leaves_the_inbox_intact(harness: GatewayHarness) -> None:
    harness.services["account"].state.faults.set(FaultSpec(down=True, paths=["/v1/notification-settings"]))
    body = await harness.query(INBOX, {"first": 5})
    inbox = body["data"]["notifications"]
    assert len(inbox["edges"]) == 5 and inbox["unreadCount"] > 0
    assert inbox["retention"] is None
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["notifications", "retention"], "BACKEND_UNAVAILABLE")
    ]
