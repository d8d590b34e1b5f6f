"""A test identity provider: RSA keys, a JWKS served over real HTTP on loopback, and token minting."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.security_settings import SecuritySettings
from gateway.settings import Settings
from tests.support import SEED_CLAIMS, GatewayHarness, build_harness

ISSUER = "https://idp.test/realms/gpu-cloud"
AUDIENCE = "controlplane-gateway"


class IdentityProvider:
    """Signing keys by kid; ``jwks()`` publishes the public halves of ``published`` kids."""

    def __init__(self) -> None:
        self.keys = {kid: rsa.generate_private_key(public_exponent=65537, key_size=2048) for kid in ("k1", "k2")}
        self.published = {"k1"}
        self.fetches = 0

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid in sorted(self.published):
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.keys[kid].public_key()))
            keys.append({**jwk, "kid": kid, "alg": "RS256", "use": "sig"})
        return {"keys": keys}

    def token(
        self,
        user_id: str = "u-marco",
        *,
        kid: str = "k1",
        claims: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
    ) -> str:
        """A token the gateway accepts, unless ``claims``/``headers`` change that."""
        tenant, roles = SEED_CLAIMS.get(user_id, (None, []))
        now = int(time.time())
        body = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": user_id,
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "tenant": tenant,
            "roles": roles,
            **(claims or {}),
        }
        return jwt.encode(body, self.keys[kid], algorithm="RS256", headers={"kid": kid, **(headers or {})})


@contextmanager
def jwks_server(provider: IdentityProvider) -> Iterator[str]:
    """Serve ``provider.jwks()`` at http://127.0.0.1:<port>/jwks.json; yields the URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            provider.fetches += 1
            body = json.dumps(provider.jwks()).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def idp_harness(jwks_url: str, *, production: bool = False, **security: Any) -> GatewayHarness:
    """A gateway trusting only the test identity provider (no development key, no development header)."""
    env = {
        "GATEWAY_JWKS_URL": jwks_url,
        "GATEWAY_JWT_ISSUER": ISSUER,
        "GATEWAY_LOCAL_TOKENS": "0",
        "GATEWAY_DEV_VIEWER_HEADER": "0",
    }
    if production:
        env = {"GATEWAY_MODE": "production", "GATEWAY_JWKS_URL": jwks_url, "GATEWAY_JWT_ISSUER": ISSUER}
    settings = Settings.from_env(env, viewer_cache_seconds=0)
    if security:
        settings = Settings.from_env(env, viewer_cache_seconds=0, security=_replace(settings.security, **security))
    return build_harness(settings=settings)


def _replace(security: SecuritySettings, **changes: Any) -> SecuritySettings:
    import dataclasses

    return dataclasses.replace(security, **changes)


async def post(harness: GatewayHarness, query: str, token: str | None = None, **kwargs: Any) -> Any:
    """POST a query with an optional bearer token; returns the httpx response."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    headers.update(kwargs.pop("headers", {}))
    async with harness.client() as client:
        return await client.post("/graphql", json={"query": query, **kwargs}, headers=headers)
