"""Relay global ids: opaque base64 of ``TypeName:local-id``."""

from __future__ import annotations

import base64
import binascii
import re

from gateway.errors import BadUserInput

_TYPE_NAME = re.compile(r"^[A-Z][A-Za-z0-9]{0,63}$")
_LOCAL_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


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
    if not sep or not _TYPE_NAME.match(type_name) or not _LOCAL_ID.match(local_id):
        raise BadUserInput(f"`{argument}` is not a valid global id", argument=argument)
    if expected is not None and type_name != expected:
        raise BadUserInput(f"`{argument}` is the id of a {type_name}, expected a {expected}", argument=argument)
    return type_name, local_id
