"""The machines' link check fails on a link that does not resolve, and opens each link as often as its profile says."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from gateway.ids import encode_global_id
from tests import route_operations as ops
from tests.invariants.links import LinkCheck
from tests.invariants.pages import fixed_harness
from tests.support import GatewayHarness

WORKLOADS = ops.document(ops.ROUTES["/workloads"])
MISSING = "/workloads/" + encode_global_id("Workload", "wl-does-not-exist")


class Pages:
    """Asks the gateway as a persona; the workloads page can be given one extra link, as a broken page would."""

    def __init__(self, harness: GatewayHarness) -> None:
        self.harness, self.loop = harness, asyncio.new_event_loop()
        self.extra: str | None = None
        self.asked: Counter[str] = Counter()

    def ask(self, query: str, who: str, variables: dict[str, Any]) -> dict[str, Any]:
        self.asked[query] += 1
        body: dict[str, Any] = self.loop.run_until_complete(self.harness.query(query, variables, persona=who))
        if query == WORKLOADS and self.extra is not None:
            body["data"]["extraLink"] = self.extra
        return body


@pytest.fixture(scope="module")
def pages() -> Iterator[Pages]:
    opened = Pages(fixed_harness())
    yield opened
    opened.loop.close()


def test_a_link_that_does_not_resolve_fails_the_check(pages: Pages) -> None:
    check = LinkCheck(pages.ask, recheck=False, explored=Counter())
    pages.extra = MISSING
    try:
        check.page("member", "/workloads", first=10)
    finally:
        pages.extra = None
    with pytest.raises(AssertionError, match="does not resolve"):
        check.check()


def test_a_link_to_no_route_fails_when_the_page_is_read(pages: Pages) -> None:
    check = LinkCheck(pages.ask, recheck=False, explored=Counter())
    pages.extra = "/nowhere/at/all"
    try:
        with pytest.raises(AssertionError, match="matches no route"):
            check.page("member", "/workloads", first=10)
    finally:
        pages.extra = None


def test_each_link_is_opened_once_per_state_and_again_after_its_object_moved(pages: Pages) -> None:
    explored: Counter[str] = Counter()
    detail_page = ops.document(ops.ROUTES["/workloads/{id}"])

    def read_and_check(check: LinkCheck, *moved: str) -> tuple[int, int]:
        """Links and workload pages opened by one state's check (after an action on ``moved``, when given)."""
        opened, details = explored["links opened"], pages.asked[detail_page]
        check.changed(*moved)
        check.page("member", "/workloads", first=10)
        check.page("member", "/workloads", first=10)  # the same links again, in the same state
        check.check()
        return explored["links opened"] - opened, pages.asked[detail_page] - details

    short = LinkCheck(pages.ask, recheck=False, explored=explored)
    links, details = read_and_check(short)
    assert links > details > 0, "the workloads page links to its workloads (and more), each opened once"
    assert read_and_check(short) == (0, 0), "nothing moved: the short profile does not open them again"
    listed = pages.loop.run_until_complete(pages.harness.query(WORKLOADS, {"first": 10}, persona="member"))
    rows = [e["node"] for e in listed["data"]["workloads"]["edges"]]
    workload = next(n["id"] for n in rows if n["status"] == "RUNNING")
    moved = read_and_check(short, workload)
    assert moved[1] == 1 and moved[0] >= 1, "the moved workload's links are opened again, and only they"
    long = LinkCheck(pages.ask, recheck=True, explored=explored)
    assert read_and_check(long) == read_and_check(long) == (links, details), "the long profile: every state"
