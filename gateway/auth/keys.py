"""Verification keys: the identity provider's JWKS (fetched, cached, refreshed) and the local key.

A token names its key by ``kid``. A known ``kid`` is served from the cache; an unknown one triggers
one refetch of the JWKS, at most once per ``min_refresh_seconds`` (so a flood of tokens with made-up
``kid`` values cannot turn the gateway into a load generator against the identity provider).
Symmetric (``oct``) keys in a JWKS are ignored: they would let an HS256 token verify.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from gateway.errors import BackendUnavailable

log = logging.getLogger("gateway.auth")
ASYMMETRIC_KEY_TYPES = {"RSA", "EC", "OKP"}


@dataclass(frozen=True)
class VerificationKey:
    """A public key, the issuer and audience its tokens must name, and the algorithms it may sign with."""

    kid: str | None
    key: Any  # a cryptography public key
    key_type: str  # RSA, EC or OKP
    issuer: str
    audience: str


class RemoteKeySet:
    """The JWKS at ``url``, cached for ``cache_seconds`` and refetched on an unknown ``kid``."""

    def __init__(
        self,
        url: str,
        *,
        issuer: str,
        audience: str,
        http: httpx.AsyncClient,
        cache_seconds: float,
        min_refresh_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.issuer = issuer
        self.audience = audience
        self._http = http
        self._cache_seconds = cache_seconds
        self._min_refresh = min_refresh_seconds
        self.clock = clock
        self._keys: dict[str | None, VerificationKey] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def key(self, kid: str | None) -> VerificationKey | None:
        """The key named ``kid`` (None when the set has no such key, even after a refresh)."""
        now = self.clock()
        stale = self._fetched_at is None or now - self._fetched_at >= self._cache_seconds
        if stale or (kid not in self._keys and self._may_refresh(now)):
            await self._refresh(kid)
        elif not self._keys:
            raise BackendUnavailable("the identity provider's key set is unavailable", service="identity")
        return self._keys.get(kid)

    def _may_refresh(self, now: float) -> bool:
        return self._fetched_at is None or now - self._fetched_at >= self._min_refresh

    async def _refresh(self, kid: str | None) -> None:
        async with self._lock:
            now = self.clock()
            fresh = self._fetched_at is not None and now - self._fetched_at < self._cache_seconds
            if fresh and (kid in self._keys or not self._may_refresh(now)):
                if not self._keys:
                    raise BackendUnavailable("the identity provider's key set is unavailable", service="identity")
                return  # another request refreshed while this one waited
            self._fetched_at = now  # failures count too: a down provider is asked once per interval
            try:
                self.fetches += 1
                response = await self._http.get(self.url, headers={"accept": "application/json"})
                response.raise_for_status()
                self._keys = self._parse(response.json())
            except (httpx.HTTPError, ValueError) as error:
                log.warning("JWKS fetch failed (%s); %d cached key(s) kept", type(error).__name__, len(self._keys))
        if not self._keys:
            raise BackendUnavailable("the identity provider's key set is unavailable", service="identity")

    def _parse(self, document: Any) -> dict[str | None, VerificationKey]:
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise ValueError("not a JWKS document")
        keys: dict[str | None, VerificationKey] = {}
        for entry in document["keys"]:
            if not isinstance(entry, dict) or entry.get("kty") not in ASYMMETRIC_KEY_TYPES:
                continue
            if entry.get("use", "sig") != "sig":
                continue
            try:
                parsed = jwt.PyJWK.from_dict(entry)
            except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, KeyError):
                continue
            kid = entry.get("kid")
            keys[kid] = VerificationKey(kid, parsed.key, entry["kty"], self.issuer, self.audience)
        if not keys:
            raise ValueError("the JWKS holds no usable signing key")
        return keys


class StaticKeySet:
    """A fixed key (the gateway's own development key)."""

    def __init__(self, key: VerificationKey) -> None:
        self._key = key

    async def key(self, kid: str | None) -> VerificationKey | None:
        """The key when ``kid`` names it."""
        return self._key if kid == self._key.kid else None
