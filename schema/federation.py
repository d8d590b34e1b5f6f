"""The gateway's schema as an Apollo Federation v2 subgraph, built beside the main schema from the same types.

Every type implementing ``Node`` (and the ``Workload`` interface, an entity interface of Federation 2.3) is an
entity keyed by its global id: ``@key(fields: "id")``. ``_entities(representations:)`` resolves them through
``resolve_nodes``, the code behind ``node(id:)``: the same loaders (one batch per type), the same scope rules
(another tenant's id is null with NOT_FOUND, exactly like a missing one).

Why not ``strawberry.federation.type(keys=...)``: that decorator records ``@key`` on the type's own definition,
which the main schema shares, so the console's SDL would print ``@key`` (and Strawberry warns about federation
directives in a non-federation schema). Here the main types stay untouched: the keys, ``@link`` and the
federation fields exist only in this schema and in its SDL (``SubgraphSchema.as_str``, also ``_service.sdl``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Annotated, Any, NewType, Union

import strawberry
from graphql import (
    ConstArgumentNode,
    ConstDirectiveNode,
    DocumentNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    ListValueNode,
    NameNode,
    ObjectTypeDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    TypeDefinitionNode,
    parse,
    print_ast,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import get_object_definition

from gateway.context import RequestContext
from gateway.errors import BadUserInput, NotFound
from schema import GatewaySchema, Query
from schema import schema as main_schema
from schema.console.node import NODE_TYPES, resolve_nodes
from schema.root_mutation import Mutation
from schema.shared.permissions import Authenticated
from schema.shared.types import SCALARS, Info, Node

FEDERATION_SPEC = "https://specs.apollo.dev/federation/v2.3"  # 2.3: @key on interfaces (Workload)
ENTITY_KEY = "id"
MAX_REPRESENTATIONS = 500  # one `_entities` call: a router sends one representation per entity of a plan step
FEDERATION_FIELDS = frozenset({"_service", "_entities"})
FEDERATION_TYPES = frozenset({"_Any", "_Entity", "_Service"})


def _node_types(graphql_types: dict[str, GraphQLNamedType]) -> dict[str, GraphQLObjectType | GraphQLInterfaceType]:
    """The main schema's object and interface types implementing ``Node``: the subgraph's entities."""
    return {
        name: named
        for name, named in sorted(graphql_types.items())
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
        and any(interface.name == "Node" for interface in named.interfaces)
    }


ENTITY_TYPES = _node_types(main_schema._schema.type_map)
# Each entity's fetch: its own ``NODE_TYPES`` entry, or its interface's (a TrainingWorkload is fetched as a Workload).
_unfetchable = sorted(
    name
    for name, named in ENTITY_TYPES.items()
    if name not in NODE_TYPES and not any(interface.name in NODE_TYPES for interface in named.interfaces)
)
if _unfetchable:
    raise RuntimeError(f"Node types without a fetch in schema.console.node.NODE_TYPES: {', '.join(_unfetchable)}")

# The Python classes of the object entities, for the `_Entity` union.
_ENTITY_CLASSES = tuple(
    named.extensions[GraphQLCoreConverter.DEFINITION_BACKREF].origin
    for named in ENTITY_TYPES.values()
    if isinstance(named, GraphQLObjectType)
)
Entity = Annotated[
    Union[_ENTITY_CLASSES],  # type: ignore[valid-type]  # noqa: UP007 (built from a tuple at import time)
    strawberry.union("_Entity", description="Every object this subgraph resolves by key (the Node types)."),
]

# `_Any`: an entity representation as the router sends it, `{"__typename": ..., "id": ...}`.
Representation = NewType("Representation", object)
REPRESENTATION_SCALAR = strawberry.scalar(
    name="_Any",
    serialize=lambda value: value,
    parse_value=lambda value: value,
    description="An entity representation: an object with `__typename` and the key field `id` (a global id).",
)


@strawberry.type(name="_Service", description="This subgraph's SDL, with its federation directives, for composition.")
class SubgraphService:
    sdl: str = strawberry.field(description="The subgraph schema in SDL (what `gateway schema --federation` prints).")


def _implements(value: Node, type_name: str) -> bool:
    """True when ``value`` is of GraphQL type ``type_name`` or implements the interface of that name."""
    definition = get_object_definition(value, strict=True)
    return definition.name == type_name or any(i.name == type_name for i in definition.interfaces)


async def resolve_entities(ctx: RequestContext, representations: Sequence[object]) -> list[Node | Exception]:
    """Each representation's object, or the error at its position: ``resolve_nodes`` plus the typename check.

    A representation whose ``__typename`` is not the object's type (nor an interface of it) answers like a
    missing id, so a router cannot read an object through another type's key.
    """
    if len(representations) > MAX_REPRESENTATIONS:
        raise BadUserInput(
            f"`representations` takes at most {MAX_REPRESENTATIONS} items, got {len(representations)}",
            argument="representations",
        )
    typenames: list[str | None] = []
    ids: list[str] = []
    for representation in representations:
        typename = representation.get("__typename") if isinstance(representation, dict) else None
        global_id = representation.get(ENTITY_KEY) if isinstance(representation, dict) else None
        valid = isinstance(typename, str) and typename in ENTITY_TYPES and isinstance(global_id, str)
        typenames.append(typename if valid else None)
        ids.append(global_id if valid else "")  # type: ignore[arg-type]  # str when valid
    argument = "representations"
    resolved = await resolve_nodes(ctx, ids, argument)
    results: list[Node | Exception] = []
    for index, (typename, result) in enumerate(zip(typenames, resolved, strict=True)):
        where = argument if len(ids) == 1 else f"{argument}[{index}]"
        if typename is None:
            results.append(
                BadUserInput(
                    f"`{where}` must be an object with `__typename` (one of the subgraph's entity types) "
                    f"and a string `{ENTITY_KEY}`",
                    argument=where,
                )
            )
        elif isinstance(result, Exception) or _implements(result, typename):
            results.append(result)
        else:
            results.append(NotFound(f"no {typename} with this id"))
    return results


@strawberry.type(name="Query", description=main_schema._schema.query_type.description)  # type: ignore[union-attr]
class SubgraphQuery(Query):
    """The main root query type plus the two fields every federation router calls."""

    @strawberry.field(
        name="_service",
        permission_classes=[Authenticated],
        description="This subgraph's SDL for composition (`rover subgraph introspect`, `gateway schema --federation`).",
    )
    def federation_service(self, info: Info) -> SubgraphService:
        schema = info.schema
        assert isinstance(schema, SubgraphSchema)
        return SubgraphService(sdl=schema.as_str())

    @strawberry.field(
        name="_entities",
        permission_classes=[Authenticated],
        graphql_type=list[Entity | None],
        description="Entities by representation, in order, resolved like `nodes(ids:)` (one batch per type): a "
        "missing, invisible or mistyped id is null with NOT_FOUND at its index.",
    )
    async def federation_entities(
        self,
        info: Info,
        representations: Annotated[
            list[Representation],
            strawberry.argument(
                description=f"`{{__typename, id}}` objects, at most {MAX_REPRESENTATIONS}; `id` is a global id."
            ),
        ],
    ) -> list[Node | Exception]:
        return await resolve_entities(info.context, representations)


class SubgraphSchema(GatewaySchema):
    """The subgraph's executable schema; ``as_str`` is its federation SDL (``@link``, ``@key``, no `_` fields)."""

    def as_str(self) -> str:
        return _federation_sdl(super().as_str())


@functools.cache
def _federation_sdl(printed: str) -> str:
    """``printed`` (Strawberry's SDL of the subgraph schema) with ``@link`` and the entity keys added and the
    federation fields and types removed (composition adds its own)."""
    document = parse(printed)
    # Any: graphql-core 3.3 types an extension node as no DefinitionNode, though a document holds and prints both.
    definitions: list[Any] = [_link_extension()]
    for definition in document.definitions:
        if isinstance(definition, TypeDefinitionNode) and definition.name.value in FEDERATION_TYPES:
            continue
        if isinstance(definition, ObjectTypeDefinitionNode) and definition.name.value == "Query":
            definition = _replace(
                definition, fields=tuple(f for f in definition.fields or () if f.name.value not in FEDERATION_FIELDS)
            )
        if isinstance(definition, TypeDefinitionNode) and definition.name.value in ENTITY_TYPES:
            key = _directive("key", fields=StringValueNode(value=ENTITY_KEY))
            definition = _replace(definition, directives=(*(definition.directives or ()), key))
        definitions.append(definition)
    return print_ast(DocumentNode(definitions=tuple(definitions))) + "\n"


def _link_extension() -> SchemaExtensionNode:
    imports = ListValueNode(values=(StringValueNode(value="@key"),))
    link = _directive("link", url=StringValueNode(value=FEDERATION_SPEC), **{"import": imports})
    return SchemaExtensionNode(directives=(link,), operation_types=())


def _directive(name: str, **arguments: Any) -> ConstDirectiveNode:
    return ConstDirectiveNode(
        name=NameNode(value=name),
        arguments=tuple(ConstArgumentNode(name=NameNode(value=k), value=v) for k, v in arguments.items()),
    )


def _replace(node: Any, **changes: Any) -> Any:
    """A copy of an AST node with some attributes replaced."""
    return type(node)(**{**{key: getattr(node, key) for key in node.keys}, **changes})


subgraph_schema = SubgraphSchema(
    query=SubgraphQuery,
    mutation=Mutation,  # subscriptions stay on /graphql: a router would need its own subscription transport
    config=StrawberryConfig(scalar_map={**SCALARS, Representation: REPRESENTATION_SCALAR}),
    types=[named.extensions[GraphQLCoreConverter.DEFINITION_BACKREF].origin for named in ENTITY_TYPES.values()],
    extensions=main_schema.extensions,
)
