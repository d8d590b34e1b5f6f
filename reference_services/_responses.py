"""Response bodies of the read endpoints, written from the stored JSON when that gives the same bytes.

The store keeps each document as ``json.dumps(document, separators=(",", ":"))``; a read endpoint answers what
Starlette's ``JSONResponse`` writes: ``json.dumps(..., ensure_ascii=False, allow_nan=False, separators=(",", ":"))``.
For a stored text without ``\\u`` escapes (so nothing non-ASCII, no DEL, no lone surrogate) and without ``NaN`` or
``Infinity``, decoding it and encoding it again that way gives back the same text, character for character: the
same key order, the same escapes of quotes and control characters, the same digits of every number (a float's
``repr`` round-trips). Such documents are copied into the body as they are, which spares decoding and encoding
them on every read. Any other text (or a page with a view that derives fields) takes the decode-and-encode way,
so an answer never changes, including the 500 that a ``NaN`` or a lone surrogate gives.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse, Response

# Substrings that may change when a stored text is decoded and written the way JSONResponse writes it.
_NOT_VERBATIM = ("\\u", "NaN", "Infinity")


def verbatim(texts: list[str]) -> str | None:
    """The JSON array of the stored documents when it equals what re-encoding them gives, else None."""
    joined = ",".join(texts)
    if any(marker in joined for marker in _NOT_VERBATIM):
        return None
    return f"[{joined}]"


def _encode(content: Any) -> str:
    """What ``JSONResponse`` writes for ``content`` (before UTF-8)."""
    return json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))


def json_body(text: str) -> Response:
    """A 200 ``application/json`` answer of an already-encoded body, with the headers ``JSONResponse`` sends."""
    return Response(text.encode("utf-8"), media_type=JSONResponse.media_type)


def items_answer(array: str, rest: dict[str, Any] | None = None) -> Response:
    """``{"items": <array>, **rest}`` as ``JSONResponse`` writes it, with ``array`` already encoded."""
    tail = _encode(rest)[1:] if rest else "}"
    separator = "," if rest else ""
    return json_body(f'{{"items":{array}{separator}{tail}')
