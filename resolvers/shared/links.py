"""Links the gateway hands to the console: only relative console routes ever pass."""

from __future__ import annotations

MAX_ROUTE_LENGTH = 512


def console_path(value: str | None) -> str | None:
    """``value`` when it is a relative console route (``/...``); None for absolute URLs, ``//host``
    forms, backslashes or control characters, so a backend can never steer a page to an endpoint."""
    if value is None or len(value) > MAX_ROUTE_LENGTH or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(ch.isspace() or ord(ch) < 32 for ch in value):
        return None
    return value
