"""An overview's recent changes name their actors without a task per event, on either executor.

The recent-changes list waits for the actor loads the page already asked for (no new call, no new hop), so each
event's actor answers at once. Tasks are counted with the event loop's task factory, never timed.
"""

from __future__ import annotations

import pytest

from bench.hops import count_tasks
from bench.pages import route_operation
from gateway.settings import Settings
from tests.support import build_harness


@pytest.mark.parametrize("executor", ["compiled", "standard"])
@pytest.mark.parametrize("route", ["/tenant/overview", "/project/overview"])
async def test_more_recent_changes_make_no_more_tasks(route: str, executor: str) -> None:
    harness = build_harness(settings=Settings.from_env({}, viewer_cache_seconds=3600, executor=executor))
    query = route_operation(route)
    assert "errors" not in await harness.query(query, {"recent": 1})  # warm: plans, viewer
    counts = {}
    for recent in (1, 10):
        with count_tasks() as created:
            body = await harness.query(query, {"recent": recent})
        assert "errors" not in body, body.get("errors")
        overview = next(iter(body["data"].values()))
        changes = overview["recentChanges"]
        assert len(changes) == recent and all(change["actor"]["displayName"] for change in changes)
        counts[recent] = created[0]
    assert counts[10] == counts[1]  # nine more events, not one more task (before: two more per event)
