"""The committed possibleTypes map (Apollo Client's InMemoryCache) matches the schema, like the committed SDL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLUnionType

from gateway.cli import main, possible_types_json
from schema import schema

COMMITTED = Path(__file__).resolve().parents[2] / "schema" / "possible_types.json"


def test_committed_possible_types_match_the_code() -> None:
    assert COMMITTED.read_text() == possible_types_json(schema._schema), (
        "schema/possible_types.json is out of date: run `make schema` and commit the result"
    )


def test_gateway_schema_prints_them(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--possible-types"]) == 0
    assert capsys.readouterr().out == COMMITTED.read_text()


def test_every_interface_and_union_maps_to_all_its_concrete_types() -> None:
    committed = json.loads(COMMITTED.read_text())
    graphql_schema = schema._schema
    abstract = {
        name
        for name, named in graphql_schema.type_map.items()
        if isinstance(named, GraphQLInterfaceType | GraphQLUnionType) and not name.startswith("__")
    }
    assert set(committed) == abstract
    for name, concrete in committed.items():
        assert all(isinstance(graphql_schema.type_map[t], GraphQLObjectType) for t in concrete), name
        assert set(concrete) == {t.name for t in graphql_schema.get_possible_types(graphql_schema.type_map[name])}
    # The case Apollo warns about without the map: fragments on the Workload interface.
    assert committed["Workload"] == ["ComputeWorkload", "JupyterWorkload", "TrainingWorkload", "VllmWorkload"]
    assert set(committed["Workload"]) <= set(committed["Node"])
