"""What authentication and limits cost per request: ``python -m bench.security_cost [--requests N]``.

In-process (ASGI, no sockets), serial, on the embedded reference services. Figures are CPU time of
the process per call (``time.process_time``: other processes' load does not inflate them; the
reference services' work is included, which is why pages cost more than the gateway alone).
Compares the same small query (``{ viewer { persona } }``, viewer cached) and the workloads route
operation with: the development header (no cryptography), a bearer token (ES256, the local key),
and the rate limiter in memory and in Redis (when one answers on 127.0.0.1:6379). Also times the
pieces alone: token verification (ES256, RS256) and the static analysis of a document.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from graphql import parse

from gateway.auth.keys import StaticKeySet, VerificationKey
from gateway.auth.tokens import TokenVerifier
from gateway.documents import DEFAULT_OPERATIONS_DIR
from gateway.limits.analysis import analyse
from gateway.security_settings import SecuritySettings
from gateway.settings import Settings
from schema import schema
from tests.support import build_harness

SMALL = "{ viewer { persona } }"
PAGE = (DEFAULT_OPERATIONS_DIR / "workloads.graphql").read_text()


async def per_call(fn: Callable[[], Awaitable[Any]], count: int) -> dict[str, float]:
    """Mean and p50/p95 CPU microseconds of ``count`` serial calls (after 10% warm-up)."""
    for _ in range(max(1, count // 10)):
        await fn()
    return summary(await samples_of(fn, count))


async def samples_of(fn: Callable[[], Awaitable[Any]], count: int) -> list[float]:
    """CPU seconds of this process per call (robust to other processes' load on a shared machine)."""
    samples = []
    for _ in range(count):
        start = time.process_time()
        await fn()
        samples.append(time.process_time() - start)
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "mean_us": round(statistics.fmean(samples) * 1e6, 1),
        "p50_us": round(samples[len(samples) // 2] * 1e6, 1),
        "p95_us": round(samples[int(len(samples) * 0.95)] * 1e6, 1),
    }


async def gateway_requests(count: int, rounds: int = 5) -> dict[str, Any]:
    """Every variant measured in interleaved rounds, so drift in machine load hits them alike."""
    variants: dict[str, dict[str, Any]] = {
        "dev header, no rate limit": {},
        "bearer ES256, no rate limit": {},
        "bearer ES256 + rate limit (memory)": {"rate_limit": "1000000/s burst 1000000"},
    }
    if await _redis_answers():
        variants["bearer ES256 + rate limit (redis)"] = {
            "rate_limit": "1000000/s burst 1000000",
            "rate_limit_store": "redis://127.0.0.1:6379/0",
        }
    calls: dict[str, Callable[[], Awaitable[Any]]] = {}
    clients, harnesses = [], []
    for name, security in variants.items():
        settings = Settings.from_env({}, security=dataclasses.replace(SecuritySettings(), **security))
        harness = build_harness(settings=settings)
        harnesses.append(harness)
        headers = (
            {"x-dev-viewer": "u-tara"}
            if name.startswith("dev")
            else {"authorization": f"Bearer {harness.token('tenant-admin')}"}
        )
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=harness.app), base_url="http://g")
        clients.append(client)
        for label, query, variables in (
            ("small query", SMALL, None),
            ("workloads page (first 20)", PAGE, {"first": 20}),
        ):

            async def call(
                c: httpx.AsyncClient = client, q: str = query, v: Any = variables, h: dict[str, str] = headers
            ) -> None:
                response = await c.post("/graphql", json={"query": q, "variables": v}, headers=h)
                assert response.status_code == 200 and "errors" not in response.json(), response.text

            calls[f"{name} | {label}"] = call
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for call in calls.values():  # warm-up
        for _ in range(20):
            await call()
    for _ in range(rounds):
        for name, call in calls.items():
            per_round = count // rounds if "small" in name else max(1, count // (5 * rounds))
            samples[name] += await samples_of(call, per_round)
    for client in clients:
        await client.aclose()
    for harness in harnesses:
        await harness.app.state.guard.aclose()
    return {name: summary(found) for name, found in samples.items()}


async def pieces(count: int) -> dict[str, Any]:
    from gateway.auth.local import LocalSigner

    signer = LocalSigner.load_or_create(None)
    es_key = VerificationKey(signer.kid, signer.public_key, "EC", "iss", "aud")
    rsa_private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rs_key = VerificationKey("rs", rsa_private.public_key(), "RSA", "iss", "aud")
    verifier = TokenVerifier(
        [StaticKeySet(es_key), StaticKeySet(rs_key)], algorithms=["ES256", "RS256"], leeway_seconds=30
    )
    claims = {"iss": "iss", "aud": "aud", "sub": "u-tara", "exp": int(time.time()) + 3600}
    es_token = jwt.encode(claims, signer._private_key, algorithm="ES256", headers={"kid": signer.kid})
    rs_token = jwt.encode(claims, rsa_private, algorithm="RS256", headers={"kid": "rs"})
    page_document = parse(PAGE)

    async def analysis() -> None:
        analyse(
            page_document, schema=schema._schema, operation_name=None, variables={"first": 100}, default_list_size=10
        )

    return {
        "verify ES256 token": await per_call(lambda: verifier.verify(es_token), count),
        "verify RS256 token": await per_call(lambda: verifier.verify(rs_token), count),
        "analyse workloads page (depth, aliases, cost)": await per_call(analysis, count),
    }


async def _redis_answers() -> bool:
    try:
        from redis.asyncio import Redis

        client = Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=0.3)
        await client.ping()
        await client.aclose()
        return True
    except Exception:  # any failure means "no Redis here"
        return False


async def run(count: int) -> dict[str, Any]:
    return {"pieces": await pieces(count), "requests": await gateway_requests(count)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.security_cost", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="calls per measurement (default 1000)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    results = asyncio.run(run(args.requests))
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for section, rows in results.items():
        print(f"\n{section}")
        for name, figures in rows.items():
            print(
                f"  {name:<70} mean {figures['mean_us']:>8} us  p50 {figures['p50_us']:>8} us  "
                f"p95 {figures['p95_us']:>8} us"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
