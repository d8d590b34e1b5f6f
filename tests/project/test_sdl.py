"""The committed SDL matches the code, changes stay non-breaking, and every schema element is described."""

from __future__ import annotations

from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    find_breaking_changes,
    introspection_types,
    specified_scalar_types,
)

from schema import schema

COMMITTED = Path(__file__).resolve().parents[2] / "schema" / "schema.graphql"


def current_sdl() -> str:
    """The SDL exactly as ``gateway schema`` prints it."""
    return schema.as_str() + "\n"


def test_committed_sdl_matches_the_code() -> None:
    assert COMMITTED.read_text() == current_sdl(), (
        "schema/schema.graphql is out of date: run `make schema` and commit the result"
    )


def test_schema_changes_break_no_existing_client() -> None:
    committed = build_schema(COMMITTED.read_text())
    breaking = find_breaking_changes(committed, schema._schema)
    assert breaking == [], "breaking schema changes (make them deliberately, then `make schema`):\n" + "\n".join(
        f"{change.type.name}: {change.description}" for change in breaking
    )


def undescribed(graphql_schema: GraphQLSchema) -> list[str]:
    """Every type, field, argument and enum value of our own making that lacks a description."""
    missing: list[str] = []

    def check(where: str, description: str | None) -> None:
        if not (description or "").strip():
            missing.append(where)

    for name, named in graphql_schema.type_map.items():
        if name in introspection_types or name in specified_scalar_types:
            continue
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            check(name, named.description)
            for field_name, field in named.fields.items():
                check(f"{name}.{field_name}", field.description)
                for arg_name, arg in getattr(field, "args", {}).items():
                    check(f"{name}.{field_name}({arg_name}:)", arg.description)
        elif isinstance(named, GraphQLEnumType):
            check(name, named.description)
            for value_name, value in named.values.items():
                check(f"{name}.{value_name}", value.description)
        elif isinstance(named, GraphQLUnionType):
            check(name, named.description)
    return missing


def test_every_type_field_argument_and_enum_value_is_described() -> None:
    assert undescribed(schema._schema) == []


def test_the_description_walk_finds_gaps() -> None:
    # Guards the walk itself: a schema with gaps of every kind must be reported in full.
    gaps = build_schema('''
        """Root."""
        type Query { plain(arg: Int): Thing }
        type Thing { field: Kind }
        enum Kind { A }
        input Narrow { only: Int }
    ''')
    assert set(undescribed(gaps)) == {
        "Query.plain",
        "Query.plain(arg:)",
        "Thing",
        "Thing.field",
        "Kind",
        "Kind.A",
        "Narrow",
        "Narrow.only",
    }
