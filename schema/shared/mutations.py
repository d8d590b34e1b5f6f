"""What every mutation field shares: the userError type and the one way a mutation runs.

Every side-effecting mutation takes one ``input`` (with an optional ``idempotencyKey``) and returns a
payload with ``userErrors`` plus its result, and goes through ``run``: the idempotency runner
(``gateway.idempotency``) decides whether it executes, replays or is refused.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum

import strawberry

from gateway.idempotency.keys import RULE
from gateway.idempotency.outcome import MutationOutcome
from gateway.idempotency.runner import run_mutation
from resolvers.shared.mutations import USER_ERROR_CODES
from schema.shared.types import Info

IDEMPOTENCY_KEY_DESCRIPTION = (
    f"Idempotency key of this request ({RULE}); alternatively send the Idempotency-Key header (documents with "
    "one mutation field). Retrying with the same key replays the first outcome instead of acting twice."
)

UserErrorCode = strawberry.enum(
    Enum(
        "UserErrorCode",
        {
            name: strawberry.enum_value(name, description=text)  # type: ignore[misc]
            for name, text in USER_ERROR_CODES.items()
        },
    ),
    description="Why part of a mutation's input was refused.",
)


@strawberry.type(description="A problem with a mutation's input that the caller can fix or must know about.")
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path to the input field concerned, e.g. ["input", "hardware", "gpuCount"] (null: the whole '
        "request)."
    )
    message: str = strawberry.field(description="What is wrong and how to fix it, for people.")
    code: UserErrorCode = strawberry.field(description="What is wrong, for programs.")  # type: ignore[valid-type]


def user_errors(outcome: MutationOutcome) -> list[UserError]:
    """The outcome's userErrors as GraphQL objects."""
    return [
        UserError(field=list(e.field) if e.field else None, message=e.message, code=UserErrorCode[e.code])  # type: ignore[index]
        for e in outcome.user_errors
    ]


async def run(
    info: Info, idempotency_key: str | None, execute: Callable[[str], Awaitable[MutationOutcome]]
) -> MutationOutcome:
    """Run a mutation field under its idempotency key; ``execute`` gets the key to forward to services."""
    return await run_mutation(info.context, info._raw_info, input_key=idempotency_key, execute=execute)
