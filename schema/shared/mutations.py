"""What every mutation field shares: the userError type and the idempotency key's description.

Every side-effecting mutation takes one ``input`` (with an optional ``idempotencyKey``) and returns a
payload with ``userErrors`` plus its result. It declares ``Idempotent`` (``gateway.idempotency.field``): the
idempotency runner decides whether its resolver executes, replays the recorded outcome or is refused.
"""

from __future__ import annotations

from enum import Enum
from typing import cast

import strawberry

from gateway.idempotency.keys import RULE
from gateway.idempotency.outcome import MutationOutcome
from resolvers.shared.mutations import USER_ERROR_CODES

IDEMPOTENCY_KEY_DESCRIPTION = (
    f"Idempotency key of this request ({RULE}); alternatively send the Idempotency-Key header (documents with "
    "one mutation field). Retrying with the same key replays the first outcome instead of acting twice."
)

# One member per code of USER_ERROR_CODES; the cast tells mypy the functional API made an Enum class.
_USER_ERROR_CODES = cast(
    type[Enum],
    Enum(
        "UserErrorCode",
        {name: strawberry.enum_value(name, description=text) for name, text in USER_ERROR_CODES.items()},
    ),
)
UserErrorCode = strawberry.enum(_USER_ERROR_CODES, description="Why part of a mutation's input was refused.")


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
        UserError(field=list(e.field) if e.field else None, message=e.message, code=UserErrorCode[e.code])
        for e in outcome.user_errors
    ]
