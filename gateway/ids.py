"""Object ids: the one grammar every id sent to a domain service obeys, and Relay global ids.

An id is ASCII letters and digits, with ``-``, ``_`` or ``.`` between them (``u-marco``, ``wl-0039``,
``cred-marco-laptop``, ``dl-cli-1.8.2-linux-amd64``), at most ``MAX_ID_LENGTH`` characters. Nothing else:
no separators (``,`` splits a batch read ``?ids=a,b``; ``/``, ``:``, ``?``, ``#``, ``&`` change a URL), no
whitespace, no control characters, no ``.``/``..`` segments. A global id is opaque base64 of
``TypeName:local-id``, and its local id obeys the same grammar.
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import lru_cache

from gateway.errors import BadUserInput

MAX_ID_LENGTH = 128
_ID = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_TYPE_NAME = re.compile(r"[A-Z][A-Za-z0-9]{0,63}")


def is_valid_id(value: object) -> bool:
    """True when ``value`` is an id in the grammar (a ``str``, nothing around or inside it but the grammar)."""
    return isinstance(value, str) and len(value) <= MAX_ID_LENGTH and _ID.fullmatch(value) is not None


@lru_cache(maxsize=16384)  # a page encodes the same nodes, projects and buckets on many rows
def encode_global_id(type_name: str, local_id: str) -> str:
    """The global id of an object."""
    return base64.b64encode(f"{type_name}:{local_id}".encode()).decode()


def decode_global_id(global_id: str, *, expected: str | None = None, argument: str = "id") -> tuple[str, str]:
    """``(type_name, local_id)`` of a global id; ``BadUserInput`` if it is not one of ours."""
    if len(global_id) > 512:
        raise BadUserInput(f"`{argument}` is not a valid global id (too long)", argument=argument)
    try:
        decoded = base64.b64decode(global_id.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise BadUserInput(f"`{argument}` is not a valid global id", argument=argument) from None
    type_name, sep, local_id = decoded.partition(":")
    if not sep or not _TYPE_NAME.fullmatch(type_name) or not is_valid_id(local_id):
        raise BadUserInput(f"`{argument}` is not a valid global id", argument=argument)
    if expected is not None and type_name != expected:
        raise BadUserInput(f"`{argument}` is the id of a {type_name}, expected a {expected}", argument=argument)
    return type_name, local_id
