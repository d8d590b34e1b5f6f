"""Documents are parsed and validated once per process, with answers identical to uncached ones."""

from __future__ import annotations

import pytest
from graphql import parse

from gateway import document_cache
from gateway.document_cache import LruCache
from tests.support import GatewayHarness

VIEWER = "query CacheViewer { viewer { persona user { id } } }"


@pytest.fixture(autouse=True)
def empty_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document_cache, "documents", LruCache(document_cache.MAX_DOCUMENTS))
    monkeypatch.setattr(document_cache, "validations", LruCache(document_cache.MAX_DOCUMENTS))


def _cached_document(text: str) -> object:
    found = [doc for (query, _), doc in document_cache.documents._items.items() if query == text]
    assert len(found) == 1, f"expected one cached document for the query, found {len(found)}"
    return found[0]


async def test_a_repeated_document_is_parsed_and_validated_once(harness: GatewayHarness) -> None:
    first = await harness.query(VIEWER)
    document = _cached_document(VIEWER)
    second = await harness.query(VIEWER, persona="member")

    assert "errors" not in first and "errors" not in second
    assert first["data"]["viewer"]["persona"] == "TENANT_ADMIN"
    assert second["data"]["viewer"]["persona"] == "MEMBER"  # the document is shared, the answer is not
    assert _cached_document(VIEWER) is document
    assert len(document_cache.documents) == 1 and len(document_cache.validations) == 1


async def test_invalid_documents_answer_the_same_every_time(harness: GatewayHarness) -> None:
    unknown_field = "query Broken { viewer { noSuchField } }"
    answers = [await harness.query(unknown_field) for _ in range(2)]
    assert answers[0] == answers[1]
    assert answers[0]["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "noSuchField" in answers[0]["errors"][0]["message"]

    syntax_error = "query { viewer { "
    answers = [await harness.query(syntax_error) for _ in range(2)]
    assert answers[0] == answers[1]
    assert answers[0]["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert all(query != syntax_error for query, _ in document_cache.documents._items)


async def test_documents_over_the_token_limit_are_refused_every_time_and_never_cached(harness: GatewayHarness) -> None:
    wide = "query Wide { viewer { " + " ".join(f"a{i}: persona" for i in range(3000)) + " } }"
    answers = [await harness.query(wide) for _ in range(2)]
    assert answers[0] == answers[1]
    assert "errors" in answers[0] and answers[0].get("data") is None
    assert all(query != wide for query, _ in document_cache.documents._items)


def test_the_caches_keep_only_the_most_recently_used_documents() -> None:
    cache: LruCache[str, object] = LruCache(maxsize=2)
    documents = {name: parse(f"query {name} {{ viewer {{ persona }} }}") for name in ("A", "B", "C")}
    cache.put("A", documents["A"])
    cache.put("B", documents["B"])
    assert cache.get("A") is documents["A"]  # A is now the most recent
    cache.put("C", documents["C"])
    assert cache.get("B") is None
    assert cache.get("A") is documents["A"] and cache.get("C") is documents["C"]
    assert len(cache) == 2


async def test_an_operation_is_analysed_once_per_document_and_variables(
    harness: GatewayHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gateway.limits import extension

    monkeypatch.setattr(extension, "_reports", LruCache(document_cache.MAX_DOCUMENTS))
    walks: list[object] = []
    analyse = extension.analyse

    def counted(*args: object, **kwargs: object) -> object:
        walks.append(kwargs.get("variables"))
        return analyse(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(extension, "analyse", counted)
    page = "query CacheWorkloads($first: Int!) { workloads(first: $first) { edges { node { id } } } }"
    costs = []
    for first in (5, 5, 50, 5):
        body = await harness.query(page, {"first": first})
        assert "errors" not in body
        costs.append(body["extensions"]["cost"]["requestedQueryCost"])
    assert walks == [{"first": 5}, {"first": 50}]  # the list size is a variable: a new one is analysed
    assert costs[0] == costs[1] == costs[3] < costs[2]
