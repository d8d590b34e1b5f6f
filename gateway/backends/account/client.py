"""The account service: client and allow-list models."""

from __future__ import annotations

from gateway.backends._client import ServiceClient
from gateway.backends.account.notifications import NotificationCalls
from gateway.backends.account.resources import AccountResourceCalls


class AccountClient(AccountResourceCalls, NotificationCalls, ServiceClient):
    """Typed calls to the account service."""
