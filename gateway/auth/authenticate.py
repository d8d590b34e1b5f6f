"""From request headers to a ``Principal``: a bearer token, or (embedded development only) the viewer header.

One path for everything downstream: principal -> user id -> viewer (``gateway.viewer``), with the
token's tenant and role claims cross-checked against the access service there.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from gateway.auth.keys import RemoteKeySet, StaticKeySet, VerificationKey
from gateway.auth.local import LOCAL_ISSUER, LocalSigner
from gateway.auth.principal import Principal
from gateway.auth.tokens import KeySet, TokenVerifier
from gateway.errors import Unauthenticated
from gateway.ids import is_valid_id
from gateway.settings import Settings

DEV_VIEWER_HEADER = "x-dev-viewer"


class Authenticator:
    """Verifies credentials with the key sets the settings name (identity provider, local key)."""

    def __init__(self, settings: Settings, *, http: httpx.AsyncClient | None = None) -> None:
        security = settings.security
        self.settings = settings
        self.signer = LocalSigner.load_or_create(security.data_dir) if security.local_tokens_enabled else None
        self._http = http or httpx.AsyncClient(
            timeout=httpx.Timeout(3.0), headers={"user-agent": "controlplane-gateway"}
        )
        key_sets: list[KeySet] = []
        if self.signer is not None:
            local = VerificationKey(self.signer.kid, self.signer.public_key, "EC", LOCAL_ISSUER, security.jwt_audience)
            key_sets.append(StaticKeySet(local))
        self.remote: RemoteKeySet | None = None
        if security.jwks_url and security.jwt_issuer:
            self.remote = RemoteKeySet(
                security.jwks_url,
                issuer=security.jwt_issuer,
                audience=security.jwt_audience,
                http=self._http,
                cache_seconds=security.jwks_cache_seconds,
                min_refresh_seconds=security.jwks_min_refresh_seconds,
            )
            key_sets.append(self.remote)
        algorithms = set(security.jwt_algorithms) | ({"ES256"} if self.signer is not None else set())
        self.verifier = TokenVerifier(
            key_sets,
            algorithms=sorted(algorithms),
            leeway_seconds=security.jwt_leeway_seconds,
            tenant_claim=security.jwt_tenant_claim,
            roles_claim=security.jwt_roles_claim,
        )

    async def authenticate(self, headers: Mapping[str, str]) -> Principal:
        """The request's principal; ``Unauthenticated`` (with ``reason``) when credentials are missing or bad."""
        authorization = headers.get("authorization")
        if authorization:
            scheme, _, token = authorization.strip().partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthenticated("the Authorization header must be 'Bearer <token>'", reason="bad_scheme")
            return await self.verifier.verify(token.strip())
        requested = headers.get(DEV_VIEWER_HEADER)
        if requested is not None:
            if not self.settings.dev_viewer_enabled:
                hint = " (`gateway token --persona member` prints one)" if self.signer is not None else ""
                raise Unauthenticated(
                    "the X-Dev-Viewer header is honoured only by the embedded development gateway: "
                    f"send 'Authorization: Bearer <token>'{hint}",
                    reason="dev_header_refused",
                )
            return Principal(user_id=_user_id(requested), source="dev-header")
        if self.settings.dev_viewer_enabled:
            return Principal(user_id=_user_id(self.settings.dev_default_user), source="dev-default")
        raise Unauthenticated("no credentials: send 'Authorization: Bearer <token>'", reason="missing")

    async def aclose(self) -> None:
        """Close the connection pool used for the JWKS."""
        await self._http.aclose()


def _user_id(value: str) -> str:
    """The user id the header names, exactly (``gateway.ids``: one id, no separators or whitespace inside)."""
    user_id = value.strip()  # HTTP strips a header value's surrounding whitespace anyway
    if not is_valid_id(user_id):
        raise Unauthenticated("the X-Dev-Viewer header must name a user id", reason="malformed")
    return user_id
