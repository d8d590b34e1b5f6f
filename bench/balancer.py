"""``python -m bench.balancer``: requests per second of a page query through HAProxy with 1, 2 and 3 gateway
replicas (two workers each), plus one replica without HAProxy for the proxy's own cost.

The reference services run on loopback with injected latency (``bench.processes.Stack``); three replicas start
once, and HAProxy (``deploy/haproxy/loopback.cfg.template``, as the fault test renders it) is started over the
first 1, 2, then 3 of them. Each row is a fixed concurrency for a bounded duration (``bench.load``: keep-alive
connections, same pre-encoded request). The machine running it is shared by everything: on 2 cores, more
replicas add queues and processes, not CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.load import encode_request, percentile, run_phase
from bench.pages import route_operation
from bench.processes import BENCH_VIEWER, Stack, children, cpu_seconds
from tests.balancer_support import HAPROXY_MISSING, HAProxy, Replica, free_port, haproxy_binary

RESULTS_DIR = Path(__file__).resolve().parent / "results"
ROUTE = "/workloads"
REPLICAS = (1, 2, 3)


@dataclass(frozen=True)
class Options:
    duration: float
    warmup: float
    concurrency: int
    latency_ms: float
    workers: int


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.balancer", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per row")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of unmeasured load before each row")
    parser.add_argument("--concurrency", type=int, default=16, help="keep-alive connections sending at once")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="injected latency per backend call")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers per replica")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.warmup < 0 or args.concurrency < 1 or args.workers < 1:
        parser.error("duration must be positive, warmup not negative, concurrency and workers at least 1")
    return Options(args.duration, args.warmup, args.concurrency, args.latency_ms, args.workers)


def cpu(pids: list[int]) -> float:
    """CPU seconds used so far by these processes (those gone count 0)."""
    return sum(cpu_seconds(pid) or 0.0 for pid in pids)


def replica_pids(replicas: list[Replica]) -> list[int]:
    """The supervisors and their worker processes."""
    supervisors = [r.popen.pid for r in replicas if r.popen is not None]
    return supervisors + [pid for supervisor in supervisors for pid in children(supervisor)]


async def measure(
    url: str, request: bytes, options: Options, label: str, replicas: list[Replica], proxy_pids: list[int]
) -> dict[str, Any]:
    """One row: load at the fixed concurrency, with the CPU that the replicas and HAProxy spent per request (a
    figure that stays comparable when other work shares the machine, unlike req/s)."""
    if options.warmup:
        await run_phase(url, request, concurrency=options.concurrency, duration=options.warmup)
    gateway_pids = replica_pids(replicas)
    gateway_before, proxy_before = cpu(gateway_pids), cpu(proxy_pids)
    result = await run_phase(url, request, concurrency=options.concurrency, duration=options.duration)
    gateway_cpu, proxy_cpu = cpu(gateway_pids) - gateway_before, cpu(proxy_pids) - proxy_before
    requests = max(result.requests, 1)

    def ms(fraction: float) -> float | None:
        value = percentile(result.latencies, fraction)
        return None if value is None else round(value * 1000, 1)

    return {
        "setup": label,
        "requests": result.requests,
        "rps": round(result.throughput, 1),
        "p50_ms": ms(0.50),
        "p95_ms": ms(0.95),
        "errors": result.errors,
        "error_samples": result.error_samples,
        "gateway_cpu_ms_per_request": round(1000 * gateway_cpu / requests, 1),
        "haproxy_cpu_ms_per_request": round(1000 * proxy_cpu / requests, 2) if proxy_pids else None,
    }


async def run(options: Options) -> dict[str, Any]:
    work_dir = Path(tempfile.mkdtemp(prefix="bench-balancer-"))
    rows = []
    with Stack(latency_ms=options.latency_ms, workers=options.workers, log_dir=RESULTS_DIR, with_gateway=False) as s:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
        env.update(s.gateway_settings_env(), GATEWAY_LOG_LEVEL="warning")
        replicas = [Replica(f"bench-gw{n}", free_port(), env, options.workers, RESULTS_DIR) for n in REPLICAS]
        headers = s.auth_headers(BENCH_VIEWER)
        try:
            for replica in replicas:
                replica.start()
            for replica in replicas:
                await asyncio.to_thread(replica.wait_ready)
            direct = f"{replicas[0].url}/graphql"
            request = request_for(direct, headers)
            rows.append(await measure(direct, request, options, "1 replica, no HAProxy", replicas[:1], []))
            for count in REPLICAS:
                # Saturated replicas answer /readyz slowly: checks that wait long enough keep them in the pool.
                balancer = HAProxy(
                    replicas[:count], work_dir, inter_ms=2000, check_timeout_ms=10_000, log_level="notice"
                )
                try:
                    await asyncio.to_thread(balancer.start)
                    url = f"{balancer.url}/graphql"
                    label = f"{count} replica{'s' if count > 1 else ''} via HAProxy"
                    assert balancer.popen is not None
                    request = request_for(url, headers)
                    rows.append(await measure(url, request, options, label, replicas[:count], [balancer.popen.pid]))
                finally:
                    balancer.stop()
        finally:
            for replica in replicas:
                replica.stop()
            shutil.rmtree(work_dir, ignore_errors=True)
    return {
        "route": ROUTE,
        "concurrency": options.concurrency,
        "duration_s": options.duration,
        "workers_per_replica": options.workers,
        "backend_latency_ms": options.latency_ms,
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "rows": rows,
    }


def request_for(url: str, headers: dict[str, str]) -> bytes:
    return encode_request(url, route_operation(ROUTE), {}, headers)


def haproxy_cpu(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} ms"


def format_report(results: dict[str, Any]) -> str:
    lines = [
        f"{results['route']} page (committed route operation), concurrency {results['concurrency']}, "
        f"{results['duration_s']:.0f} s per row, {results['workers_per_replica']} workers per replica, "
        f"{results['backend_latency_ms']:.0f} ms per backend call",
        f"{'setup':<26}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}"
        f"{'gateway CPU/req':>17}{'HAProxy CPU/req':>17}",
    ]
    for r in results["rows"]:
        lines.append(
            f"{r['setup']:<26}{r['rps']:>8.1f}{r['p50_ms'] or 0:>9.1f}{r['p95_ms'] or 0:>9.1f}{r['errors']:>8}"
            f"{r['gateway_cpu_ms_per_request']:>14.1f} ms{haproxy_cpu(r['haproxy_cpu_ms_per_request']):>17}"
        )
        lines.extend(f"    {sample}" for sample in r["error_samples"][:2])
    lines.append(f"Load average at the end of the run: {' / '.join(map(str, results['load_average']))}.")
    lines.append(
        f"This machine has {results['cpus']} CPU cores shared by the load client, HAProxy, the reference services "
        "and every replica: more replicas cannot add CPU here, so the rows show the balancer's cost and "
        "spreading, not scaling (on a machine busy with other work, more processes only win a larger share of "
        "it). CPU per request is the figure that stays comparable."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    if haproxy_binary() is None:
        print(HAPROXY_MISSING)
        return 1
    results = asyncio.run(run(options))
    print(format_report(results))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "balancer.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
