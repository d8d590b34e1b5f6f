"""Bearer token verification: algorithm allow-list, key by ``kid``, signature, issuer, audience, time.

Each failure names the check that failed (``extensions.reason``) and never echoes the token.
Only asymmetric algorithms are accepted, and each key only for its own key type, so ``alg: none``
and HS256 signed with a public key (algorithm confusion) fail before any signature is computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import jwt

from gateway.auth.keys import VerificationKey
from gateway.auth.principal import Principal
from gateway.errors import Unauthenticated

MAX_TOKEN_LENGTH = 8192
KEY_TYPE_OF = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}


class KeySet(Protocol):
    """A source of verification keys."""

    async def key(self, kid: str | None) -> VerificationKey | None:
        """The key named ``kid``, or None."""


class TokenVerifier:
    """Turns a bearer token into a ``Principal`` or raises ``Unauthenticated`` with the failed check."""

    def __init__(
        self,
        key_sets: Sequence[KeySet],
        *,
        algorithms: Sequence[str],
        leeway_seconds: float,
        tenant_claim: str = "tenant",
        roles_claim: str = "roles",
    ) -> None:
        self._key_sets = list(key_sets)
        self._algorithms = frozenset(algorithms)
        self._leeway = leeway_seconds
        self._tenant_claim = tenant_claim
        self._roles_claim = roles_claim

    async def verify(self, token: str) -> Principal:
        """The principal of a valid token."""
        if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
            raise _fail("malformed", "the bearer token is not a JWT")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise _fail("malformed", "the bearer token's header cannot be decoded") from None
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in self._algorithms:
            raise _fail("algorithm_not_allowed", f"tokens signed with {str(algorithm)[:16]!r} are not accepted")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise _fail("malformed", "the token's key id is not a string")
        key = await self._key(kid)
        if key is None:
            raise _fail("unknown_key", "the token is signed with a key the gateway does not know")
        if KEY_TYPE_OF.get(algorithm[:2]) != key.key_type:
            raise _fail("algorithm_not_allowed", "the token's algorithm does not match its key")
        claims = self._decode(token, key, algorithm)
        return self._principal(claims)

    async def _key(self, kid: str | None) -> VerificationKey | None:
        for key_set in self._key_sets:
            found = await key_set.key(kid)
            if found is not None:
                return found
        return None

    def _decode(self, token: str, key: VerificationKey, algorithm: str) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=key.audience,
                issuer=key.issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise _fail("expired", "the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise _fail("not_yet_valid", "the token is not valid yet (nbf/iat in the future)") from None
        except jwt.InvalidAudienceError:
            raise _fail("wrong_audience", "the token is not meant for this gateway (audience)") from None
        except jwt.InvalidIssuerError:
            raise _fail("wrong_issuer", "the token comes from an issuer the gateway does not trust") from None
        except jwt.MissingRequiredClaimError as error:
            raise _fail("missing_claim", f"the token lacks the {error.claim!r} claim") from None
        except jwt.InvalidSignatureError:
            raise _fail("bad_signature", "the token's signature does not verify") from None
        except jwt.InvalidTokenError:
            raise _fail("malformed", "the token's claims are malformed") from None

    def _principal(self, claims: dict[str, Any]) -> Principal:
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject or len(subject) > 128:
            raise _fail("missing_claim", "the token's subject is not a user id")
        tenant_asserted = self._tenant_claim in claims
        tenant = claims.get(self._tenant_claim)
        roles = claims.get(self._roles_claim)
        if (tenant is not None and not isinstance(tenant, str)) or (
            roles is not None and (not isinstance(roles, list) or not all(isinstance(r, str) for r in roles))
        ):
            raise _fail("malformed", "the token's tenant or roles claim has the wrong type")
        return Principal(
            user_id=subject,
            source="token",
            tenant_id=tenant,
            tenant_asserted=tenant_asserted,
            roles=frozenset(roles) if roles is not None else None,
        )


def _fail(reason: str, message: str) -> Unauthenticated:
    return Unauthenticated(message, reason=reason)
