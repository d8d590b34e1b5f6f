"""``python -m bench.mutations``: latency of idempotent mutations with the SQLite and the Redis store.

For each store the reference services (with their injected latency) and a gateway start on loopback; each
entry of ``bench.pages.MUTATIONS`` is then sent with a fresh idempotency key per request (the full path:
validation, store record, backend commands, outcome recorded) at concurrency 1 and at a fixed concurrency,
and once more with one key repeated (replays: the store answers, no backend command). Needs the Redis on
127.0.0.1:6379 for the Redis run (``--stores sqlite`` skips it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from bench.load import percentile
from bench.pages import MUTATIONS
from bench.processes import Stack

REDIS_URL = "redis://127.0.0.1:6379/9"


async def _drive(
    url: str, name: str, *, concurrency: int, requests: int, same_key: bool, auth: dict[str, str]
) -> dict[str, Any]:
    document, make_variables = MUTATIONS[name]
    fixed_key = f"bench-{uuid.uuid4()}"
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(requests))

    async def worker(client: httpx.AsyncClient) -> None:
        for n in counter:
            unique = fixed_key if same_key else f"bench-{uuid.uuid4()}"
            variables = make_variables(0 if same_key else n, unique)
            started = time.perf_counter()
            response = await client.post(
                url, json={"query": document, "variables": variables}, headers={**auth, "idempotency-key": unique}
            )
            latencies.append(time.perf_counter() - started)
            body = response.json()
            payload = next(iter((body.get("data") or {}).values()), None) or {}
            if body.get("errors") or payload.get("userErrors"):
                errors.append(json.dumps(body.get("errors") or payload.get("userErrors"))[:200])

    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=concurrency)) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {
        "concurrency": concurrency,
        "requests": len(latencies),
        "errors": len(errors),
        "error_samples": errors[:3],
        "throughput_rps": round(len(latencies) / elapsed, 1),
        **{f"p{int(q * 100)}_ms": round(1000 * (percentile(latencies, q) or 0), 1) for q in (0.5, 0.95, 0.99)},
    }


async def measure(stack: Stack, options: argparse.Namespace) -> dict[str, Any]:
    """Every mutation of ``MUTATIONS`` against one running stack."""
    url = stack.gateway_url + "/graphql"
    auth = stack.auth_headers()  # the tenant admin's bearer token, minted once per stack
    figures: dict[str, Any] = {}
    for name in MUTATIONS:
        await _drive(url, name, concurrency=2, requests=10, same_key=False, auth=auth)  # warm-up
        figures[name] = {
            "serial": await _drive(url, name, concurrency=1, requests=options.requests, same_key=False, auth=auth),
            "concurrent": await _drive(
                url, name, concurrency=options.concurrency, requests=options.requests * 2, same_key=False, auth=auth
            ),
            "replay": await _drive(url, name, concurrency=1, requests=options.requests, same_key=True, auth=auth),
        }
    return figures


def run(options: argparse.Namespace) -> dict[str, Any]:
    """Start a stack per store and measure."""
    results: dict[str, Any] = {"latency_ms": options.latency_ms, "workers": options.workers, "stores": {}}
    for store in options.stores:
        with tempfile.TemporaryDirectory(prefix="bench-idempotency-") as directory:
            env = (
                {"GATEWAY_IDEMPOTENCY_STORE": f"sqlite:///{directory}/idempotency.sqlite3"}
                if store == "sqlite"
                else {
                    "GATEWAY_IDEMPOTENCY_STORE": REDIS_URL,
                    "GATEWAY_IDEMPOTENCY_KEY_PREFIX": f"bench:{uuid.uuid4().hex}:",
                }
            )
            print(f"measuring mutations with the {store} store ...", file=sys.stderr, flush=True)
            with Stack(
                latency_ms=options.latency_ms, workers=options.workers, scale=options.scale, gateway_env=env
            ) as stack:
                results["stores"][store] = asyncio.run(measure(stack, options))
    return results


def report(results: dict[str, Any]) -> str:
    """A readable table."""
    lines = [
        f"mutations (backend latency {results['latency_ms']:g} ms per call, {results['workers']} gateway "
        "workers; fresh key per request unless 'replay')"
    ]
    for store, figures in results["stores"].items():
        for name, phases in figures.items():
            for phase, f in phases.items():
                lines.append(
                    f"  {store:6} {name:22} {phase:10} c={f['concurrency']:<3} p50 {f['p50_ms']:7.1f} ms  "
                    f"p95 {f['p95_ms']:7.1f} ms  p99 {f['p99_ms']:7.1f} ms  {f['throughput_rps']:7.1f} req/s"
                    f"  errors {f['errors']}"
                )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse options, run, print, write JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.mutations", description=__doc__)
    parser.add_argument("--stores", default="sqlite,redis", help="comma-separated: sqlite, redis")
    parser.add_argument("--requests", type=int, default=100, help="requests per serial phase")
    parser.add_argument(
        "--scale",
        type=int,
        default=12,
        help="seed scale of the services: their GPU quotas must hold every launch of the run (410 at the defaults; "
        "scale 1 holds about 60)",
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency-ms", type=float, default=20.0, help="latency per backend call")
    parser.add_argument("--workers", type=int, default=2, help="gateway worker processes")
    parser.add_argument("--output", type=Path, default=Path(__file__).resolve().parent / "results" / "mutations.json")
    options = parser.parse_args(argv)
    options.stores = [s for s in options.stores.split(",") if s]
    if set(options.stores) - {"sqlite", "redis"} or options.requests < 1 or options.concurrency < 1:
        parser.error("--stores takes sqlite and/or redis; --requests and --concurrency must be positive")
    results = run(options)
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(results, indent=2) + "\n")
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
