"""Plan building and the plan cache: fields merged once, skip/include per variable values, literal arguments,
attribute reads, variants and the LRU bound, fallbacks counted."""

from __future__ import annotations

from typing import Any

from graphql import parse
from prometheus_client import REGISTRY
from strawberry.extensions import SchemaExtension

from gateway.executor import plans
from gateway.executor.plan import condition_variables
from tests.executor.toy import COMPILED, Query, Robot, both, make_schema


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_condition_variables_are_found_in_fragments_too() -> None:
    document = parse(
        "query Q($a: Boolean!, $b: Boolean!) { pets @include(if: $a) { ...F } things @skip(if: true) { name } }"
        " fragment F on Pet { name @skip(if: $b) }"
    )
    operation, fragment = document.definitions
    assert condition_variables(operation, {"F": fragment}) == ["a", "b"]  # type: ignore[arg-type]


async def test_skip_include_values_each_get_their_plan_and_give_graphql_cores_answer() -> None:
    query = "query Q($a: Boolean!, $b: Boolean! = false) { pets { name @include(if: $a) colour @skip(if: $b) } }"
    compiled_before = sample("gateway_executor_plans_compiled_total")
    for variables in ({"a": True}, {"a": False}, {"a": True, "b": True}, {"a": True}):
        standard, compiled = await both(query, variables)
        assert compiled == standard, variables
    assert sample("gateway_executor_plans_compiled_total") - compiled_before == 3  # the repeat reuses its plan


async def test_fields_merge_across_fragments_and_aliases() -> None:
    query = """
    { things { ...N ... on Pet { name colour c2: colour } ... on Robot { serial name } } }
    fragment N on Named { name __typename }
    """
    standard, compiled = await both(query)
    assert compiled == standard
    assert list(compiled["data"]["things"][0]) == ["name", "__typename", "colour", "c2"]


async def test_literal_and_variable_arguments() -> None:
    query = 'query Q($t: String!) { pets { a: echo(text: "lit") b: echo(text: $t) c: echo } }'
    standard, compiled = await both(query, {"t": "var"})
    assert compiled == standard
    assert compiled["data"]["pets"][0] == {"a": "rex:lit", "b": "rex:var", "c": "rex:default"}


def test_basic_fields_are_attribute_reads_and_resolvers_are_calls() -> None:
    from gateway.executor.compiler import _attribute_of

    robot = COMPILED._schema.get_type("Robot")
    pet = COMPILED._schema.get_type("Pet")
    assert _attribute_of(robot.fields["serial"], robot.fields["serial"].resolve) == "serial"  # type: ignore[union-attr]
    assert _attribute_of(pet.fields["echo"], pet.fields["echo"].resolve) is None  # type: ignore[union-attr]
    assert Robot and Query  # the toy types the fields come from


async def test_the_cache_is_bounded_least_recently_used_first() -> None:
    plans.clear()
    plans.resize(2)
    try:
        for name in ("A", "B", "C"):
            await COMPILED.execute(f"query {name} {{ things {{ name }} }}")
        assert len(plans) == 2
        assert sample("gateway_executor_plan_cache_documents") == 2
    finally:
        plans.resize(256)


class Middleware(SchemaExtension):
    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        return _next(root, info, *args, **kwargs)


async def test_resolve_middleware_runs_on_the_standard_path_and_is_counted() -> None:
    schema = make_schema(compiled=True)
    schema.extensions = [Middleware]  # type: ignore[list-item]
    before = sample("gateway_executor_fallbacks_total", reason="middleware")
    result = await schema.execute("{ things { name } }")
    assert result.data == {"things": [{"name": "rex"}, {"name": "r2"}]}
    assert sample("gateway_executor_fallbacks_total", reason="middleware") == before + 1


async def test_standard_setting_in_the_context_bypasses_plans() -> None:
    from tests.executor.toy import STANDARD_CONTEXT

    before = sample("gateway_executor_plans_compiled_total")
    result = await COMPILED.execute("query Unplanned { things { name } }", context_value=STANDARD_CONTEXT)
    assert result.data == {"things": [{"name": "rex"}, {"name": "r2"}]}
    assert sample("gateway_executor_plans_compiled_total") == before


async def test_subscription_events_run_from_the_plan() -> None:
    query = "subscription S { things { __typename name ... on Pet { colour required } ... on Robot { serial } } }"
    events: list[list[Any]] = []
    for schema in (make_schema(compiled=False), COMPILED):
        before = sample("gateway_executor_plans_compiled_total")
        stream = await schema.subscribe(query)
        assert not isinstance(stream, type(None))
        seen = []
        async for result in stream:  # type: ignore[union-attr]
            seen.append((result.data, [e.formatted for e in result.errors or []]))
        events.append(seen)
        compiled_now = sample("gateway_executor_plans_compiled_total") - before
    assert events[1] == events[0] and len(events[0]) == 2
    assert events[0][0][0] is None and events[0][1][0] == {"things": {"__typename": "Robot", "name": "r2", "serial": 2}}
    assert compiled_now == 1  # the compiled schema planned the event selection once, for both events
