"""The workloads page resolves its rows without an asyncio task per row, on either executor.

The page asks for every row's node, project, runway, mounts and metrics together once the list is in
(``resolvers.workloads.rows.prefetch_rows``), so each row's fields are answered from settled loads. Tasks are
counted with the event loop's task factory (``bench.hops.count_tasks``), never timed.
"""

from __future__ import annotations

from typing import Any

import pytest

from bench.hops import count_tasks
from bench.pages import route_operation
from gateway.settings import Settings
from tests.support import GatewayHarness, build_harness

EXECUTORS = ["compiled", "standard"]


async def warm(executor: str) -> GatewayHarness:
    harness = build_harness(settings=Settings.from_env({}, viewer_cache_seconds=3600, executor=executor))
    assert "errors" not in await harness.query(route_operation("/workloads"), {"first": 1})
    return harness


async def tasks_of_page(harness: GatewayHarness, first: int) -> tuple[int, dict[str, Any]]:
    with count_tasks() as created:
        body = await harness.query(route_operation("/workloads"), {"first": first})
    assert "errors" not in body, body.get("errors")
    assert len(body["data"]["workloads"]["edges"]) == first
    return created[0], body


@pytest.mark.parametrize("executor", EXECUTORS)
async def test_the_workloads_page_makes_no_task_per_row(executor: str) -> None:
    harness = await warm(executor)
    ten, _ = await tasks_of_page(harness, 10)
    fifty, body = await tasks_of_page(harness, 50)
    rows = [edge["node"] for edge in body["data"]["workloads"]["edges"]]
    assert any(row["node"] for row in rows) and any(row["tabs"]["storage"]["mounts"] for row in rows)
    assert any(row["suggestedNextSteps"] for row in rows) and all(row["runway"] for row in rows)
    assert fifty == ten  # 40 more rows, not one more task (before the prefetch: 6 more per row)
    assert fifty < 50


@pytest.mark.parametrize("extra", ["owner { id }", "project { tenant { name } }", "tabs { events { message } }"])
async def test_a_row_selection_the_prefetch_does_not_cover_gives_the_same_rows(extra: str) -> None:
    """A row field (or a field under one) that loads what the prefetch does not ask for turns the prefetch off:
    the rows' loads then go out together from the rows' own fields, and the rows are the same."""
    harness = await warm("compiled")
    query = route_operation("/workloads")
    covered = await harness.query(query, {"first": 50})
    with count_tasks() as created:
        other = await harness.query(query.replace("project { id name }", f"project {{ id name }} {extra}"))
    assert "errors" not in covered and "errors" not in other
    assert created[0] > 50  # the rows' own fields awaited their loads: the prefetch was off
    added = extra.split(" ", 1)[0]
    rows = zip(covered["data"]["workloads"]["edges"], other["data"]["workloads"]["edges"], strict=True)
    for plain, row in rows:
        for edge in (plain, row):
            edge["node"].pop("ageSeconds")  # seconds apart between the two requests
        if added == "tabs":
            row["node"]["tabs"].pop("events")
        elif added == "project":
            row["node"]["project"].pop("tenant")
        else:
            row["node"].pop(added)
        assert plain == row
