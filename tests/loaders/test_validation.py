"""Every backend document is validated against its allow-list model once per request, never again."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from bench.pages import route_operation
from gateway.backends._client import Listing, ServiceClient
from gateway.ids import encode_global_id
from gateway.settings import Settings
from tests.support import build_harness

PAGES = [
    ("/workloads", {"first": 50}),
    ("/workloads/{id}", {"id": encode_global_id("Workload", "wl-0027")}),
    ("/tenant/overview", {}),
    ("/project/overview", {}),
    ("/storage", {}),
]


@pytest.mark.parametrize(("route", "variables"), PAGES)
async def test_each_document_of_a_page_is_validated_once(
    route: str, variables: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    validated: Counter[tuple[str, str]] = Counter()
    parse_items, read_listing = ServiceClient.parse_items, ServiceClient._read_listing

    def counting(self: ServiceClient, body: Any, model: Any) -> Any:
        items = parse_items(self, body, model)
        validated.update((model.__name__, item.id) for item in items)
        return items

    def counting_listing(self: ServiceClient, content: bytes, listing: Any) -> Any:
        """A listing validated from its bytes (the usual path): each of its items counts once."""
        body = read_listing(self, content, listing)
        if isinstance(body, Listing):
            validated.update((type(item).__name__, item.id) for item in body.items)
        return body

    monkeypatch.setattr(ServiceClient, "parse_items", counting)
    monkeypatch.setattr(ServiceClient, "_read_listing", counting_listing)
    harness = build_harness(settings=Settings.from_env({}, viewer_cache_seconds=3600))
    assert "errors" not in await harness.query("{ viewer { persona } }")
    validated.clear()
    body = await harness.query(route_operation(route), variables)
    assert "errors" not in body and body["data"]
    assert validated, "the page read documents"
    assert [key for key, count in validated.items() if count > 1] == []
