"""A small Strawberry schema whose resolvers exercise the direct call: info, self/parent, arguments from literals
and variables (with defaults, enums, input objects, lists), sync and async resolvers, raising resolvers, and the
fields that must keep Strawberry's wrapper (permission classes, field extensions)."""

from __future__ import annotations

import asyncio
import enum
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission
from strawberry.types import Info

from gateway.executor import CompiledExecutor


@strawberry.enum(description="A size.")
class Size(enum.Enum):
    SMALL = "small"
    LARGE = "large"


@strawberry.input(description="What to look for.")
class Search:
    sizes: list[Size] = strawberry.field(description="Sizes to match.")
    words: list[str] = strawberry.field(default_factory=list, description="Words to match.")
    label: str | None = strawberry.field(default=None, description="An optional label.")


class Never(BasePermission):
    message = "not allowed"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return False


class Shout(FieldExtension):
    def resolve(self, next_: Any, source: Any, info: Info, **kwargs: Any) -> Any:
        return str(next_(source, info, **kwargs)).upper()


@strawberry.type(description="A box.")
class Box:
    name: str = strawberry.field(description="The name.")
    size: Size = strawberry.field(description="The size.")

    @strawberry.field(description="Reads info: context, path, field name, selected fields, variables.")
    def seen(self, info: Info) -> str:
        selected = ",".join(child.name for child in info.selected_fields[0].selections) or "-"
        return f"{self.name}:{info.context['who']}:{info.path.key}:{info.field_name}:{selected}:{info.variable_values}"

    @strawberry.field(description="An async resolver with a defaulted argument.")
    async def scaled(self, factor: int = 2) -> int:
        await asyncio.sleep(0)
        return len(self.name) * factor

    @strawberry.field(description="An enum argument and an input object argument; the input is changed by the call.")
    def matches(self, size: Size, search: Search | None = None) -> str:
        if search is None:
            return f"{self.name}:{size.value}:none"
        search.words.append("touched")  # a shared input would show the previous call's word here
        return f"{self.name}:{size.value}:{[s.value for s in search.sizes]}:{search.words}:{search.label}"

    @strawberry.field(description="Takes its parent as an argument instead of self.")
    @staticmethod
    def parent_name(parent: strawberry.Parent[Box]) -> str:
        return parent.name.upper()

    @strawberry.field(description="Raises with extensions; nullable.")
    def broken(self, info: Info) -> str | None:
        raise GraphQLError(f"{self.name} broke", extensions={"code": "BROKEN"})

    @strawberry.field(description="Raises after a suspension; non-null, so the box is nulled.")
    async def required(self, fail: bool = True) -> str:
        await asyncio.sleep(0)
        if fail:
            raise ValueError(f"{self.name} required failed")
        return "ok"

    @strawberry.field(description="Guarded by a permission class: keeps the wrapper.", permission_classes=[Never])
    def guarded(self) -> str | None:
        return "secret"

    @strawberry.field(description="With a field extension: keeps the wrapper.", extensions=[Shout()])
    def shouted(self) -> str:
        return self.name


@strawberry.type(description="Leaf values of the right and of the wrong Python type, for the leaf fast paths.")
class Leaves:
    small: int = strawberry.field(default=7, description="An Int in range.")
    big: int | None = strawberry.field(default=2**40, description="An Int out of 32-bit range: an error.")
    truth_as_int: int = strawberry.field(default=True, description="A bool for an Int: serialised as 1.")
    ratio: float = strawberry.field(default=0.5, description="A finite Float.")
    infinite: float | None = strawberry.field(default=float("inf"), description="An infinite Float: an error.")
    whole_as_float: float = strawberry.field(default=3, description="An int for a Float.")
    number_as_text: str = strawberry.field(default=5, description="An int for a String: serialised as text.")
    number_as_id: strawberry.ID = strawberry.field(default=9, description="An int for an ID.")
    flag: bool = strawberry.field(default=False, description="A Boolean.")
    size: Size = strawberry.field(default=Size.LARGE, description="An enum member.")
    size_name: Size | None = strawberry.field(default="SMALL", description="Not a member: an error.")


@strawberry.type(description="The root.")
class Query:
    @strawberry.field(description="Boxes, the first `count`.")
    async def boxes(self, count: int = 3) -> list[Box] | None:
        boxes = [Box(name="ant", size=Size.SMALL), Box(name="bear", size=Size.LARGE), Box(name="cat", size=Size.SMALL)]
        return boxes[:count]

    @strawberry.field(description="Leaves of every built-in scalar and an enum.")
    def leaves(self) -> Leaves:
        return Leaves()

    @strawberry.field(description="One box, looked up by a variable with a default.")
    def box(self, info: Info, name: str = "bear") -> Box | None:
        return Box(name=name, size=Size.LARGE) if info.context["who"] else None


def make_schema(compiled: bool) -> strawberry.Schema:
    """The schema on the compiled executor, or on Strawberry's default."""
    extra: dict[str, Any] = {"execution_context_class": CompiledExecutor} if compiled else {}
    return strawberry.Schema(query=Query, **extra)


COMPILED = make_schema(compiled=True)
STANDARD = make_schema(compiled=False)


async def both(query: str, variables: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The formatted result on Strawberry's default executor and on the compiled one (same context)."""
    results = []
    for schema in (STANDARD, COMPILED):
        result = await schema.execute(query, variables, context_value={"who": "tara"})
        results.append({"data": result.data, "errors": [e.formatted for e in result.errors or []]})
    return results[0], results[1]
