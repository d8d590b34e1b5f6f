"""What a mutation produced, as stored under its key and replayed: a typed outcome with its userErrors.

Each mutation's resolver returns a subclass of ``MutationOutcome`` that names the documents its payload is
built from (allow-listed backend models), so a replay answers any selection set with the state as it was
when the mutation completed. ``MutationRejected`` carries userErrors found while validating input: those
outcomes are not stored, so a corrected retry with the same key runs.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict


class UserError(BaseModel):
    """A problem the caller can fix or must know about, with the input path it concerns."""

    model_config = ConfigDict(frozen=True)

    message: str
    code: str
    field: tuple[str, ...] | None = None


class MutationOutcome(BaseModel):
    """Base of every mutation's outcome: its userErrors; subclasses add the documents the payload shows."""

    model_config = ConfigDict(frozen=True)

    user_errors: tuple[UserError, ...] = ()


class MutationRejected(Exception):
    """Input validation failed: answer with these userErrors and record nothing."""

    def __init__(self, errors: Sequence[UserError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = tuple(errors)
