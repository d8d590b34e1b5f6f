"""A malformed or unverifiable bearer token is a 401, never a 500: coded, challenged, rate limited, not logged.

Every failure of parsing or verifying a token (bad base64 or JSON, wrong types in the header or the
claims, an unknown key, a refused algorithm, expiry, audience, issuer, size) answers HTTP 401 with
``UNAUTHENTICATED``, ``extensions.reason`` naming the failed check, ``WWW-Authenticate: Bearer ...
error="invalid_token"``, the security headers of every other answer, and is charged to the client
address's rate-limit bucket, so a flood of one bad token turns into 429 ``RATE_LIMITED``.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest

from gateway.auth.local import LOCAL_ISSUER
from gateway.limits.ratelimit import MemoryBuckets
from gateway.security_settings import SecuritySettings
from gateway.settings import Settings
from tests.support import GatewayHarness, assert_no_secret, build_harness

VIEWER = "{ viewer { persona } }"
BURST = 3
CHALLENGE = 'Bearer realm="controlplane-gateway", error="invalid_token"'
# The headers the gateway sets on every answer (gateway.http_security), compared with a successful answer's.
SECURITY_HEADERS = ("x-content-type-options", "referrer-policy", "x-frame-options", "content-security-policy")
# The checks README.md lists for extensions.reason.
DOCUMENTED_REASONS = {
    "expired",
    "not_yet_valid",
    "bad_signature",
    "wrong_audience",
    "wrong_issuer",
    "unknown_key",
    "algorithm_not_allowed",
    "malformed",
    "missing_claim",
}


def b64(data: bytes | str) -> str:
    return base64.urlsafe_b64encode(data.encode() if isinstance(data, str) else data).rstrip(b"=").decode()


def assembled(header: Any, claims: Any = None, signature: bytes = b"not-a-signature") -> str:
    """A token from raw parts: JSON-encoded unless given as text already (then base64url as is)."""
    parts = [p if isinstance(p, str) else json.dumps(p) for p in (header, claims if claims is not None else {})]
    return f"{b64(parts[0])}.{b64(parts[1])}.{b64(signature)}"


class Minter:
    """Tokens signed by the gateway's own development key, with any header and claims."""

    def __init__(self, harness: GatewayHarness) -> None:
        self.signer = harness.app.state.guard.authenticator.signer
        self.audience = harness.app.state.settings.security.jwt_audience

    def signed(self, claims: dict[str, Any] | None = None, headers: dict[str, Any] | None = None) -> str:
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": LOCAL_ISSUER,
            "aud": self.audience,
            "sub": "u-marco",
            "iat": now,
            "exp": now + 600,
            "tenant": "t-acme",
            "roles": [],
        }
        body.update(claims or {})
        body = {k: v for k, v in body.items() if v is not _ABSENT}
        return self.signed_raw(json.dumps(body).encode(), headers)  # jwt.encode would refuse some claim types

    def signed_raw(self, payload: bytes, headers: dict[str, Any] | None = None) -> str:
        """A valid signature over any bytes as the claims segment (the claims are parsed after verifying it)."""
        header = {"kid": self.signer.kid, **(headers or {})}
        return jwt.api_jws.encode(payload, self.signer._private_key, algorithm="ES256", headers=header)

    def unsigned(self, header: dict[str, Any], claims: dict[str, Any] | None = None) -> str:
        return assembled(header, claims or {"iss": LOCAL_ISSUER, "aud": self.audience, "sub": "u-marco"})


_ABSENT = object()
NESTED = "[" * 2500 + "]" * 2500  # JSON the parser gives up on (RecursionError), well under the size limit

# name -> (token maker, the reason the refusal names)
MALFORMED: dict[str, tuple[Callable[[Minter], str], str]] = {
    # The token's shape and encoding.
    "not a JWT": (lambda m: "not-a-token", "malformed"),
    "two segments": (lambda m: "e30.e30", "malformed"),
    "four segments": (lambda m: "e30.e30.e30.e30", "malformed"),
    "bad base64 in the header": (lambda m: "!!!$$$.e30.c2ln", "malformed"),
    "header is not JSON": (lambda m: assembled("{not json"), "malformed"),
    "header is a JSON array": (lambda m: assembled([1, 2, 3]), "malformed"),
    "header is a JSON string": (lambda m: assembled('"RS256"'), "malformed"),
    "header nests too deeply": (lambda m: assembled('{"alg": ' + NESTED + "}"), "malformed"),
    "header is not UTF-8": (lambda m: b64(b"\xff\xfe{}") + ".e30.c2ln", "malformed"),
    "non-ASCII characters": (lambda m: "ëÿ.ëÿ.ëÿ", "malformed"),
    "oversized": (lambda m: m.signed({"pad": "x" * 9000}), "malformed"),
    # The header's members.
    "kid is a number (issue 11)": (lambda m: m.unsigned({"alg": "RS256", "kid": 1}), "malformed"),
    "kid is an object": (lambda m: m.unsigned({"alg": "ES256", "kid": {"id": m.signer.kid}}), "malformed"),
    "kid is a list": (lambda m: m.unsigned({"alg": "ES256", "kid": [m.signer.kid]}), "malformed"),
    "kid names no key": (lambda m: m.signed(headers={"kid": "no-such-key"}), "unknown_key"),
    "no kid": (lambda m: m.unsigned({"alg": "ES256"}), "unknown_key"),
    "alg is a number": (lambda m: m.unsigned({"alg": 256, "kid": m.signer.kid}), "algorithm_not_allowed"),
    "alg missing": (lambda m: m.unsigned({"kid": m.signer.kid}), "algorithm_not_allowed"),
    "alg none": (lambda m: m.unsigned({"alg": "none", "kid": m.signer.kid}), "algorithm_not_allowed"),
    "alg HS256": (lambda m: m.unsigned({"alg": "HS256", "kid": m.signer.kid}), "algorithm_not_allowed"),
    "alg not Latin-1": (lambda m: m.unsigned({"alg": "算法", "kid": m.signer.kid}), "algorithm_not_allowed"),
    "alg with quotes and CRLF": (
        lambda m: m.unsigned({"alg": 'x"\r\nset-cookie: a=b', "kid": m.signer.kid}),
        "algorithm_not_allowed",
    ),
    "alg RS256 for an EC key": (lambda m: m.unsigned({"alg": "RS256", "kid": m.signer.kid}), "algorithm_not_allowed"),
    # The claims segment and the signature.
    "claims are not base64": (lambda m: m.signed().split(".")[0] + ".!!!$$$." + m.signed().split(".")[2], "malformed"),
    "claims are not JSON": (lambda m: m.signed_raw(b"{nope"), "malformed"),
    "claims are a JSON array": (lambda m: m.signed_raw(b"[1, 2]"), "malformed"),
    "claims nest too deeply": (lambda m: m.signed_raw(('{"sub": ' + NESTED + "}").encode()), "malformed"),
    "signature of other claims": (
        lambda m: ".".join([*m.signed({"sub": "u-olivia"}).split(".")[:2], m.signed().split(".")[2]]),
        "bad_signature",
    ),
    "signature is not base64": (lambda m: ".".join([*m.signed().split(".")[:2], "!!!$$$"]), "malformed"),
    "empty signature": (lambda m: ".".join([*m.signed().split(".")[:2], ""]), "bad_signature"),
    # Verified claims: times, audience, issuer, types.
    "expired": (lambda m: m.signed({"exp": int(time.time()) - 3600}), "expired"),
    "not yet valid": (lambda m: m.signed({"nbf": int(time.time()) + 3600}), "not_yet_valid"),
    "wrong audience": (lambda m: m.signed({"aud": "someone-else"}), "wrong_audience"),
    "wrong issuer": (lambda m: m.signed({"iss": "https://evil.test"}), "wrong_issuer"),
    "no exp": (lambda m: m.signed({"exp": _ABSENT}), "missing_claim"),
    "no subject": (lambda m: m.signed({"sub": _ABSENT}), "missing_claim"),
    "exp is a string": (lambda m: m.signed({"exp": "tomorrow"}), "malformed"),
    "exp is infinite": (lambda m: m.signed({"exp": float("inf")}), "malformed"),
    "iat is a string": (lambda m: m.signed({"iat": "now"}), "malformed"),
    "nbf is a list": (lambda m: m.signed({"nbf": [1]}), "malformed"),
    "aud is a number": (lambda m: m.signed({"aud": 42}), "wrong_audience"),
    "iss is a list": (lambda m: m.signed({"iss": [LOCAL_ISSUER]}), "wrong_issuer"),
    "sub is a number": (lambda m: m.signed({"sub": 42}), "malformed"),
    "sub is a list": (lambda m: m.signed({"sub": ["u-marco"]}), "malformed"),
    "sub is empty": (lambda m: m.signed({"sub": ""}), "missing_claim"),
    "tenant is a number": (lambda m: m.signed({"tenant": 7}), "malformed"),
    "tenant is a list": (lambda m: m.signed({"tenant": ["t-acme", "t-globex"]}), "malformed"),
    "tenant names two tenants": (lambda m: m.signed({"tenant": "t-acme,t-globex"}), "malformed"),
    "roles is a string": (lambda m: m.signed({"roles": "platform_operator"}), "malformed"),
    "roles holds numbers": (lambda m: m.signed({"roles": [1, 2]}), "malformed"),
}


def limited_harness() -> GatewayHarness:
    """The embedded gateway with rate limiting on: ``BURST`` requests per client address, and no refill."""
    security = dataclasses.replace(SecuritySettings(), rate_limit=f"1/min burst {BURST}")
    harness = build_harness(settings=Settings.from_env({}, viewer_cache_seconds=0, security=security))
    limit = harness.app.state.guard.limiter.limit
    harness.app.state.guard.limiter = MemoryBuckets(limit, clock=lambda: 0.0)  # time stands still: no refill
    return harness


def client_from(harness: GatewayHarness, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=harness.app, client=(address, 40000))
    return httpx.AsyncClient(
        transport=transport, base_url="http://gateway.test", event_hooks={"response": [assert_no_secret]}
    )


async def post(client: httpx.AsyncClient, token: str) -> httpx.Response:
    authorization = f"Bearer {token}".encode()  # as bytes: a token may hold what an ASCII header cannot
    return await client.post("/graphql", json={"query": VIEWER}, headers={"authorization": authorization})


@pytest.fixture
def harness() -> GatewayHarness:
    return limited_harness()


def assert_quiet(caplog: pytest.LogCaptureFixture) -> None:
    """Nothing logged with a traceback, nothing at ERROR: a bad token is the caller's problem."""
    loud = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR or "Traceback" in r.getMessage()]
    assert not loud, [(r.name, r.levelname, r.getMessage()) for r in loud]


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_a_malformed_token_is_401_invalid_token_with_a_coded_body_and_security_headers(
    harness: GatewayHarness, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    make, reason = MALFORMED[case]
    token = make(Minter(harness))
    async with client_from(harness, "10.0.0.1") as client:
        good = await post(client, harness.token("member"))
        response = await post(client, token)
    assert good.status_code == 200

    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "reason": reason}
    assert reason in DOCUMENTED_REASONS
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith(CHALLENGE)
    assert all(" " <= c <= "~" for c in challenge)  # one well-formed header, whatever the token held
    assert challenge.count('"') == 6  # realm, error, error_description: nothing breaks out of a quoted string
    for name in SECURITY_HEADERS:
        assert response.headers[name] == good.headers[name], name
    assert response.headers["cache-control"] == "no-store"
    for part in token.split("."):  # no piece of the token is echoed
        assert len(part) < 8 or part not in response.text + challenge
    assert_quiet(caplog)


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_every_malformed_token_is_charged_to_the_clients_bucket(harness: GatewayHarness, case: str) -> None:
    token = MALFORMED[case][0](Minter(harness))
    async with client_from(harness, "10.0.0.2") as client:
        statuses = [(await post(client, token)).status_code for _ in range(BURST + 1)]
    assert statuses == [401] * BURST + [429]


async def test_a_flood_of_one_bad_token_is_rate_limited_not_500(
    harness: GatewayHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = assembled({"alg": "RS256", "kid": 1}, {"sub": "u-olivia"})  # the token of issue 11
    async with client_from(harness, "10.0.0.3") as client:
        responses = [await post(client, token) for _ in range(50)]
    statuses = [r.status_code for r in responses]
    assert statuses == [401] * BURST + [429] * (50 - BURST)
    limited = responses[-1]
    [error] = limited.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.headers["x-content-type-options"] == "nosniff"
    assert_quiet(caplog)

    async with client_from(harness, "10.0.0.4") as client:  # another address has its own bucket
        assert (await post(client, token)).status_code == 401


async def test_a_valid_token_still_passes(harness: GatewayHarness) -> None:
    async with client_from(harness, "10.0.0.5") as client:
        response = await post(client, Minter(harness).signed())
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["persona"] == "MEMBER"
