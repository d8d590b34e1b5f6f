"""The account service: client and allow-list models."""

from __future__ import annotations

from gateway.backends._client import ServiceClient
from gateway.backends.account_resources import AccountResourceCalls
from gateway.backends.notifications import NotificationCalls


class AccountClient(AccountResourceCalls, NotificationCalls, ServiceClient):
    """Typed calls to the account service."""
