"""``python -m bench.node_gateway``: the gateway against Hive Gateway + GraphQL Mesh on the same services and rows.

Starts the reference services (injected latency per backend call) with the gateway (2 workers, the committed
``/workloads`` route operation, 50 rows), then Hive Gateway serving a supergraph that GraphQL Mesh composed from
the services' OpenAPI documents (``bench/node``, forked workers), and drives both on loopback with the same load
client: concurrency 1, then a fixed concurrency. Prints req/s, p50/p95, CPU per request (the gateway's processes,
every worker and its parent, from /proc), CPU per field returned and backend calls per request side by side.

The two documents read the same data but are not the same page. The Mesh side (``bench/node/workloads_page.graphql``)
returns the services' raw fields: each row's workload fields, its node, its mounts with the bucket (a JSON scalar),
its metrics samples, plus the tenant's projects and billing account. It computes nothing the console shows from
them (see ``NOT_COMPUTED_BY_MESH``), so it does less work per row than the gateway.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.load import Balancer, PhaseResult, encode_request, percentile, run_phase
from bench.node_tools import NODE_DIR, NodeGateway, NodeToolsError, descendants, node_tools
from bench.pages import route_operation
from bench.processes import Stack, connection_owners, cpu_seconds

RESULTS_DIR = Path(__file__).resolve().parent / "results"
BENCH_TENANT = "t-acme"  # the bench viewer's (u-tara's) tenant: the Mesh side has no viewer, so it filters by it
JSON_SCALARS = frozenset({"gpu", "bucket"})  # Mesh types these as JSON: one field each, whatever they hold
NOT_COMPUTED_BY_MESH = (
    "ageSeconds",
    "cost (hourly, accrued, billing: money objects from cents)",
    "runway (balance, hoursRemaining, runsOutAt, state)",
    "primaryAction, actions, suggestedNextSteps (per kind and status)",
    "status and kind as enums",
    "project name per row (the client joins project_id with the projects list)",
    "relay ids, cursors per edge, pageInfo",
    "authentication, permissions and the secret-field allow-list (the Mesh schema exposes every field)",
)
EXIT_NODE_TOOLS = 3


@dataclass(frozen=True)
class Options:
    """One comparison run's knobs."""

    duration: float = 5.0
    serial_duration: float = 3.0
    warmup: float = 1.0
    concurrency: int = 16
    latency_ms: float = 20.0
    workers: int = 2
    rows: int = 50
    install: bool = True
    output: Path = RESULTS_DIR / "node.json"


@dataclass
class Side:
    """One gateway under test: where to send the page, and which processes are its."""

    name: str
    url: str
    request: bytes
    pids: list[int]
    balancer: Balancer | None = None
    figures: dict[str, Any] = field(default_factory=dict)


def parse_args(argv: list[str] | None = None) -> Options:
    """Options from the command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.node_gateway", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds at the fixed concurrency per side")
    parser.add_argument("--serial-duration", type=float, default=3.0, help="seconds at concurrency 1 per side")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of unmeasured load per side")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="latency per backend call (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of each gateway (default 2)")
    parser.add_argument("--rows", type=int, default=50, help="workload rows on the page (default 50)")
    parser.add_argument("--no-install", dest="install", action="store_false", help="fail instead of running npm ci")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "node.json", help="where to write JSON")
    args = parser.parse_args(argv)
    if min(args.duration, args.serial_duration) <= 0 or args.concurrency < 1 or args.workers < 1:
        parser.error("durations, --concurrency and --workers must be positive")
    if not 1 <= args.rows <= 100 or args.latency_ms < 0 or args.warmup < 0:
        parser.error("--rows takes 1..100; --latency-ms and --warmup must not be negative")
    return Options(
        duration=args.duration,
        serial_duration=args.serial_duration,
        warmup=args.warmup,
        concurrency=args.concurrency,
        latency_ms=args.latency_ms,
        workers=args.workers,
        rows=args.rows,
        install=args.install,
        output=args.output,
    )


def count_fields(value: Any) -> int:
    """Fields in response data: every key of every object, nested objects' fields too; a JSON scalar counts once."""
    if isinstance(value, list):
        return sum(count_fields(item) for item in value)
    if not isinstance(value, dict):
        return 0
    return sum(1 + (0 if name in JSON_SCALARS else count_fields(item)) for name, item in value.items())


def _raw_id(node_id: str) -> str:
    """A workload's service id from the gateway's global id (``base64("Workload:wl-0001")``)."""
    try:
        decoded = base64.b64decode(node_id, validate=True).decode()
    except ValueError:
        return node_id
    return decoded.split(":", 1)[1] if ":" in decoded else node_id


def workload_ids(side: str, body: dict[str, Any]) -> list[str]:
    """The service ids of the rows a response holds, in order."""
    data = body.get("data") or {}
    if side == "gateway":
        edges = (data.get("workloads") or {}).get("edges") or []
        return [_raw_id(edge["node"]["id"]) for edge in edges]
    items = (data.get("workloads_v1_workloads") or {}).get("items") or []
    return [item["id"] for item in items]


def backend_calls(bodies: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean backend calls per request from ``extensions.backendCalls`` (both gateways report them)."""
    reports = [r for b in bodies if isinstance(r := (b.get("extensions") or {}).get("backendCalls"), dict)]
    sums: Counter[str] = Counter()
    for report in reports:
        sums.update(report)
    count = max(len(reports), 1)
    return {
        "reports": len(reports),
        "total": round(sum(sums.values()) / count, 2) if reports else None,
        "per_resource": {name: round(calls / count, 2) for name, calls in sorted(sums.items())},
    }


def _say(started: float, what: str) -> None:
    print(f"[{time.monotonic() - started:5.1f} s] {what}", file=sys.stderr, flush=True)


def _cpu(pids: list[int]) -> float:
    return sum(cpu_seconds(pid) or 0.0 for pid in pids)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def _phase(result: PhaseResult) -> dict[str, Any]:
    return {
        "concurrency": result.concurrency,
        "requests": result.requests,
        "rps": round(result.throughput, 1),
        "p50_ms": _ms(percentile(result.latencies, 0.50)),
        "p95_ms": _ms(percentile(result.latencies, 0.95)),
        "errors": result.errors,
        "error_samples": result.error_samples,
    }


async def measure(side: Side, options: Options) -> dict[str, Any]:
    """Warm up, then concurrency 1 (bodies kept) and the fixed concurrency (CPU of the side's processes)."""
    await run_phase(side.url, side.request, concurrency=min(options.concurrency, 4), duration=options.warmup)
    serial = await run_phase(side.url, side.request, concurrency=1, duration=options.serial_duration, keep_bodies=True)
    cpu_before = _cpu(side.pids)
    concurrent = await run_phase(
        side.url, side.request, concurrency=options.concurrency, duration=options.duration, balancer=side.balancer
    )
    cpu_ms = 1000 * (_cpu(side.pids) - cpu_before) / max(concurrent.requests, 1)
    first = serial.bodies[0] if serial.bodies else {}
    fields = count_fields(first.get("data"))
    ids = workload_ids(side.name, first)
    return {
        "processes": len(side.pids),
        "serial": _phase(serial),
        "concurrent": _phase(concurrent),
        "cpu_ms_per_request": round(cpu_ms, 2),
        "fields": fields,
        "cpu_us_per_field": round(1000 * cpu_ms / max(fields, 1), 2),
        "backend_calls": backend_calls(serial.bodies),
        "rows": len(ids),
        "workload_ids": ids,
        "graphql_errors": len(first.get("errors") or []),
    }


async def run(options: Options) -> dict[str, Any]:
    """Both gateways on one set of services; the figures of each side."""
    tools = node_tools(install=options.install)
    started = time.monotonic()
    results: dict[str, Any] = {"options": {k: str(v) for k, v in options.__dict__.items()}, "sides": {}}
    with Stack(latency_ms=options.latency_ms, workers=options.workers, log_dir=RESULTS_DIR) as stack:
        assert stack.gateway is not None
        port = int(stack.gateway_url.rsplit(":", 1)[1])
        workers = stack.gateway_workers()
        gateway_url = stack.gateway_url + "/graphql"
        ours = Side(
            name="gateway",
            url=gateway_url,
            request=encode_request(
                gateway_url, route_operation("/workloads"), {"first": options.rows}, stack.auth_headers()
            ),
            pids=[stack.gateway.pid, *descendants(stack.gateway.pid)],
            balancer=Balancer(workers=workers, owners=lambda: connection_owners(workers, port)),
        )
        _say(started, "services and gateway up; measuring the gateway")
        results["sides"]["gateway"] = await measure(ours, options)
        _say(started, "composing with Mesh and starting Hive Gateway")
        with NodeGateway(tools, stack.backend_urls, options.workers, RESULTS_DIR) as node:
            theirs = Side(
                name="mesh",
                url=node.url,
                request=encode_request(
                    node.url,
                    (NODE_DIR / "workloads_page.graphql").read_text(),
                    {"tenant": BENCH_TENANT, "first": options.rows},
                ),
                pids=node.pids(),
            )
            _say(started, "Hive Gateway up; measuring it")
            results["sides"]["mesh"] = await measure(theirs, options)
            results["pids"] = {"gateway": ours.pids, "mesh": theirs.pids}
    _say(started, "every process stopped")
    ids = [results["sides"][name]["workload_ids"] for name in ("gateway", "mesh")]
    results["same_rows"] = ids[0] == ids[1]
    results["wall_seconds"] = round(time.monotonic() - started, 1)
    return results


def _row(label: str, values: list[Any]) -> str:
    return f"  {label:<40}" + "".join(f"  {value!s:>22}" for value in values)


def format_report(results: dict[str, Any]) -> str:
    """The two sides in columns."""
    sides = [results["sides"]["gateway"], results["sides"]["mesh"]]
    options = results["options"]
    c = sides[0]["concurrent"]["concurrency"]
    calls = [s["backend_calls"]["total"] for s in sides]
    lines = [
        f"Workloads page, {options['rows']} rows: gateway vs Hive Gateway + GraphQL Mesh (OpenAPI sources), "
        f"{options['workers']} workers each, {options['latency_ms']} ms per backend call, loopback",
        _row("", ["gateway (Python)", "Hive Gateway + Mesh"]),
        _row(f"req/s at concurrency {c}", [s["concurrent"]["rps"] for s in sides]),
        _row("p50 / p95 ms, concurrency 1", [f"{s['serial']['p50_ms']} / {s['serial']['p95_ms']}" for s in sides]),
        _row(
            f"p50 / p95 ms, concurrency {c}",
            [f"{s['concurrent']['p50_ms']} / {s['concurrent']['p95_ms']}" for s in sides],
        ),
        _row("CPU per request, ms (all its processes)", [s["cpu_ms_per_request"] for s in sides]),
        _row("fields returned", [s["fields"] for s in sides]),
        _row("CPU per field returned, us", [s["cpu_us_per_field"] for s in sides]),
        _row("backend calls per request", calls),
        _row("processes measured", [s["processes"] for s in sides]),
        _row("rows / errors (c=1 + concurrent)", [_rows_and_errors(s) for s in sides]),
        f"  same workload ids in the same order: {'yes' if results['same_rows'] else 'NO'}",
        "  not computed by the Mesh side (raw service fields only): " + "; ".join(NOT_COMPUTED_BY_MESH),
    ]
    for name, side in results["sides"].items():
        lines += [
            f"  error ({name}): {e}" for e in side["serial"]["error_samples"] + side["concurrent"]["error_samples"]
        ]
        lines.append(
            f"  backend calls ({name}): "
            + ", ".join(f"{k} {v:g}" for k, v in side["backend_calls"]["per_resource"].items())
        )
    lines.append(f"wall time {results['wall_seconds']} s; JSON: {options['output']}")
    return "\n".join(lines)


def _rows_and_errors(side: dict[str, Any]) -> str:
    errors = side["serial"]["errors"] + side["concurrent"]["errors"] + side["graphql_errors"]
    return f"{side['rows']} / {errors}"


def main(argv: list[str] | None = None) -> int:
    """Run, print, write JSON; exit 3 when the Node packages are missing and cannot be installed."""
    options = parse_args(argv)
    print("installing or finding bench/node, starting services and both gateways ...", file=sys.stderr, flush=True)
    try:
        results = asyncio.run(run(options))
    except NodeToolsError as error:
        print(f"bench.node_gateway: {error}", file=sys.stderr)
        return EXIT_NODE_TOOLS
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(results, indent=2) + "\n")
    print(format_report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
