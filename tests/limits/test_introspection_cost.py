"""Introspection is costed like any selection: lists sized by the schema itself, aliases counted, ``ofType`` free,
depth not counted. Asking for the schema many times over is refused before anything runs; a client's usual
introspection query still fits the default limit."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from graphql import GraphQLEnumType, GraphQLInterfaceType, GraphQLObjectType, get_introspection_query, parse

from gateway.limits.analysis import analyse, introspection_sizes
from gateway.security_settings import SecuritySettings
from gateway.settings import Settings
from schema import schema
from tests.support import GatewayHarness, build_harness

GRAPHQL = schema._schema
INTROSPECTION = get_introspection_query(
    descriptions=True,
    specified_by_url=True,
    directive_is_repeatable=True,
    schema_description=True,
    input_value_deprecation=True,
)
SCHEMA_SELECTION = "__schema { types { name fields { name args { name } type { name ofType { name } } } } }"


def cost(query: str) -> int:
    report = analyse(parse(query), schema=GRAPHQL, operation_name=None, variables=None, default_list_size=10)
    assert report is not None
    return report.operation.cost


def aliased(count: int, selection: str) -> str:
    return "{ " + " ".join(f"a{i}: {selection}" for i in range(count)) + " }"


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("data") is None, body
    [error] = body["errors"]
    return error


def test_introspection_lists_are_sized_by_the_schema() -> None:
    sizes = introspection_sizes(GRAPHQL)
    types = list(GRAPHQL.type_map.values())
    fields = sum(len(t.fields) for t in types if isinstance(t, (GraphQLObjectType, GraphQLInterfaceType)))
    assert sizes[("__Schema", "types")] == len(types)
    assert sizes[("__Type", "fields")] == math.ceil(fields / len(types))
    assert sizes[("__Type", "enumValues")] == math.ceil(
        sum(len(t.values) for t in types if isinstance(t, GraphQLEnumType)) / len(types)
    )
    assert sizes[("__Schema", "directives")] == len(GRAPHQL.directives)
    assert all(size >= 1 for size in sizes.values())


def test_introspection_costs_like_any_selection() -> None:
    types = len(GRAPHQL.type_map)
    fields = introspection_sizes(GRAPHQL)[("__Type", "fields")]
    assert cost("{ __schema { types { name } } }") == 1 + types  # the __Schema object, then one per type
    assert cost("{ __schema { types { fields { name } } } }") == 1 + types * (1 + fields)
    assert cost('{ __type(name: "Workload") { name } }') == 1
    assert cost("{ __typename }") == 0
    # ofType, the type a list or non-null wraps, is free; what is selected inside it is not.
    assert cost('{ __type(name: "Workload") { ofType { ofType { ofType { name } } } } }') == 1
    assert cost('{ __type(name: "Workload") { ofType { fields { name } } } }') == 1 + fields


def test_aliases_multiply_introspection() -> None:
    one = cost(f"{{ {SCHEMA_SELECTION} }}")
    assert one > 1000
    assert cost(aliased(19, SCHEMA_SELECTION)) == 19 * one


def test_recursing_through_introspection_grows_with_every_level() -> None:
    shallow = cost("{ __schema { types { fields { type { name } } } } }")
    deeper = cost("{ __schema { types { fields { type { fields { type { name } } } } } } }")
    assert deeper > 2 * shallow


def test_a_clients_introspection_query_fits_the_default_limit() -> None:
    assert 1000 < cost(INTROSPECTION) < SecuritySettings().max_cost


async def test_nineteen_schemas_are_refused_before_anything_runs(harness: GatewayHarness) -> None:
    query = aliased(19, SCHEMA_SELECTION)
    error = only_error(await harness.query(query))
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert error["extensions"]["found"] == cost(query) and error["extensions"]["limit"] == 20_000


async def test_two_full_introspections_in_one_document_are_refused_though_their_cost_fits(
    harness: GatewayHarness,
) -> None:
    query = aliased(2, SCHEMA_SELECTION)
    assert cost(query) < SecuritySettings().max_cost  # the cost limit alone would let it run
    error = only_error(await harness.query(query))
    assert error["extensions"] == {"code": "MAX_INTROSPECTIONS_EXCEEDED", "limit": 1, "found": 2}
    # In fragments too: each spread of a fragment selecting __schema is one more walk of the schema.
    spread = (
        f"query {{ ...A ...B }} fragment A on Query {{ a: {SCHEMA_SELECTION} }} "
        f"fragment B on Query {{ b: {SCHEMA_SELECTION} }}"
    )
    assert only_error(await harness.query(spread))["extensions"]["code"] == "MAX_INTROSPECTIONS_EXCEEDED"


async def test_graphiql_introspection_runs_and_reports_its_cost(harness: GatewayHarness) -> None:
    body = await harness.query(INTROSPECTION)
    assert "errors" not in body
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"
    assert body["extensions"]["cost"]["requestedQueryCost"] == cost(INTROSPECTION)


async def test_introspection_aliases_count_against_the_alias_limit(harness: GatewayHarness) -> None:
    error = only_error(await harness.query(aliased(31, "__typename")))
    assert error["extensions"] == {"code": "MAX_ALIASES_EXCEEDED", "limit": 30, "found": 31}


async def test_introspection_does_not_count_in_depth() -> None:
    security = dataclasses.replace(SecuritySettings(), max_depth=3)
    harness = build_harness(settings=Settings.from_env({}, viewer_cache_seconds=0, security=security))
    nested = '{ __type(name: "Workload") { fields { type { ofType { ofType { name } } } } } }'
    assert "errors" not in await harness.query(nested)
    error = only_error(await harness.query("{ viewer { tenant { projects { name } } } }"))
    assert error["extensions"]["code"] == "MAX_DEPTH_EXCEEDED"


async def test_a_lower_cost_limit_refuses_introspection_too() -> None:
    security = dataclasses.replace(SecuritySettings(), max_cost=1000)
    harness = build_harness(settings=Settings.from_env({}, viewer_cache_seconds=0, security=security))
    error = only_error(await harness.query(INTROSPECTION))
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
