"""Bearer token verification: algorithm allow-list, key by ``kid``, signature, issuer, audience, time.

Each failure names the check that failed (``extensions.reason``) and never echoes the token.
Only asymmetric algorithms are accepted, and each key only for its own key type, so ``alg: none``
and HS256 signed with a public key (algorithm confusion) fail before any signature is computed.

The token is untrusted input: whatever it holds (bad base64 or JSON, a header or claim of the wrong
type, a number JSON cannot hold), ``verify`` answers ``Unauthenticated`` and never lets a parser's
exception escape (the HTTP edge turns it into 401 ``invalid_token``, rate limited like any failed
authentication). Only an unreachable identity provider (``BackendError``) is not the token's fault.
The subject must be an id in the gateway's grammar (``gateway.ids``), exactly: a subject such as
``u-olivia,u-sam`` would otherwise reach a batch read as two ids.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol

import jwt

from gateway.auth.keys import VerificationKey
from gateway.auth.principal import Principal, principal_kind
from gateway.errors import GatewayError, Unauthenticated
from gateway.ids import MAX_ID_LENGTH, is_valid_id

log = logging.getLogger("gateway.auth")
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
        """The principal of a valid token; ``Unauthenticated`` for anything else the token holds."""
        try:
            return await self._verify(token)
        except GatewayError:
            raise  # Unauthenticated with its check, or the identity provider's key set being unavailable
        except Exception as error:  # untrusted input: any parser failure is a bad token
            log.debug("bearer token refused by the parser (%s)", type(error).__name__)
            raise _fail("malformed", "the bearer token cannot be parsed") from None

    async def _verify(self, token: str) -> Principal:
        if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
            raise _fail("malformed", "the bearer token is not a JWT")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:  # bad base64 or JSON, not an object, a ``kid`` that is not a string
            raise _fail("malformed", "the bearer token's header cannot be decoded") from None
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in self._algorithms:
            raise _fail("algorithm_not_allowed", f"tokens signed with {_shown(algorithm)} are not accepted")
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
        except jwt.PyJWTError:  # claims of the wrong type, bad JSON, a key unusable for the algorithm
            raise _fail("malformed", "the token's claims are malformed") from None

    def _principal(self, claims: dict[str, Any]) -> Principal:
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise _fail("missing_claim", "the token's subject is not a user id")
        if not is_valid_id(subject):  # exactly one id: no separators, whitespace or control characters
            raise _fail("malformed", f"the token's subject is not a user id ([A-Za-z0-9._-], {MAX_ID_LENGTH} at most)")
        tenant_asserted = self._tenant_claim in claims
        tenant = claims.get(self._tenant_claim)
        roles = claims.get(self._roles_claim)
        if (tenant is not None and not is_valid_id(tenant)) or (
            roles is not None
            and (not isinstance(roles, list) or len(roles) > 64 or not all(isinstance(r, str) for r in roles))
        ):
            raise _fail("malformed", "the token's tenant or roles claim is malformed")
        return Principal(
            user_id=subject,
            source="token",
            tenant_id=tenant,
            tenant_asserted=tenant_asserted,
            roles=frozenset(roles) if roles is not None else None,
            kind=principal_kind(claims),  # a person, or a service account (``principal_type`` claim)
        )


def _shown(algorithm: object) -> str:
    """An algorithm name fit to repeat to the caller (a header value is whatever the token says)."""
    if isinstance(algorithm, str) and len(algorithm) <= 16 and algorithm.isascii() and algorithm.isalnum():
        return repr(algorithm)
    return "this algorithm"


def _fail(reason: str, message: str) -> Unauthenticated:
    return Unauthenticated(message, reason=reason)
