"""Completion and null propagation on the compiled executor match graphql-core's, case by case (toy schema)."""

from __future__ import annotations

import pytest

from tests.executor.toy import both


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("{ pets { name colour tags } }", id="leaves-enums-lists-with-nulls"),
        pytest.param("{ pets { name broken } }", id="nullable-field-error"),
        pytest.param("{ pets { name required } }", id="non-null-error-nulls-the-list"),
        pytest.param("{ things { __typename name ... on Pet { colour } ... on Robot { serial } } }", id="interface"),
        pytest.param("{ strict }", id="null-item-in-non-null-list"),
        pytest.param("{ badInt }", id="scalar-coercion-error"),
        pytest.param("{ returnedError }", id="exception-as-value"),
        pytest.param('{ pets { a: echo b: echo(text: "x") } }', id="aliases-and-literal-arguments"),
    ],
)
async def test_completion_matches_graphql_core(query: str) -> None:
    standard, compiled = await both(query)
    assert compiled == standard
    assert standard["data"] is not None or standard["errors"]


async def test_non_null_error_propagates_to_the_nearest_nullable_parent() -> None:
    standard, compiled = await both("{ pets { name required } things { name } }")
    assert compiled == standard
    assert compiled["data"]["pets"] is None and compiled["data"]["things"] is not None
    assert [e["path"] for e in compiled["errors"]] == [["pets", 0, "required"]]  # the second is dropped, as there


async def test_null_item_in_a_list_of_non_null_strings_nulls_the_list_with_its_path() -> None:
    _, compiled = await both("{ strict }")
    assert compiled["data"] == {"strict": None}
    assert compiled["errors"][0]["path"] == ["strict", 1]
