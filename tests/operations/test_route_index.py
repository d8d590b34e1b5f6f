"""operations/index.json: exactly the console's routes (resolvers/console/navigation.py) with their personas, every
committed document indexed once with the document's own name and variables, and every document valid."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import NonNullTypeNode, OperationDefinitionNode, parse, print_ast, validate

from gateway.documents import DEFAULT_OPERATIONS_DIR
from resolvers.console import navigation
from schema import schema
from tests import route_operations as ops


def test_the_index_lists_every_route_of_the_navigation_with_its_personas() -> None:
    expected = {route.path: sorted(route.personas) for route in navigation.all_routes()}
    assert {path: entry["personas"] for path, entry in ops.ROUTES.items()} == expected
    assert ops.INDEX["shell"]["personas"] == sorted(navigation.EVERYONE)


def test_every_committed_document_is_indexed_once() -> None:
    subscriptions = ops.INDEX["subscriptions"].values()
    indexed = [
        ops.INDEX["shell"]["file"],
        *(e["file"] for e in ops.ROUTES.values()),
        *(e["file"] for e in subscriptions),
        *(e["file"] for e in ops.INDEX["mutations"].values()),
    ]
    committed = [p.relative_to(DEFAULT_OPERATIONS_DIR).as_posix() for p in ops.all_operation_files()]
    assert sorted(indexed) == sorted(committed)
    names = (
        [entry["operation"] for entry in (ops.INDEX["shell"], *ops.ROUTES.values())]
        + list(ops.INDEX["subscriptions"])
        + list(ops.INDEX["mutations"])
    )
    assert len(names) == len(set(names)), "operation names are unique"


@pytest.mark.parametrize("route", sorted(ops.ROUTES))
def test_index_entry_matches_its_document(route: str) -> None:
    entry = ops.ROUTES[route]
    parsed = parse(ops.document(entry))
    (operation,) = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    assert operation.operation.value == "query" and operation.name is not None
    assert operation.name.value == entry["operation"]
    required, optional = {}, {}
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if isinstance(definition.type, NonNullTypeNode) and definition.default_value is None:
            required[name] = definition
        else:
            optional[name] = print_ast(definition.type)
    assert set(required) == set(entry["variables"]) == set(re.findall(r"\{(\w+)\}", route)), "path fills them"
    assert optional == entry["optionalVariables"]


@pytest.mark.parametrize("name", sorted(ops.INDEX["subscriptions"]))
def test_subscription_entry_matches_its_document(name: str) -> None:
    entry = ops.INDEX["subscriptions"][name]
    parsed = parse((DEFAULT_OPERATIONS_DIR / entry["file"]).read_text())
    (operation,) = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    assert operation.operation.value == "subscription" and operation.name is not None
    assert operation.name.value == name
    variables = {d.variable.name.value: print_ast(d.type) for d in operation.variable_definitions or ()}
    assert variables == entry["optionalVariables"]
    assert entry["personas"] == sorted(navigation.EVERYONE)


@pytest.mark.parametrize("path", ops.all_operation_files(), ids=lambda p: p.name)
def test_operation_validates_against_the_schema(path: Path) -> None:
    errors = validate(schema._schema, parse(path.read_text()))
    assert errors == [], [e.message for e in errors]


def test_the_secret_values_are_the_seeded_secrets_and_only_those() -> None:
    values = ops.seeded_secret_values()
    assert len(values) > 500
    assert all("SEEDSECRET" in v for v in values), "the names pick out seeded secrets and nothing else"
    billing = ops.WORLD.domains["account"]["billing-accounts"][0]
    assert {billing["card_number"], billing["payment_token"]} <= values
    colours = {a["colour"]["token"] for a in ops.WORLD.domains["workloads"]["apps"]}
    assert not colours & values, "an app's colour token is a design token, not a secret"
