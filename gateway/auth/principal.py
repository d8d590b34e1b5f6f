"""Who a request is from, as its credentials say, before the access service has been asked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gateway.backends.access.models import User
from gateway.errors import Unauthenticated

Source = Literal["token", "dev-header", "dev-default"]


@dataclass(frozen=True)
class Principal:
    """A user id and the claims that came with it.

    ``tenant_id``/``roles`` are what a token asserts (``None`` when it asserts nothing); the access
    service stays the source of truth, and a token that disagrees with it is refused.
    """

    user_id: str
    source: Source
    tenant_id: str | None = None
    tenant_asserted: bool = False
    roles: frozenset[str] | None = None

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
