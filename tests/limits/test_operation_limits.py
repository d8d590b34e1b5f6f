"""Operation limits: depth, aliases (fragments included), root fields, directives, tokens and cost.

Each bomb gets one coded error and no execution; the analysis is linear in the document, which the
fragment-bomb test checks by counting the selection sets it walked (no timing).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from graphql import parse

from gateway.limits.analysis import analyse
from gateway.security_settings import SecuritySettings
from gateway.settings import Settings
from schema import schema
from tests.support import GatewayHarness, build_harness


def limited(**security: Any) -> GatewayHarness:
    return build_harness(
        settings=Settings.from_env(
            {}, viewer_cache_seconds=0, security=dataclasses.replace(SecuritySettings(), **security)
        )
    )


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("data") is None, body
    [error] = body["errors"]
    return error


def fragment_bomb(levels: int, leaf: str) -> str:
    """``F0`` spreads ``F1`` twice, ``F1`` spreads ``F2`` twice...: 2^levels copies of ``leaf``."""
    fragments = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    return f"query {{ ...F0 }} {fragments} fragment F{levels} on Query {{ {leaf} }}"


async def test_depth_past_the_limit_is_refused_before_validation(harness: GatewayHarness) -> None:
    deep = "{ " + "a { " * 40 + "b" + " }" * 40 + " }"  # unknown fields: refused before they are even checked
    error = only_error(await harness.query(deep))
    assert error["extensions"] == {"code": "MAX_DEPTH_EXCEEDED", "limit": 15, "found": 41}


async def test_depth_counts_through_fragments() -> None:
    harness = limited(max_depth=3)
    query = "{ ...W } fragment W on Query { workloads { edges { node { project { name } } } } }"
    error = only_error(await harness.query(query))
    assert error["extensions"]["code"] == "MAX_DEPTH_EXCEEDED" and error["extensions"]["found"] == 5


async def test_aliases_hidden_in_fragments_are_counted(harness: GatewayHarness) -> None:
    aliases = " ".join(f"v{i}: viewer {{ persona }}" for i in range(31))
    error = only_error(await harness.query(f"{{ ...A }} fragment A on Query {{ {aliases} }}"))
    assert error["extensions"] == {"code": "MAX_ALIASES_EXCEEDED", "limit": 30, "found": 31}
    # Spreading a fragment twice counts its aliases twice.
    fifteen = " ".join(f"v{i}: viewer {{ persona }}" for i in range(16))
    error = only_error(
        await harness.query(f"{{ ...A ...B }} fragment A on Query {{ {fifteen} }} fragment B on Query {{ ...A }}")
    )
    assert error["extensions"]["found"] == 32


async def test_a_fragment_bomb_is_refused_and_analysed_in_linear_time(harness: GatewayHarness) -> None:
    document = fragment_bomb(60, "v: viewer { persona }")
    error = only_error(await harness.query(document))
    assert error["extensions"]["code"] == "MAX_ALIASES_EXCEEDED"
    assert error["extensions"]["found"] == 10**12  # 2^60 aliases, reported capped
    report = analyse(parse(document), schema=schema._schema, operation_name=None, variables=None, default_list_size=10)
    assert report is not None and report.visited <= 2 * 62  # one walk per fragment, not per spread


async def test_a_fragment_cycle_is_a_validation_error_not_a_crash(harness: GatewayHarness) -> None:
    body = await harness.query("{ ...A } fragment A on Query { viewer { persona } ...B } fragment B on Query { ...A }")
    codes = {e["extensions"]["code"] for e in body["errors"]}
    assert codes == {"GRAPHQL_VALIDATION_FAILED"}
    assert any("Cannot spread fragment" in e["message"] for e in body["errors"])


async def test_too_many_root_fields_are_refused() -> None:
    harness = limited(max_root_fields=3)
    error = only_error(
        await harness.query(
            "{ a: viewer { persona } b: viewer { persona } ...R } "
            "fragment R on Query { c: viewer { persona } d: viewer { persona } }"
        )
    )
    assert error["extensions"] == {"code": "MAX_ROOT_FIELDS_EXCEEDED", "limit": 3, "found": 4}


async def test_a_directive_bomb_gets_one_error(harness: GatewayHarness) -> None:
    bomb = "{ viewer " + "@skip(if: false) " * 200 + "{ persona } }"
    error = only_error(await harness.query(bomb))
    assert error["extensions"] == {"code": "MAX_DIRECTIVES_EXCEEDED", "limit": 50, "found": 200}


async def test_a_token_bomb_is_refused_while_parsing(harness: GatewayHarness) -> None:
    bomb = "{ viewer { " + "persona " * 6000 + "} }"
    error = only_error(await harness.query(bomb))
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert "more than 5000 tokens" in error["message"]


async def test_cost_is_reported_like_shopify_and_follows_first(harness: GatewayHarness) -> None:
    body = await harness.query(
        "query($n: Int!) { workloads(first: $n) { edges { node { id project { name } } } } }", {"n": 5}
    )
    assert "errors" not in body
    # workloads 1 + edges 5 x (edge 1 + node 1 + project 1)
    assert body["extensions"]["cost"] == {"requestedQueryCost": 16, "maximumAvailable": 20_000}


async def test_an_operation_over_the_cost_limit_does_not_run() -> None:
    harness = limited(max_cost=100)
    harness.calls()
    body = await harness.query("{ workloads(first: 100) { edges { node { id } } } }")
    error = only_error(body)
    assert error["extensions"] == {"code": "MAX_COST_EXCEEDED", "limit": 100, "found": 201}
    assert body["extensions"]["cost"]["requestedQueryCost"] == 201
    assert harness.calls() == {}  # refused before any backend call


@pytest.mark.parametrize("name", ["workloads", "buckets", "bucket-detail"])
def test_route_operations_fit_the_default_limits_at_their_largest_page(name: str) -> None:
    from gateway.documents import DEFAULT_OPERATIONS_DIR

    document = parse((DEFAULT_OPERATIONS_DIR / f"{name}.graphql").read_text())
    report = analyse(
        document,
        schema=schema._schema,
        operation_name=None,
        variables={"first": 100},
        default_list_size=SecuritySettings().cost_default_list_size,
    )
    assert report is not None
    defaults = SecuritySettings()
    assert report.operation.cost <= defaults.max_cost and report.operation.depth <= defaults.max_depth


async def test_introspection_can_be_turned_off() -> None:
    harness = limited(introspection=False)
    body = await harness.query("{ __schema { types { name } } }")
    assert body["data"] is None
    assert {e["extensions"]["code"] for e in body["errors"]} == {"GRAPHQL_VALIDATION_FAILED"}
    assert "introspection has been disabled" in body["errors"][0]["message"]
    assert "errors" not in await limited().query("{ __schema { queryType { name } } }")
