"""What a mutation produced, as stored under its key and replayed: a result snapshot and userErrors.

``result`` is JSON (the allow-listed backend documents the payload is built from), so a replay answers any
selection set with the state as it was when the mutation completed. ``MutationRejected`` carries userErrors
found while validating input: those outcomes are not stored, so a corrected retry with the same key runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

FORMAT_VERSION = 1


@dataclass(frozen=True)
class UserError:
    """A problem the caller can fix or must know about, with the input path it concerns."""

    message: str
    code: str
    field: tuple[str, ...] | None = None


@dataclass(frozen=True)
class MutationOutcome:
    """The result snapshot (JSON) and the userErrors of one mutation."""

    result: Mapping[str, Any] = field(default_factory=dict)
    user_errors: tuple[UserError, ...] = ()

    def to_json(self) -> str:
        """The stored form."""
        return json.dumps(
            {
                "v": FORMAT_VERSION,
                "result": self.result,
                "userErrors": [
                    {"message": e.message, "code": e.code, "field": list(e.field) if e.field else None}
                    for e in self.user_errors
                ],
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> MutationOutcome:
        """From the stored form."""
        data = json.loads(text)
        return cls(
            result=data.get("result") or {},
            user_errors=tuple(
                UserError(e["message"], e["code"], tuple(e["field"]) if e.get("field") else None)
                for e in data.get("userErrors") or []
            ),
        )


class MutationRejected(Exception):
    """Input validation failed: answer with these userErrors and record nothing."""

    def __init__(self, errors: Sequence[UserError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = tuple(errors)
