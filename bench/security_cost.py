"""What authentication and limits cost per request: ``python -m bench.security_cost [--requests N]``.

In-process (ASGI, no sockets), serial, on the embedded reference services. Figures are CPU time of
the process per call (``time.process_time``: other processes' load does not inflate them; the
reference services' work is included, which is why pages cost more than the gateway alone).
Compares the same small query (``{ viewer { persona } }``, viewer cached) and the workloads route
operation with: the development header (no cryptography), a bearer token (ES256, the local key),
and the rate limiter in memory and in Redis (when one answers on 127.0.0.1:6379). Also times the
pieces alone: token verification (ES256, RS256) and the static analysis of a document.

``attacks``: requests shaped to cost much while looking cheap (introspection many times over, one field
repeated, fragments compared pairwise, huge or malformed bodies, ...), each sent ``--attack-rounds``
times through the whole app: HTTP status, error code, requested cost and the CPU per request (median and
worst). ``python -m bench.security_cost --only attacks`` runs just those.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import itertools
import json
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from graphql import get_introspection_query, parse

from gateway.auth.keys import StaticKeySet, VerificationKey
from gateway.auth.tokens import TokenVerifier
from gateway.documents import DEFAULT_OPERATIONS_DIR
from gateway.heap import freeze_startup_heap
from gateway.limits.analysis import analyse
from gateway.security_settings import SecuritySettings
from gateway.settings import Settings
from schema import schema
from tests.support import build_harness

SMALL = "{ viewer { persona } }"
PAGE = (DEFAULT_OPERATIONS_DIR / "workloads.graphql").read_text()
INTROSPECTION = get_introspection_query(
    descriptions=True,
    specified_by_url=True,
    directive_is_repeatable=True,
    schema_description=True,
    input_value_deprecation=True,
)
SCHEMA_SELECTION = "__schema { types { name fields { name args { name } type { name ofType { name } } } } }"


def _aliased(count: int, selection: str) -> str:
    return "{ " + " ".join(f"a{i}: {selection}" for i in range(count)) + " }"


def _introspection_copies(count: int) -> str:
    """GraphiQL's introspection query with its ``__schema`` selected ``count`` times (aliased)."""
    head, _, fragments = INTROSPECTION.partition("fragment FullType")
    selection = head[head.index("__schema") : head.rindex("}")].rstrip().removesuffix("}").strip()
    body = " ".join(f"s{i}: {selection} }}" for i in range(count))
    return f"query {{ {body} }} fragment FullType{fragments}"


def _fragments_spread_together(count: int) -> str:
    fragments = " ".join(f"fragment F{i} on Query {{ f{i}: __typename }}" for i in range(count))
    spreads = " ".join(f"...F{i}" for i in range(count))
    return f"{{ __typename }} fragment Unused on Query {{ {spreads} }} {fragments}"


def _fragment_bomb(levels: int) -> str:
    fragments = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    return f"query {{ ...F0 }} {fragments} fragment F{levels} on Query {{ __typename }}"


@dataclasses.dataclass(frozen=True)
class Attack:
    """A request built to cost the gateway much, or to break it: a GraphQL document (sent as JSON, made unique
    on every call with a trailing comment so no cache answers it) or raw body bytes."""

    label: str
    query: str | None = None
    variables: Any = None
    operation_name: str | None = None
    raw: bytes | None = None

    def body(self, call: int) -> bytes:
        if self.raw is not None:
            return self.raw
        query = f"{self.query}\n# {call}"
        return json.dumps({"query": query, "variables": self.variables, "operationName": self.operation_name}).encode()


def attack_cases() -> list[Attack]:
    """Requests at and past the limits, malformed ones, and the introspection a GraphiQL page sends."""
    many_operations = " ".join(f"query Q{i} {{ viewer {{ persona }} }}" for i in range(300))
    return [
        Attack("19 x __schema (aliased)", _aliased(19, SCHEMA_SELECTION)),
        Attack("GraphiQL's introspection query", INTROSPECTION),
        Attack("GraphiQL's introspection x3 (at the cost limit)", _introspection_copies(3)),
        Attack("GraphiQL's introspection x4", _introspection_copies(4)),
        Attack("viewer.projects x1200 (one field repeated)", "{ viewer { " + "projects { id } " * 1200 + "} }"),
        Attack("viewer.projects x44 (under the pairs limit)", "{ viewer { " + "projects { id } " * 44 + "} }"),
        Attack("__typename x4990", "{ " + "__typename " * 4990 + "}"),
        Attack("name of 39,000 characters", "{ " + "n" * 39_000 + " }"),
        Attack("400 fragments spread together (unused fragment)", _fragments_spread_together(400)),
        Attack("fragment bomb (2^40 __typename)", _fragment_bomb(40)),
        Attack("depth 40", "{ " + "viewer { tenant { " * 20 + "name" + " } }" * 20 + " }"),
        Attack("31 aliases", _aliased(31, "viewer { persona }")),
        Attack(
            "nodes(ids:) with 4000 literal ids",
            "{ nodes(ids: [" + ", ".join('"x"' for _ in range(4000)) + "]) { id } }",
        ),
        Attack("2000 unknown fields", "{ " + " ".join(f"f{i}" for i in range(2000)) + " }"),
        Attack("250 KB string literal", '{ workload(id: "' + "x" * 250_000 + '") { id } }'),
        Attack("250 KB of whitespace", " " * 250_000 + SMALL),
        Attack("300 operations, operationName given", many_operations, operation_name="Q299"),
        Attack("300 operations, no operationName", many_operations),
        Attack(
            "60 KB variable for an Int", "query($f: Int) { workloads(first: $f) { totalCount } }", {"f": "9" * 60_000}
        ),
        Attack("subscription over plain POST", "subscription { unreadCount }"),
        Attack("JSON nested 100,000 deep", raw=b"[" * 100_000 + b"]" * 100_000),
        Attack("JSON body null", raw=b"null"),
        Attack("truncated JSON", raw=json.dumps({"query": PAGE}).encode()[:-7]),
        Attack(
            "number with 5,000 digits", raw=b'{"query": "{ __typename }", "variables": {"x": ' + b"9" * 5000 + b"}}"
        ),
    ]


async def attacks(rounds: int) -> dict[str, Any]:
    """Each attack ``rounds`` times (after one warm-up) through the whole app: status, code, cost, CPU.

    The heap is frozen after start-up, as ``gateway serve`` does (``gateway.heap``), and collected before each
    call, so a full collection another request left due does not land in a cheap one's figure."""
    harness = build_harness()
    freeze_startup_heap()
    found: dict[str, Any] = {}
    headers = {"content-type": "application/json", "x-dev-viewer": "u-tara"}
    transport = httpx.ASGITransport(app=harness.app, raise_app_exceptions=False)  # a crash is reported, as a 500
    async with httpx.AsyncClient(transport=transport, base_url="http://g") as client:
        for attack in attack_cases():
            numbers = itertools.count()

            async def call(a: Attack = attack, calls: Iterator[int] = numbers) -> httpx.Response:
                return await client.post("/graphql", content=a.body(next(calls)), headers=headers, timeout=60.0)

            response = await call()
            samples = []
            for _ in range(rounds):
                gc.collect()
                samples += await samples_of(call, 1)
            try:
                payload = response.json()
            except ValueError:
                payload = {"errors": [{"extensions": {"code": "(not JSON)"}}]}
            errors = payload.get("errors") or []
            found[attack.label] = {
                "status": response.status_code,
                "code": errors[0]["extensions"]["code"] if errors else "-",
                "cost": (payload.get("extensions") or {}).get("cost", {}).get("requestedQueryCost", "-"),
                "response_bytes": len(response.content),
                "median_ms": round(statistics.median(samples) * 1e3, 1),
                "worst_ms": round(max(samples) * 1e3, 1),
            }
    await harness.app.state.guard.aclose()
    return found


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


async def run(count: int, attack_rounds: int, only: str | None = None) -> dict[str, Any]:
    results: dict[str, Any] = {}
    if only in (None, "pieces"):
        results["pieces"] = await pieces(count)
    if only in (None, "requests"):
        results["requests"] = await gateway_requests(count)
    if only in (None, "attacks"):
        results["attacks"] = await attacks(attack_rounds)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.security_cost", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="calls per measurement (default 1000)")
    parser.add_argument("--attack-rounds", type=int, default=10, help="calls per attack (default 10)")
    parser.add_argument("--only", choices=("pieces", "requests", "attacks"), help="run one section")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    results = asyncio.run(run(args.requests, args.attack_rounds, args.only))
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for section, rows in results.items():
        print(f"\n{section}")
        for name, figures in rows.items():
            if section == "attacks":
                print(
                    f"  {name:<52} {figures['status']} {figures['code']:<28} cost {figures['cost']!s:>6}  "
                    f"{figures['response_bytes']:>8} B  median {figures['median_ms']:>7} ms  "
                    f"worst {figures['worst_ms']:>7} ms"
                )
                continue
            print(
                f"  {name:<70} mean {figures['mean_us']:>8} us  p50 {figures['p50_us']:>8} us  "
                f"p95 {figures['p95_us']:>8} us"
            )
    if "attacks" in results:
        worst = max(results["attacks"].items(), key=lambda item: item[1]["worst_ms"])
        print(f"\nworst attack: {worst[0]}: {worst[1]['worst_ms']} ms CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
