"""Resolvers called directly (no Strawberry wrapper) answer exactly as through the wrapper, and the plan says which
fields take the direct path: on a toy schema case by case, and on the registered workloads document."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse

from gateway.executor import plans
from gateway.executor.plan import census
from tests.executor.direct_toy import COMPILED, both

QUERIES = [
    pytest.param("{ boxes { name seen } }", None, id="info-context-path-selected"),
    pytest.param(
        "query Q($f: Int = 5) { boxes { a: scaled b: scaled(factor: 3) c: scaled(factor: $f) } }",
        None,
        id="async-variable-default",
    ),
    pytest.param("query Q($f: Int = 5) { boxes { c: scaled(factor: $f) } }", {"f": 7}, id="async-variable-given"),
    pytest.param('query Q($n: String = "ant") { box(name: $n) { name seen } }', None, id="root-info-variable-default"),
    pytest.param(
        '{ boxes { x: matches(size: LARGE) y: matches(size: SMALL, search: {sizes: [SMALL, LARGE], words: ["w"]}) } }',
        None,
        id="enum-and-input-literals",
    ),
    pytest.param(
        "query Q($s: Search!, $z: Size!) { boxes { matches(size: $z, search: $s) } }",
        {"s": {"sizes": ["LARGE"], "label": "L"}, "z": "SMALL"},
        id="enum-and-input-variables",
    ),
    pytest.param("{ boxes { parentName } }", None, id="parent-parameter"),
    pytest.param("{ boxes { name broken } }", None, id="sync-raise-with-extensions"),
    pytest.param("{ boxes { name required } }", None, id="async-raise-nulls-the-list"),
    pytest.param("{ boxes { name required(fail: false) broken } }", None, id="mixed"),
    pytest.param("{ boxes(count: 2) { guarded shouted seen } }", None, id="wrapped-fields-beside-direct"),
    pytest.param(
        "{ leaves { small big truthAsInt ratio infinite wholeAsFloat numberAsText numberAsId flag size sizeName } }",
        None,
        id="leaf-fast-paths-and-their-errors",
    ),
]


@pytest.mark.parametrize(("query", "variables"), QUERIES)
async def test_direct_calls_answer_as_the_wrapper_does(query: str, variables: dict[str, Any] | None) -> None:
    for _ in range(2):  # the second run reuses the plan (and any converted arguments)
        standard, compiled = await both(query, variables)
        assert compiled == standard


async def test_an_input_changed_by_one_call_is_not_seen_by_the_next() -> None:
    query = '{ boxes { matches(size: LARGE, search: {sizes: [SMALL], words: ["w"]}) } }'
    _, compiled = await both(query)
    assert [box["matches"] for box in compiled["data"]["boxes"]] == [
        f"{name}:large:['small']:['w', 'touched']:None" for name in ("ant", "bear", "cat")
    ]


async def test_info_reads_what_the_wrapper_gives() -> None:
    query = "query Q($n: String) { box(name: $n) { name seen } }"
    _, compiled = await both(query, {"n": "emu"})
    assert compiled["data"]["box"]["seen"] == "emu:tara:seen:seen:-:{'n': 'emu'}"


def census_of(schema: Any, query: str, variables: dict[str, Any] | None = None) -> dict[str, int]:
    """The census of the plan the query ran with (compiled already; its skip/include values given or absent)."""
    name = parse(query).definitions[0].name  # type: ignore[attr-defined]
    document = plans.find(schema, query, name.value if name else None)
    assert document is not None
    conditions = tuple((variables or {}).get(variable) for variable in document.condition_variables)
    return census(document.variants[conditions].root)


async def test_which_fields_are_called_directly() -> None:
    query = (
        "query Census { boxes { __typename name size seen scaled matches(size: SMALL) parentName broken "
        "guarded shouted } box { name } }"
    )
    await COMPILED.execute(query, context_value={"who": "tara"})
    counts = census_of(COMPILED._schema, query)
    # direct: boxes, box and the box's seen, scaled, matches, parentName, broken; wrapper: guarded (permission),
    # shouted (field extension); attribute reads: name, size, and box's name.
    assert counts == {"constant": 1, "attribute": 3, "direct": 7, "wrapper": 2}


async def test_workloads_document_calls_41_resolvers_directly() -> None:
    from gateway.settings import Settings
    from schema import schema
    from tests import route_operations as ops
    from tests.support import build_harness

    query, variables = ops.document(ops.ROUTES["/workloads"]), {"first": 50}
    harness = build_harness(settings=Settings.from_env({}, executor="compiled"))
    body = await harness.query(query, variables)
    assert "errors" not in body and len(body["data"]["workloads"]["edges"]) > 1
    # The page's planned fields: 189 attribute reads, 41 resolvers called directly, and the 2 root fields with
    # permission classes (viewer, workloads) through Strawberry's wrapper.
    assert census_of(schema._schema, query, variables) == {"constant": 0, "attribute": 189, "direct": 41, "wrapper": 2}
