"""Where a mutation's idempotency key comes from, and what a valid key looks like.

A key is 16-255 characters of ``[A-Za-z0-9._:-]`` (a UUID or ULID fits). It comes from the
``Idempotency-Key`` header, which is only unambiguous when the document has exactly one mutation field,
or from the field's ``input.idempotencyKey``. Both present and different is an error. Messages never
echo the key: it may be huge or hostile.
"""

from __future__ import annotations

import re

from gateway.errors import IdempotencyKeyInvalid, IdempotencyKeyRequired

HEADER = "idempotency-key"
INPUT_FIELD = "idempotencyKey"
MIN_LENGTH = 16
MAX_LENGTH = 255
_KEY = re.compile(r"[A-Za-z0-9._:-]+")
RULE = f"{MIN_LENGTH}-{MAX_LENGTH} characters of A-Z, a-z, 0-9, '.', '_', ':' and '-'"


def check_key(key: str, source: str) -> str:
    """The key itself, or ``IdempotencyKeyInvalid`` saying what is wrong with it (never echoing it)."""
    if not MIN_LENGTH <= len(key) <= MAX_LENGTH:
        problem = "it is empty" if not key else f"it is {len(key)} characters long"
        raise IdempotencyKeyInvalid(f"The {source} must be {RULE}; {problem}.", source=source)
    if not _KEY.fullmatch(key):
        raise IdempotencyKeyInvalid(f"The {source} must be {RULE}; it contains other characters.", source=source)
    return key


def choose_key(header: str | None, input_key: str | None, mutation_fields: int) -> str:
    """The key of one mutation field from the header and its input, or why there is none usable."""
    if header is not None:
        check_key(header, "Idempotency-Key header")
        if mutation_fields != 1:
            raise IdempotencyKeyInvalid(
                f"The Idempotency-Key header applies to a document with exactly one mutation field; this one has "
                f"{mutation_fields}: give each field its own input.idempotencyKey instead.",
                source="Idempotency-Key header",
            )
    if input_key is not None:
        check_key(input_key, "input.idempotencyKey")
    if header is not None and input_key is not None and header != input_key:
        raise IdempotencyKeyInvalid(
            "The Idempotency-Key header and input.idempotencyKey differ; send one, or the same key in both.",
            source="Idempotency-Key header",
        )
    key = input_key if input_key is not None else header
    if key is None:
        raise IdempotencyKeyRequired(
            f"This mutation needs an idempotency key ({RULE}): send an Idempotency-Key header or "
            "input.idempotencyKey, and reuse it when you retry."
        )
    return key
