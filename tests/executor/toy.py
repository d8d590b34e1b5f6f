"""A small Strawberry schema for the executor's unit tests: interfaces, lists, non-null, errors, async resolvers."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncGenerator
from types import SimpleNamespace
from typing import Any

import strawberry
from graphql import GraphQLError

from gateway.executor import CompiledExecutor


@strawberry.enum(description="A colour.")
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.interface(description="Something with a name.")
class Named:
    name: str = strawberry.field(description="The name.")


@strawberry.type(description="A pet.")
class Pet(Named):
    colour: Colour = strawberry.field(description="Its colour.")
    tags: list[str | None] = strawberry.field(description="Tags, some null.")

    @strawberry.field(description="Always fails; nullable.")
    def broken(self) -> str | None:
        raise GraphQLError("broken on purpose", extensions={"code": "BROKEN"})

    @strawberry.field(description="Always fails; non-null, so the pet is nulled.")
    async def required(self) -> str:
        await asyncio.sleep(0)
        raise GraphQLError("required failed", extensions={"code": "REQUIRED"})

    @strawberry.field(description="An async echo of the argument.")
    async def echo(self, text: str = "default") -> str:
        await asyncio.sleep(0)
        return f"{self.name}:{text}"


@strawberry.type(description="A robot.")
class Robot(Named):
    serial: int = strawberry.field(description="Its serial number.")


@strawberry.type(description="The root.")
class Query:
    @strawberry.field(description="Pets (nullable: a failing non-null pet field nulls the list).")
    async def pets(self) -> list[Pet] | None:
        return [Pet(name="rex", colour=Colour.RED, tags=["a", None]), Pet(name="tom", colour=Colour.BLUE, tags=[])]

    @strawberry.field(description="Pets and robots.")
    def things(self) -> list[Named]:
        return [Pet(name="rex", colour=Colour.RED, tags=[]), Robot(name="r2", serial=2)]

    @strawberry.field(description="A nullable list of non-null strings, one of them null.")
    def strict(self) -> list[str] | None:
        return ["x", None]  # type: ignore[list-item]

    @strawberry.field(description="A value that is not a valid Int.")
    def bad_int(self) -> int | None:
        return "seven"  # type: ignore[return-value]

    @strawberry.field(description="An exception returned as the value.")
    def returned_error(self) -> str | None:
        return ValueError("returned, not raised")  # type: ignore[return-value]


@strawberry.type(description="Events.")
class Subscription:
    @strawberry.subscription(description="Two things, one after the other.")
    async def things(self) -> AsyncGenerator[Named, None]:
        yield Pet(name="rex", colour=Colour.RED, tags=["a"])
        yield Robot(name="r2", serial=2)


def make_schema(compiled: bool) -> strawberry.Schema:
    """The toy schema on the compiled executor, or on Strawberry's default."""
    extra: dict[str, Any] = {"execution_context_class": CompiledExecutor} if compiled else {}
    return strawberry.Schema(query=Query, subscription=Subscription, types=[Pet, Robot], **extra)


COMPILED = make_schema(compiled=True)
STANDARD = make_schema(compiled=False)
STANDARD_CONTEXT = SimpleNamespace(settings=SimpleNamespace(executor="standard"))


async def both(query: str, variables: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The formatted result on Strawberry's default executor and on the compiled one."""
    results = []
    for schema in (STANDARD, COMPILED):
        result = await schema.execute(query, variables)
        results.append({"data": result.data, "errors": [e.formatted for e in result.errors or []]})
    return results[0], results[1]
