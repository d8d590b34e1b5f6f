"""Response bodies of the read endpoints: the same JSON as Starlette's ``JSONResponse``, for less CPU.

``JSONResponse`` writes ``json.dumps(..., ensure_ascii=False, allow_nan=False, separators=(",", ":"))``. Two ways
give the same answer cheaper:

- **Verbatim.** The store keeps each document as ``json.dumps(document, separators=(",", ":"))``. A stored text
  without ``\\u`` escapes (so nothing non-ASCII, no DEL, no lone surrogate) and without ``NaN`` or ``Infinity``
  decodes and encodes back to itself, character for character: the same key order, the same escapes, the same
  digits of every number (a float's ``repr`` round-trips). Plain documents (no view) are copied into the body.
- **orjson** for documents a view has derived fields on, when it is known to give the same JSON values: every
  value is of a JSON type exactly (``dict``, ``list``, ``str``, ``int``, ``float``, ``bool``, ``None``) and every
  float is finite (orjson writes ``null`` for ``NaN``, where ``JSONResponse`` fails). What orjson refuses
  (integers beyond 64 bits, non-string keys, lone surrogates) goes to ``json.dumps``. orjson writes the same
  bytes but for some floats' spelling (``1e-7`` for ``1e-07``): the same numbers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import orjson
from starlette.responses import JSONResponse, Response

# Substrings that may change when a stored text is decoded and written the way JSONResponse writes it, each with
# one of its characters: a one-character search is a memchr, far cheaper than a substring search, and most pages
# have no backslash or no capital I at all.
_NOT_VERBATIM = (("\\", "\\u"), ("N", "NaN"), ("I", "Infinity"))
_JSON_LEAVES = frozenset({str, int, bool, type(None)})


def verbatim(texts: Sequence[str]) -> str | None:
    """The JSON array of the stored documents when it equals what re-encoding them gives, else None."""
    joined = ",".join(texts)
    if any(char in joined and marker in joined for char, marker in _NOT_VERBATIM):
        return None
    return f"[{joined}]"


def encode(content: Any) -> bytes:
    """The body ``JSONResponse`` writes for ``content``: the same JSON values (raises where it raises)."""
    if _plain_json(content):
        try:
            encoded: bytes = orjson.dumps(content)
        except orjson.JSONEncodeError:  # integers beyond 64 bits, non-string keys, lone surrogates
            pass
        else:
            return encoded
    return json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode()


def _plain_json(content: Any) -> bool:
    """Whether every value is of a JSON type exactly, every float finite: where orjson means what json means."""
    leaves, isfinite = _JSON_LEAVES, math.isfinite
    kind = type(content)
    if kind is not dict and kind is not list:
        return kind in leaves or (kind is float and isfinite(content))
    pending = [content]
    while pending:
        value = pending.pop()
        for item in value.values() if type(value) is dict else value:
            kind = type(item)
            if kind in leaves:
                continue
            if kind is dict or kind is list:
                pending.append(item)
            elif kind is not float or not isfinite(item):
                return False
    return True


def json_answer(content: Any) -> Response:
    """A 200 answer of ``content`` with ``JSONResponse``'s headers and JSON values (see ``encode``)."""
    return Response(encode(content), media_type=JSONResponse.media_type)


def json_body(text: str) -> Response:
    """A 200 ``application/json`` answer of an already-encoded body, with the headers ``JSONResponse`` sends."""
    return Response(text.encode("utf-8"), media_type=JSONResponse.media_type)


def items_answer(array: str, rest: dict[str, Any] | None = None) -> Response:
    """``{"items": <array>, **rest}`` as ``JSONResponse`` writes it, with ``array`` already encoded."""
    tail = json.dumps(rest, ensure_ascii=False, allow_nan=False, separators=(",", ":"))[1:] if rest else "}"
    separator = "," if rest else ""
    return json_body(f'{{"items":{array}{separator}{tail}')
