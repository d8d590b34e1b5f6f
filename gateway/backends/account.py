"""The account service: client and allow-list models."""

from __future__ import annotations

from gateway.backends._client import ServiceClient


class AccountClient(ServiceClient):
    """Typed calls to the account service."""
