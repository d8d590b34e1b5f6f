"""``python -m bench.calls``: the gateway's CPU around backend calls and around a whole request, in-process.

The reference services run as a subprocess on loopback (their CPU is not counted); figures are this process's
``time.process_time``, so other processes' load does not inflate them. Three measurements, interleaved in rounds
so that a noisy neighbour spreads over all of them alike:

- **httpx**: a bare ``AsyncClient.get`` over the gateway's own pooled transport: the floor the client library sets.
- **call**: ``ServiceClient.batch`` (typed documents by id) inside a request's context (call log, in-flight
  dedupe table), every layer of the gateway around httpx: policy, dedupe, tracing hooks, metrics, validation.
- **request**: the page (``--page``) served by the gateway app under uvicorn in this process, through the
  bench's raw-socket client (whose own CPU is counted too, and is small): CPU per request.

Calls go out ``--concurrency`` at a time (a page sends a handful together), each for a different id, so that
no two are deduplicated.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable

import httpx

from bench.load import run_phase
from bench.pages import PAGES
from bench.processes import Stack
from bench.profile import in_process_gateway

Round = Callable[[int], Awaitable[None]]


async def cpu_per_unit(run: Round, units: int) -> float:
    """CPU µs per unit of ``run(units)`` (garbage collected first, so the last round's garbage is not billed)."""
    gc.collect()
    started = time.process_time()
    await run(units)
    return 1e6 * (time.process_time() - started) / units


def call_rounds(http: httpx.AsyncClient, client: object, concurrency: int, ids: int = 1) -> tuple[Round, Round]:
    """The bare-httpx round and the gateway-call round: ``calls`` calls, ``concurrency`` at a time, ``ids`` ids each
    (a page's batch asks for up to fifty: the URL grows with them)."""
    from gateway.backends._client import ServiceClient, call_log
    from gateway.backends.access.models import Tenant
    from gateway.resilience.policy import inflight_reads

    assert isinstance(client, ServiceClient)

    def wanted(call: int) -> list[str]:
        return [f"t-bench{call}-{n:03d}" for n in range(ids)]

    async def bare(calls: int) -> None:
        for start in range(0, calls, concurrency):
            batch = [http.get("/v1/tenants", params={"ids": ",".join(wanted(start + i))}) for i in range(concurrency)]
            for response in await asyncio.gather(*batch):
                response.raise_for_status()

    async def gateway(calls: int) -> None:
        call_log.set(Counter())  # as every request's context does
        inflight_reads.set({})
        for start in range(0, calls, concurrency):
            batch = [client.batch("tenants", wanted(start + i), Tenant) for i in range(concurrency)]
            await asyncio.gather(*batch)

    return bare, gateway


async def measure(args: argparse.Namespace) -> None:
    from gateway.backends import Backends, socket_transports
    from gateway.settings import Settings

    with Stack(latency_ms=0, with_gateway=False) as stack:
        settings = Settings.from_env(stack.gateway_settings_env())
        backends = Backends.create(settings, socket_transports(settings))
        try:
            async with in_process_gateway(stack, args.page) as (url, request):

                async def page(requests: int) -> None:
                    result = await run_phase(
                        url, request, concurrency=args.clients, duration=3600, max_requests=requests
                    )
                    assert result.errors == 0, result.error_samples

                bare, gateway = call_rounds(backends.access.http, backends.access, args.concurrency, args.ids)
                rounds = {"httpx": (bare, args.calls), "call": (gateway, args.calls), "request": (page, args.requests)}
                for run, units in rounds.values():  # warm: connections open, plans compiled, caches filled
                    await run(max(units // 4, args.concurrency))
                samples: dict[str, list[float]] = {name: [] for name in rounds}
                for _ in range(args.rounds):
                    for name, (run, units) in rounds.items():
                        samples[name].append(await cpu_per_unit(run, units))
        finally:
            await backends.aclose()
    print(
        f"{args.rounds} rounds; calls {args.concurrency} at a time, {args.ids} id(s) each; "
        f"page {args.page!r} from {args.clients} client(s); CPU µs per unit (median, min):"
    )
    for name, values in samples.items():
        unit = "request" if name == "request" else "call"
        print(f"  {name:8} {statistics.median(values):9.1f} {min(values):9.1f}  per {unit}")
    layers = statistics.median(samples["call"]) - statistics.median(samples["httpx"])
    print(f"  gateway layers around httpx: {layers:.1f} µs per call")


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and measure."""
    parser = argparse.ArgumentParser(prog="python -m bench.calls", description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500, help="backend calls per round")
    parser.add_argument("--concurrency", type=int, default=5, help="calls in flight together")
    parser.add_argument("--ids", type=int, default=1, help="ids asked for in each call")
    parser.add_argument("--page", default="workloads", choices=sorted(PAGES), help="page for the request figure")
    parser.add_argument("--requests", type=int, default=60, help="page requests per round")
    parser.add_argument("--clients", type=int, default=4, help="concurrent page requests")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of every measurement")
    args = parser.parse_args(argv)
    try:  # the loop `gateway serve` runs on
        import uvloop
    except ImportError:
        asyncio.run(measure(args))
    else:
        uvloop.run(measure(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
