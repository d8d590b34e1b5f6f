"""A page's pickers: an optional enum variable with a default (the /evidence scope picker) is a choice the user
makes on the page, so the pass opens the page with each other value too and sees what it shows after the pick,
not only its first view. A value that names an object (PROJECT -> `$project`) takes an id the data offers."""

from __future__ import annotations

from typing import Any

from graphql import (
    EnumValueNode,
    GraphQLEnumType,
    GraphQLSchema,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    TypeNode,
    parse,
)

from parity.walk import Harvested

# An answer with only these error codes is a pick the page does not offer the persona (TENANT for a member).
NOT_OFFERED = frozenset({"FORBIDDEN"})


def _type_name(node: TypeNode) -> str:
    while isinstance(node, NonNullTypeNode | ListTypeNode):
        node = node.type
    assert isinstance(node, NamedTypeNode)
    return node.name.value


def picker_variants(schema: GraphQLSchema, document: str, harvest: list[Harvested]) -> list[dict[str, Any]]:
    """One set of variables per value of each enum picker other than its default; values that need an object
    the data offers none of are left out."""
    operation = next(d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode))
    definitions = operation.variable_definitions or ()
    id_variables = {d.variable.name.value for d in definitions if _type_name(d.type) == "ID"}
    variants: list[dict[str, Any]] = []
    for definition in definitions:
        enum = schema.get_type(_type_name(definition.type))
        if not isinstance(enum, GraphQLEnumType) or not isinstance(definition.default_value, EnumValueNode):
            continue
        for value in enum.values:
            if value == definition.default_value.value:
                continue
            variables: dict[str, Any] = {definition.variable.name.value: value}
            named = value.lower()
            if named in id_variables and named != "tenant":  # a tenant admin's TENANT scope is their own tenant
                offered = next((h.value for h in harvest if h.kind == value.title()), None)
                if offered is None:
                    continue
                variables[named] = offered
            variants.append(variables)
    return variants


def offered(body: dict[str, Any]) -> bool:
    """False when the answer refuses the pick for this persona (the page would not offer it)."""
    codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors") or []}
    return not codes or not codes <= NOT_OFFERED
