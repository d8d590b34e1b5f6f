"""Who a request is from, as its credentials say, before the access service has been asked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from gateway.backends.access.models import User
from gateway.errors import Unauthenticated

Source = Literal["token", "dev-header", "dev-default"]
# A person (signed in to the console) or a service account (an integrator's client, from ``createServiceAccount``).
Kind = Literal["user", "service_account"]

# The claim that says what kind of principal a token names (README, "Integrators"): absent or "user" for a
# person, "service_account" for a client-credentials token whose ``sub`` is the service account's id.
PRINCIPAL_TYPE_CLAIM = "principal_type"


@dataclass(frozen=True)
class Principal:
    """A user id and the claims that came with it.

    ``tenant_id``/``roles`` are what a token asserts (``None`` when it asserts nothing); the access
    service stays the source of truth, and a token that disagrees with it is refused. ``kind`` says where
    the access service looks the id up: among users, or (``service_account``) among service accounts, so
    neither kind can pass for the other.
    """

    user_id: str
    source: Source
    tenant_id: str | None = None
    tenant_asserted: bool = False
    roles: frozenset[str] | None = None
    kind: Kind = "user"

    @property
    def is_service_account(self) -> bool:
        """True for an integrator's service account (not a person)."""
        return self.kind == "service_account"

    @property
    def rate_key(self) -> str:
        """The key this principal's requests are rate limited under."""
        return f"user:{self.user_id}"

    def check_against(self, user: User) -> None:
        """Raise ``Unauthenticated`` when the token's tenant or roles contradict the access service."""
        if self.tenant_asserted and self.tenant_id != user.tenant_id:
            raise Unauthenticated("the token's tenant does not match the user's tenant", reason="claims_mismatch")
        if self.roles is not None and self.roles != frozenset(user.platform_roles):
            raise Unauthenticated("the token's roles do not match the user's roles", reason="claims_mismatch")


def principal_kind(claims: Mapping[str, Any]) -> Kind:
    """The kind of principal a verified token's claims name (``principal_type``: absent or ``user`` is a person).

    Identity providers issue client-credentials tokens for service accounts with ``principal_type:
    "service_account"`` and the account's id as ``sub``; any other value is a malformed token.
    """
    value = claims.get(PRINCIPAL_TYPE_CLAIM)
    if value is None or value == "user":
        return "user"
    if value == "service_account":
        return "service_account"
    raise Unauthenticated(
        f"the token's {PRINCIPAL_TYPE_CLAIM} claim must be 'user' or 'service_account'", reason="malformed"
    )
