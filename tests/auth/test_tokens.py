"""Bearer tokens against a JWKS served by a real HTTP server on loopback: every check, and what it says."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from gateway.auth.local import LOCAL_ISSUER, LocalSigner
from gateway.settings import DOMAINS, Settings, SettingsError
from tests.auth_support import AUDIENCE, ISSUER, IdentityProvider, idp_harness, jwks_server, post
from tests.support import GatewayHarness, build_harness

pytestmark = pytest.mark.socket
VIEWER = "{ viewer { persona user { id } } }"


@pytest.fixture
def provider() -> IdentityProvider:
    return IdentityProvider()


@pytest.fixture
def jwks_url(provider: IdentityProvider) -> Iterator[str]:
    with jwks_server(provider) as url:
        yield url


@pytest.fixture
def gateway(jwks_url: str) -> GatewayHarness:
    return idp_harness(jwks_url)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_with_public_key(provider: IdentityProvider) -> str:
    """The algorithm-confusion attack: HMAC keyed with the RSA public key the JWKS publishes."""
    public_pem = (
        provider.keys["k1"]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    now = int(time.time())
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k1"}).encode())
    claims = _b64(json.dumps({"iss": ISSUER, "aud": AUDIENCE, "sub": "u-olivia", "exp": now + 600}).encode())
    signature = hmac.new(public_pem, f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}.{_b64(signature)}"


def unsigned(provider: IdentityProvider) -> str:
    return jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "u-olivia", "exp": int(time.time()) + 600},
        None,
        algorithm="none",
        headers={"kid": "k1"},
    )


def forged(provider: IdentityProvider) -> str:
    """Signed by a key the provider never published, under the published key's kid."""
    return provider.token(kid="k2", headers={"kid": "k1"})


BAD_TOKENS = {
    "forged": (forged, "bad_signature"),
    "expired": (lambda p: p.token(claims={"exp": int(time.time()) - 3600}), "expired"),
    "not yet valid": (lambda p: p.token(claims={"nbf": int(time.time()) + 3600}), "not_yet_valid"),
    "wrong audience": (lambda p: p.token(claims={"aud": "someone-else"}), "wrong_audience"),
    "wrong issuer": (lambda p: p.token(claims={"iss": "https://evil.test"}), "wrong_issuer"),
    "alg none": (unsigned, "algorithm_not_allowed"),
    "HS256 with the public key": (hs256_with_public_key, "algorithm_not_allowed"),
    "unknown kid": (lambda p: p.token(kid="k2"), "unknown_key"),
    "no subject": (lambda p: p.token(claims={"sub": None}), "missing_claim"),
    "not a JWT": (lambda p: "not-a-token", "malformed"),
}


async def test_a_valid_token_names_the_viewer(gateway: GatewayHarness, provider: IdentityProvider) -> None:
    response = await post(gateway, VIEWER, provider.token("u-marco"))
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["persona"] == "MEMBER"


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
async def test_a_bad_token_is_refused_saying_which_check_failed(
    gateway: GatewayHarness, provider: IdentityProvider, case: str
) -> None:
    make, reason = BAD_TOKENS[case]
    token = make(provider)
    response = await post(gateway, VIEWER, token)
    assert response.status_code == 401
    body = response.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "reason": reason}
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="controlplane-gateway", error="invalid_token"')
    for part in token.split("."):  # no piece of the token is echoed
        assert len(part) < 8 or part not in response.text + challenge


@pytest.mark.parametrize(
    ("claims", "what"),
    [
        ({"roles": ["platform_operator"]}, "roles"),
        ({"tenant": "t-globex"}, "tenant"),
    ],
)
async def test_claims_that_contradict_the_access_service_are_unauthenticated(
    gateway: GatewayHarness, provider: IdentityProvider, claims: dict[str, object], what: str
) -> None:
    body = (await post(gateway, VIEWER, provider.token("u-marco", claims=claims))).json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED", "reason": "claims_mismatch"}
    assert what in body["errors"][0]["message"]


async def test_an_unknown_kid_refetches_the_jwks_at_most_once_per_interval(
    gateway: GatewayHarness, provider: IdentityProvider
) -> None:
    now = [1000.0]
    gateway.app.state.guard.authenticator.remote.clock = lambda: now[0]
    assert (await post(gateway, VIEWER, provider.token())).status_code == 200
    assert provider.fetches == 1
    provider.published.add("k2")  # the provider rotates in a new key
    assert (await post(gateway, VIEWER, provider.token(kid="k2"))).status_code == 401  # within the interval
    now[0] += 31  # GATEWAY_JWKS_MIN_REFRESH_SECONDS (30) later
    assert (await post(gateway, VIEWER, provider.token(kid="k2"))).status_code == 200
    assert provider.fetches == 2
    for kid in ("k3", "k4", "k5"):  # made-up kids: no further fetches inside the interval
        response = await post(gateway, VIEWER, provider.token(headers={"kid": kid}))
        assert response.json()["errors"][0]["extensions"]["reason"] == "unknown_key"
    assert provider.fetches == 2
    assert (await post(gateway, VIEWER, provider.token())).status_code == 200  # known kids still served


async def test_production_without_credentials_is_401_with_a_bearer_challenge(jwks_url: str) -> None:
    harness = idp_harness(jwks_url, production=True, trusted_documents=False)
    response = await post(harness, VIEWER)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="controlplane-gateway"'
    assert response.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED", "reason": "missing"}


async def test_the_development_header_is_refused_outside_embedded_mode() -> None:
    urls = {f"GATEWAY_{d.upper()}_URL": f"http://{d}.internal" for d in DOMAINS}
    harness = build_harness(settings=Settings.from_env(urls, viewer_cache_seconds=0))
    response = await post(harness, VIEWER, headers={"x-dev-viewer": "u-olivia"})
    assert response.status_code == 401 and response.json().get("data") is None
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "reason": "dev_header_refused"}
    assert "X-Dev-Viewer" in error["message"] and "gateway token --persona" in error["message"]
    with pytest.raises(SettingsError, match="DEV_VIEWER_HEADER"):
        Settings.from_env(
            {
                "GATEWAY_MODE": "production",
                "GATEWAY_DEV_VIEWER_HEADER": "1",
                "GATEWAY_JWKS_URL": "https://idp.test/jwks",
                "GATEWAY_JWT_ISSUER": ISSUER,
            }
        )


@pytest.mark.parametrize("algorithms", ["HS256", "RS256,none", "HS512,ES256"])
def test_symmetric_or_none_algorithms_cannot_be_configured(algorithms: str) -> None:
    with pytest.raises(SettingsError, match="asymmetric algorithms only"):
        Settings.from_env({"GATEWAY_JWT_ALGORITHMS": algorithms})


def test_the_local_signing_key_is_private_and_stable_across_processes(tmp_path: Path) -> None:
    first = LocalSigner.load_or_create(tmp_path / "data")
    second = LocalSigner.load_or_create(tmp_path / "data")
    assert first.kid == second.kid
    assert (tmp_path / "data" / "gateway-signing-key.pem").stat().st_mode & 0o777 == 0o600
    assert LocalSigner.load_or_create(None).kid != first.kid  # no data dir: a key of its own, in memory


def test_gateway_token_prints_a_token_the_local_gateway_accepts(tmp_path: Path) -> None:
    env = {**os.environ, "GATEWAY_DATA_DIR": str(tmp_path)}
    env = {k: v for k, v in env.items() if not k.endswith("_URL") or not k.startswith("GATEWAY_")}
    output = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "token", "--persona", "operator"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    signer = LocalSigner.load_or_create(tmp_path)
    claims = jwt.decode(output, signer.public_key, algorithms=["ES256"], audience=AUDIENCE, issuer=LOCAL_ISSUER)
    assert (claims["sub"], claims["tenant"], claims["roles"]) == ("u-olivia", None, ["platform_operator"])


async def test_embedded_gateway_serves_its_jwks_and_accepts_its_tokens(harness: GatewayHarness) -> None:
    async with harness.client() as client:
        keys = (await client.get("/.well-known/jwks.json")).json()["keys"]
    signer = harness.app.state.guard.authenticator.signer
    assert [k["kid"] for k in keys] == [signer.kid] and "d" not in keys[0]  # public half only
    body = (await post(harness, VIEWER, harness.token("operator"))).json()
    assert body["data"]["viewer"]["persona"] == "OPERATOR"


async def test_no_jwks_route_without_a_local_key(gateway: GatewayHarness) -> None:
    async with gateway.client() as client:
        assert (await client.get("/.well-known/jwks.json")).status_code == 404
