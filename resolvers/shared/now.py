"""Values a resolver may answer now or later: ``Now[T]`` is a ``T``, or an awaitable of it.

A field resolver that returns its value at once costs the executor no coroutine and no task; one that must wait
for a load returns an awaitable instead, which the executor awaits as usual. ``then`` shapes either kind.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import CoroutineType
from typing import TypeAlias, TypeVar

Loaded = TypeVar("Loaded")
Shaped = TypeVar("Shaped")
Now: TypeAlias = Shaped | Awaitable[Shaped]  # the value now, or an awaitable of it


def then(value: Now[Loaded], shape: Callable[[Loaded], Shaped]) -> Now[Shaped]:
    """``shape`` applied to a value now, or once an awaitable one (a coroutine) is there."""
    if isinstance(value, CoroutineType):
        return _shape_later(value, shape)
    return shape(value)  # type: ignore[arg-type]  # not a coroutine: the value itself


async def _shape_later(value: Awaitable[Loaded], shape: Callable[[Loaded], Shaped]) -> Shaped:
    return shape(await value)
