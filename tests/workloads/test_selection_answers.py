"""The workloads root fields read their selection once per document, not once per request."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.types import info as strawberry_info

from bench.pages import PAGES
from tests.executor.support import frozen_clock
from tests.support import build_harness


@pytest.mark.parametrize("page", ["workloads", "workload_detail"])
async def test_a_page_converts_its_selection_once_however_often_it_is_served(
    page: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness = build_harness()
    query, variables = PAGES[page]
    if page == "workload_detail":
        listing = await harness.query("{ workloads(first: 1) { edges { node { id } } } }")
        variables = {"id": listing["data"]["workloads"]["edges"][0]["node"]["id"]}
    converted: list[int] = []
    original = strawberry_info.convert_selections

    def counting(*args: Any) -> Any:
        converted.append(1)
        return original(*args)

    monkeypatch.setattr(strawberry_info, "convert_selections", counting)
    with frozen_clock(monkeypatch):  # ages and accrued costs do not move between the three requests
        bodies = [await harness.query(query, variables) for _ in range(3)]
    assert all("errors" not in body for body in bodies), bodies[0].get("errors")
    assert bodies[0] == bodies[1] == bodies[2]
    assert len(converted) <= 1  # at most the first request (another test may have served the document already)
