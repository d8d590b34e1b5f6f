"""Shared GraphQL shapes: the Node interface, connections, availability, money and scalars."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from enum import Enum
from typing import Any, Generic, NewType, TypeVar

import strawberry
from strawberry.types.base import get_object_definition
from strawberry.types.scalar import ScalarDefinition

from gateway.context import RequestContext
from resolvers.shared import shapes
from resolvers.shared.shapes import MAX_FIRST

# The resolver info every field receives: the gateway's request context, no root value.
Info = strawberry.Info[RequestContext, None]
Item = TypeVar("Item")
Model = TypeVar("Model")

FIRST_DESCRIPTION = f"How many items to return, 0 to {MAX_FIRST} (0 returns only the total count)."
AFTER_DESCRIPTION = "Return the items after this cursor (an `endCursor` or edge `cursor` from an earlier page)."

BigInt = NewType("BigInt", int)
SCALARS: dict[object, ScalarDefinition] = {
    BigInt: strawberry.scalar(
        name="BigInt",
        serialize=int,
        parse_value=int,
        description="An integer that may exceed 32 bits, sent as a JSON number (exact up to 2^53).",
    )
}


@strawberry.interface(description="An object with a global ID, fetchable with `node(id:)` and `nodes(ids:)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="Opaque global ID of the object.")


@strawberry.type(description="Where a page of a connection sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when `endCursor` can fetch more items.")
    has_previous_page: bool = strawberry.field(description="Always false: connections page forward only.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item of this page.")
    end_cursor: str | None = strawberry.field(description="Cursor to pass as `after` for the next page.")


@strawberry.type(description="An item of a connection with its cursor.")
class Edge(Generic[Item]):
    cursor: str = strawberry.field(description="Pass as `after` to fetch the items after this one.")
    node: Item = strawberry.field(description="The item.")


@strawberry.type(
    description=f"A page of a list, newest first, paged forward with `first` (at most {MAX_FIRST}) and `after`."
)
class Connection(Generic[Item]):
    edges: list[Edge[Item]] = strawberry.field(description="The items of this page with their cursors.")
    page_info: PageInfo = strawberry.field(description="How to fetch the next page.")
    total_count: int = strawberry.field(description="How many items match, across all pages.")

    @strawberry.field(description="The items of this page without cursors.")
    def nodes(self) -> list[Item]:
        return [edge.node for edge in self.edges]


# How ``node``/``nodes`` reach one type: its scoped batch fetch (None for ids not found or not visible) and
# the conversion of what it fetched.
NodeFetch = Callable[[RequestContext, Sequence[str]], Awaitable[Sequence[Any | None]]]
NodeSource = tuple[NodeFetch, Callable[[Any], "Node"]]


def wire(member: Enum) -> str:
    """The value an enum member of the schema stands for (what resolvers take).

    mypy types the members of ``strawberry.enum_value`` enums as their definitions; at run time the value
    is the string given to it.
    """
    value: object = member.value
    if not isinstance(value, str):
        raise TypeError(f"{type(member).__name__}.{member.name} has no string value")
    return value


def connection(page: shapes.PageOf[Model], convert: Callable[[Model], Item]) -> Connection[Item]:
    """A connection from a resolver page, converting each item to its GraphQL type."""
    edges = [Edge(cursor=c, node=convert(m)) for m, c in zip(page.items, page.cursors, strict=True)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=False,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        total_count=page.total_count,
    )


# Availability and Money are the resolvers' values (``shapes.Availability``, ``shapes.Money``) rendered as they
# are: a field holding one is declared with the value's type and ``graphql_type=Availability`` (or ``Money``),
# so nothing copies them into a second class. The enum's values are the resolvers' states for the same reason.


@strawberry.enum(description="Whether a section is backed by real data.")
class AvailabilityState(Enum):
    AVAILABLE = strawberry.enum_value(shapes.AvailabilityState.AVAILABLE, description="Real data is shown.")
    EMPTY = strawberry.enum_value(
        shapes.AvailabilityState.EMPTY,
        description="The section is built and its source answered, but nothing is recorded for this subject yet.",
    )
    UNAVAILABLE = strawberry.enum_value(
        shapes.AvailabilityState.UNAVAILABLE,
        description="Not available for this object now; see reason. A runtime condition (the workload is not "
        "running, the viewer does not manage it) when `gap` is null, else the gap named there.",
    )
    FUTURE = strawberry.enum_value(
        shapes.AvailabilityState.FUTURE, description="A capability the product does not offer yet."
    )


@strawberry.enum(description="Which kind of lack a section's missing data is (the cutover parity pass's classes).")
class GapClass(Enum):
    READ_MODEL = strawberry.enum_value(
        shapes.GapClass.READ_MODEL, description="The contract and the backend do not carry the data yet."
    )
    SEED = strawberry.enum_value(
        shapes.GapClass.SEED, description="The data lacks the persona or resource needed to show the section."
    )
    FUTURE_PRODUCT = strawberry.enum_value(
        shapes.GapClass.FUTURE_PRODUCT, description="Accepted and documented for after cutover; `link` says where."
    )


@strawberry.type(description="Explicit state of a section: available, or why not and where to read more.")
class Availability:
    state: AvailabilityState = strawberry.field(description="Whether data is available.")
    reason: str | None = strawberry.field(description="Why the section is unavailable (null when available).")
    link: str | None = strawberry.field(description="Stable link explaining the state (null when available).")
    gap: GapClass | None = strawberry.field(
        description="The gap class when data is missing for a reason other than a runtime condition; null when "
        "available, empty for this subject or unavailable only because of the object's state or the viewer's role."
    )


@strawberry.type(description="An amount of money.")
class Money:
    amount: Decimal = strawberry.field(description="Amount in the currency's major unit, as a decimal string.")
    currency: str = strawberry.field(description="ISO 4217 currency code.")


def _renders(graphql_type: type, shape: type) -> None:
    """Fail at import when a GraphQL type and the resolvers' value it renders disagree on their fields."""
    declared = [f.python_name for f in get_object_definition(graphql_type, strict=True).fields]
    if declared != [f.name for f in dataclasses.fields(shape)]:
        raise TypeError(f"{graphql_type.__name__} declares {declared}, but renders {shape.__qualname__}")


_renders(Availability, shapes.Availability)
_renders(Money, shapes.Money)
