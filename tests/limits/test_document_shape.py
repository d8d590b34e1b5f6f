"""The whole document's shape is bounded before graphql-core validates it: expanded selections, pairs of fields
sharing a response name (and of fragments) at one place, operations; and OverlappingFieldsCanBeMerged runs on a
small work budget. Counts and codes only, never timings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql import get_introspection_query, parse

from gateway.documents import DEFAULT_OPERATIONS_DIR
from gateway.limits import extension
from gateway.limits.analysis import document_shape
from gateway.limits.extension import MAX_FIELD_PAIRS, MAX_OPERATIONS, MAX_SELECTIONS
from tests.support import GatewayHarness


def pairs(count: int) -> int:
    return count * (count - 1) // 2


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("data") is None, body
    [error] = body["errors"]
    return error


def repeated(count: int) -> str:
    return "{ viewer { " + "projects { id } " * count + "} }"


def spread_together(count: int) -> str:
    fragments = " ".join(f"fragment F{i} on Query {{ f{i}: __typename }}" for i in range(count))
    return (
        "{ __typename } fragment Unused on Query { " + " ".join(f"...F{i}" for i in range(count)) + f" }} {fragments}"
    )


def places_bomb(levels: int) -> str:
    """An unused fragment whose every level spreads the next under two fields: 2^levels places."""
    chain = " ".join(f"fragment F{i} on Query {{ a {{ ...F{i + 1} }} b {{ ...F{i + 1} }} }}" for i in range(levels))
    return f"{{ __typename }} fragment U on Query {{ ...F0 }} {chain} fragment F{levels} on Query {{ c }}"


@pytest.mark.parametrize(
    "path", sorted(DEFAULT_OPERATIONS_DIR.rglob("*.graphql")), ids=lambda p: str(p.relative_to(DEFAULT_OPERATIONS_DIR))
)
def test_the_committed_operations_repeat_nothing(path: Path) -> None:
    shape = document_shape(parse(path.read_text()))
    assert shape.pairs == 0 and shape.most_repeated == 1 and shape.operations == 1
    assert shape.selections < MAX_SELECTIONS / 10


def test_a_clients_introspection_query_is_well_inside_the_limits() -> None:
    shape = document_shape(parse(get_introspection_query(descriptions=True, input_value_deprecation=True)))
    assert shape.pairs == 0 and shape.selections < MAX_SELECTIONS / 10


def test_fields_sharing_a_response_name_merge_at_their_place() -> None:
    shape = document_shape(parse(repeated(5)))
    # viewer.projects five times, and their ids merge at viewer.projects.id: five more.
    assert shape.most_repeated == 5 and shape.pairs == 2 * pairs(5) and shape.selections == 11
    inline = document_shape(parse("{ node(id: 1) { ... on A { id name } ... on B { id } id } }"))
    assert inline.most_repeated == 3 and inline.pairs == pairs(3)
    aliased = document_shape(parse("{ a: viewer { persona } b: viewer { persona } }"))
    assert aliased.pairs == 0  # different response names are never compared


def test_fragments_expand_once_per_place_and_pair_with_each_other() -> None:
    twice = document_shape(parse("{ ...F ...F } fragment F on Query { viewer { persona } }"))
    assert twice.pairs == 0 and twice.most_repeated == 1  # the same fragment twice at one place merges
    together = document_shape(parse(spread_together(10)))
    assert together.pairs == pairs(10)


def test_cycles_end_and_bombs_stop_counting_past_the_limit() -> None:
    cycle = document_shape(parse("{ ...A } fragment A on Query { x { ...B } } fragment B on Query { y { ...A } }"))
    assert cycle.selections < 10
    bomb = document_shape(parse(places_bomb(30)), max_selections=1000)
    assert bomb.selections == 1001  # 2^31 places are never walked


def test_operations_are_counted() -> None:
    document = parse(" ".join(f"query Q{i} {{ __typename }}" for i in range(7)) + " fragment F on Query { x }")
    assert document_shape(document).operations == 7


async def test_one_field_repeated_1200_times_is_refused_before_validation(harness: GatewayHarness) -> None:
    error = only_error(await harness.query(repeated(1200)))
    assert error["extensions"] == {
        "code": "MAX_FIELD_REPEATS_EXCEEDED",
        "limit": MAX_FIELD_PAIRS,
        "found": 2 * pairs(1200),
    }


async def test_repeats_under_the_limit_run(harness: GatewayHarness) -> None:
    body = await harness.query(repeated(44))  # 2 x 946 pairs
    assert "errors" not in body and body["data"]["viewer"]["projects"]


async def test_fragments_spread_together_count_as_pairs(harness: GatewayHarness) -> None:
    error = only_error(await harness.query(spread_together(400)))
    assert error["extensions"] == {"code": "MAX_FIELD_REPEATS_EXCEEDED", "limit": MAX_FIELD_PAIRS, "found": pairs(400)}


async def test_selections_past_the_limit_are_refused_even_in_an_unused_fragment(harness: GatewayHarness) -> None:
    error = only_error(await harness.query(places_bomb(13)))
    assert error["extensions"] == {
        "code": "MAX_SELECTIONS_EXCEEDED",
        "limit": MAX_SELECTIONS,
        "found": MAX_SELECTIONS + 1,
    }


async def test_operations_past_the_limit_are_refused(harness: GatewayHarness) -> None:
    def document(count: int) -> str:
        return " ".join(f"query Q{i} {{ __typename }}" for i in range(count))

    async with harness.client() as client:
        within = await client.post(
            "/graphql",
            json={"query": document(MAX_OPERATIONS), "operationName": "Q0"},
            headers={"x-dev-viewer": "u-tara"},
        )
        past = await client.post(
            "/graphql",
            json={"query": document(MAX_OPERATIONS + 1), "operationName": "Q0"},
            headers={"x-dev-viewer": "u-tara"},
        )
    assert within.json()["data"] == {"__typename": "Query"}
    assert only_error(past.json())["extensions"] == {
        "code": "MAX_OPERATIONS_EXCEEDED",
        "limit": MAX_OPERATIONS,
        "found": MAX_OPERATIONS + 1,
    }


async def test_validation_gives_up_after_its_work_budget(
    harness: GatewayHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the shape walk lets through, OverlappingFieldsCanBeMerged still cannot run long: a coded refusal."""
    monkeypatch.setattr(extension, "MAX_FIELD_PAIRS", 10**9)
    monkeypatch.setattr(extension, "VALIDATION_BUDGET", 100)
    error = only_error(await harness.query(repeated(30) + " # budget test"))
    assert error["extensions"] == {"code": "MAX_VALIDATION_WORK_EXCEEDED"}


async def test_a_cached_documents_shape_is_walked_once(
    harness: GatewayHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    walked: list[int] = []

    def counting(document: Any, max_selections: int) -> Any:
        walked.append(1)
        return document_shape(document, max_selections)

    monkeypatch.setattr(extension, "document_shape", counting)
    query = "{ viewer { persona } } # shape cache test"
    for _ in range(3):
        assert "errors" not in await harness.query(query)
    assert len(walked) == 1
