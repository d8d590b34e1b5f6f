"""``python -m bench``: page-level latency, throughput, backend calls and memory of the gateway.

Starts the reference services (with injected per-call latency) and a multi-worker gateway on
loopback, once per executor (``GATEWAY_EXECUTOR=compiled|standard``), drives each page of
``bench.pages.PAGES`` at concurrency 1 and at a fixed concurrency, prints the executors side by side
next to the targets, and writes ``bench/results/latest.json``. Fields returned, backend calls and hops
per page are counted on an in-process gateway (``bench.hops``), not inferred from timings.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shlex
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.hops import InProcessGateway
from bench.load import Balancer, PhaseResult, encode_request, percentile, run_phase
from bench.pages import PAGES, Lookup
from bench.processes import Stack, connection_owners, cpu_seconds, peak_rss_mb

RESULTS_DIR = Path(__file__).resolve().parent / "results"
# Targets of issue 2 (figures to report against, never asserted).
SLACK_ABOVE_CHAIN_MS = 15.0
TARGET_HOPS = 2
TARGET_RPS = {"workloads": 150.0}
TARGET_RSS_MB = 150.0
# ``GATEWAY_EXECUTOR`` values compared side by side (the setting of gateway/settings.py).
EXECUTORS = ("compiled", "standard")


@dataclass(frozen=True)
class Options:
    """One benchmark run's knobs."""

    duration: float = 10.0
    serial_duration: float = 5.0
    warmup: float = 1.0
    concurrency: int = 16
    latency_ms: float = 20.0
    workers: int = 2
    scale: int = 1
    pages: tuple[str, ...] = tuple(PAGES)
    baseline: bool = True
    output: Path = RESULTS_DIR / "latest.json"
    executors: tuple[str, ...] = EXECUTORS


def parse_args(argv: list[str] | None = None) -> Options:
    """Options from the command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds at the fixed concurrency per page")
    parser.add_argument(
        "--serial-duration",
        type=float,
        default=None,
        help="seconds at concurrency 1 per page (default: half of --duration)",
    )
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of unmeasured load per page")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="latency per backend call (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="gateway worker processes (default 2)")
    parser.add_argument("--scale", type=int, default=1, help="reference data scale (default 1: 64 acme workloads)")
    parser.add_argument("--pages", default=",".join(PAGES), help=f"comma-separated pages of {', '.join(PAGES)}")
    parser.add_argument(
        "--no-baseline",
        dest="baseline",
        action="store_false",
        help="skip the zero-latency run that measures the gateway's own time per page",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "latest.json", help="where to write JSON")
    parser.add_argument(
        "--executors",
        default=",".join(EXECUTORS),
        help="comma-separated GATEWAY_EXECUTOR values, each a gateway of its own in the same run (default both)",
    )
    args = parser.parse_args(argv)
    executors = tuple(e.strip() for e in args.executors.split(",") if e.strip())
    if not executors or any(e not in EXECUTORS for e in executors) or len(set(executors)) != len(executors):
        parser.error(f"--executors takes distinct values of {', '.join(EXECUTORS)}")
    pages = tuple(p.strip() for p in args.pages.split(",") if p.strip())
    unknown = [p for p in pages if p not in PAGES]
    if unknown or not pages:
        parser.error(f"unknown page(s) {', '.join(unknown) or '(none)'}; known: {', '.join(PAGES)}")
    if args.duration <= 0 or args.concurrency < 1 or args.workers < 1 or args.latency_ms < 0:
        parser.error("--duration, --concurrency and --workers must be positive, --latency-ms not negative")
    return Options(
        duration=args.duration,
        serial_duration=args.serial_duration if args.serial_duration is not None else max(args.duration / 2, 0.5),
        warmup=args.warmup,
        concurrency=args.concurrency,
        latency_ms=args.latency_ms,
        workers=args.workers,
        scale=args.scale,
        pages=pages,
        baseline=args.baseline,
        output=args.output,
        executors=executors,
    )


def post_graphql(
    url: str, query: str, variables: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """One GraphQL request (setup only; not timed)."""
    data = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(url, data=data, headers={"content-type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _at_path(value: Any, path: tuple[str, ...]) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if head == "*":
        for item in value or []:
            found = _at_path(item, rest)
            if found is not None:
                return found
        return None
    return _at_path(value.get(head) if isinstance(value, dict) else None, rest)


def resolve_variables(url: str, variables: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Variables with every ``Lookup`` replaced by the value its query finds."""
    resolved = {}
    for name, value in variables.items():
        if isinstance(value, Lookup):
            body = post_graphql(url, value.query, value.variables, headers)
            found = _at_path(body.get("data"), value.path)
            if found is None:
                raise RuntimeError(f"lookup for ${name} found nothing: {json.dumps(body)[:500]}")
            value = found
        resolved[name] = value
    return resolved


def backend_calls(bodies: list[dict[str, Any]]) -> dict[str, Any]:
    """Backend calls per query from ``extensions.backendCalls``: mean total, mean per resource, worst case."""
    reports = [b.get("extensions", {}).get("backendCalls") for b in bodies]
    reports = [r for r in reports if isinstance(r, dict)]
    if not reports:
        return {"queries": 0, "total": None, "per_resource": {}, "max_per_resource": None}
    sums: Counter[str] = Counter()
    for report in reports:
        sums.update(report)
    return {
        "queries": len(reports),
        "total": round(sum(sums.values()) / len(reports), 2),
        "per_resource": {key: round(count / len(reports), 2) for key, count in sorted(sums.items())},
        "max_per_resource": max((max(r.values(), default=0) for r in reports), default=0),
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def phase_figures(result: PhaseResult) -> dict[str, Any]:
    """The JSON figures of one phase."""
    return {
        "concurrency": result.concurrency,
        "requests": result.requests,
        "seconds": round(result.duration, 2),
        "rps": round(result.throughput, 1),
        "min_ms": _ms(min(result.latencies, default=None)),
        "p50_ms": _ms(percentile(result.latencies, 0.50)),
        "p95_ms": _ms(percentile(result.latencies, 0.95)),
        "p99_ms": _ms(percentile(result.latencies, 0.99)),
        "errors": result.errors,
        "error_samples": result.error_samples,
        "connections_per_worker": result.spread,
    }


def _cpu(pids: list[int]) -> float:
    return sum(cpu_seconds(pid) or 0.0 for pid in pids)


async def measure_page(stack: Stack, name: str, options: Options, *, serial_only: bool = False) -> dict[str, Any]:
    """Warm up, then measure one page at concurrency 1 and at the fixed concurrency."""
    url = stack.gateway_url + "/graphql"
    query, variables = PAGES[name]
    headers = stack.auth_headers()  # the bench viewer's bearer token, minted when the stack started
    resolved = resolve_variables(url, variables, headers)
    request = encode_request(url, query, resolved, headers)
    workers = stack.gateway_workers()
    port = int(stack.gateway_url.rsplit(":", 1)[1])
    balancer = Balancer(workers=workers, owners=lambda: connection_owners(workers, port))
    await run_phase(
        url,
        request,
        concurrency=max(len(workers), min(options.concurrency, 4)),
        duration=options.warmup,
        balancer=balancer,
    )
    serial = await run_phase(url, request, concurrency=1, duration=options.serial_duration, keep_bodies=True)
    figures: dict[str, Any] = {
        "variables": resolved,
        "serial": phase_figures(serial),
        "backend_calls": backend_calls(serial.bodies),
    }
    if serial_only:
        return figures
    services = [stack.services.pid] if stack.services else []
    before = (_cpu(workers), _cpu(services), time.process_time())
    per_worker_before = [_cpu([pid]) for pid in workers]
    concurrent = await run_phase(
        url, request, concurrency=options.concurrency, duration=options.duration, balancer=balancer
    )
    after = (_cpu(workers), _cpu(services), time.process_time())
    per_worker = [
        round((_cpu([pid]) - b) / concurrent.duration, 2) for pid, b in zip(workers, per_worker_before, strict=True)
    ]
    figures["concurrent"] = phase_figures(concurrent)
    # Where the cores went during the concurrent phase: CPU seconds per wall-clock second.
    figures["cores_used"] = {
        part: round((a - b) / concurrent.duration, 2)
        for part, b, a in zip(("gateway_workers", "services", "bench_client"), before, after, strict=True)
    }
    figures["cores_used"]["per_gateway_worker"] = per_worker
    # CPU per request does not depend on how much of the machine others use; the projection is what the
    # page would reach with every core to itself (services and client included), assuming CPU-bound.
    done = max(concurrent.requests, 1)
    cpu_ms = {
        part: round(1000 * (a - b) / done, 1)
        for part, b, a in zip(("gateway", "services", "bench_client"), before, after, strict=True)
    }
    figures["cpu_ms_per_request"] = cpu_ms
    figures["projected_rps_all_cores"] = round(1000 * (os.cpu_count() or 1) / max(sum(cpu_ms.values()), 0.1), 1)
    # The same for the gateway alone, as when the services and the load client run on other machines.
    figures["projected_rps_gateway_alone"] = round(1000 * (os.cpu_count() or 1) / max(cpu_ms["gateway"], 0.1), 1)
    return figures


def memory(stack: Stack) -> dict[str, Any]:
    """Peak RSS (VmHWM, MiB) of each gateway worker and of the services process."""
    return {
        "gateway_workers": [round(peak_rss_mb(pid) or 0.0, 1) for pid in stack.gateway_workers()],
        "services": round(peak_rss_mb(stack.services.pid) or 0.0, 1) if stack.services else None,
    }


def executor_setting() -> str:
    """Whether this gateway build reads ``GATEWAY_EXECUTOR`` (until it does, every column runs the standard path)."""
    from dataclasses import fields

    from gateway.settings import Settings

    if "executor" in {f.name for f in fields(Settings)}:
        return "honoured"
    return "passed to the gateway but not a setting of this build: every column runs the standard executor"


async def page_shapes(options: Options, executor: str) -> dict[str, dict[str, Any]]:
    """Fields returned, backend calls and hops of one warm request per page, counted in-process."""
    gateway = InProcessGateway(scale=options.scale, environ={"GATEWAY_EXECUTOR": executor})
    shapes = {}
    for name in options.pages:
        query, variables = PAGES[name]
        resolved = {}
        for key, value in variables.items():
            if isinstance(value, Lookup):
                body = await gateway.post(value.query, value.variables)
                value = _at_path(body.get("data"), value.path)
            resolved[key] = value
        shape = await gateway.shape(query, resolved)
        shapes[name] = {
            "fields": shape.fields,
            "hops": shape.hops,
            "backend_calls": shape.total_calls,
            "calls": shape.calls,
            "waves": shape.waves,
            "errors": len(shape.errors),
            "tasks": shape.tasks,
            "encode_us": shape.encode_us,
            "backend_bytes": sum(shape.backend_bytes.values()),
            "backend_bytes_per_call": shape.backend_bytes,
        }
    return shapes


async def run(options: Options) -> dict[str, Any]:
    """The whole benchmark: per executor, figures per page and memory; then the zero-latency baseline."""
    results: dict[str, Any] = {
        "command": reproduce_command(options),
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in options.__dict__.items()},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "loadavg": os.getloadavg()},
        "targets": {
            "p50_c1_ms_max": options.latency_ms * TARGET_HOPS + SLACK_ABOVE_CHAIN_MS,
            "rps_min": TARGET_RPS,
            "peak_rss_mb_per_worker_max": TARGET_RSS_MB,
            "hops_max": TARGET_HOPS,
        },
        "executor_setting": executor_setting(),
        "pages": {name: {} for name in options.pages},
        "memory_mb": {},
        "processes": {},
    }
    started = time.monotonic()
    for executor in options.executors:
        shapes = await page_shapes(options, executor)
        with Stack(
            latency_ms=options.latency_ms,
            scale=options.scale,
            workers=options.workers,
            log_dir=RESULTS_DIR,
            gateway_env={"GATEWAY_EXECUTOR": executor},
        ) as stack:
            for name in options.pages:
                figures = await measure_page(stack, name, options)
                figures["shape"] = shapes[name]
                fields = max(shapes[name]["fields"], 1)
                figures["gateway_cpu_us_per_field"] = round(1000 * figures["cpu_ms_per_request"]["gateway"] / fields, 2)
                results["pages"][name][executor] = figures
            results["memory_mb"][executor] = memory(stack)
            results["processes"][executor] = {
                "services": stack.services.pid if stack.services else None,
                "gateway": stack.gateway.pid if stack.gateway else None,
                "gateway_workers": stack.gateway_workers(),
            }
    if options.baseline and options.latency_ms > 0:
        # Same pages with no injected latency: the gateway's and services' own time per page, so the
        # dependency chain of each page is also measured in time (difference of the fastest requests).
        baseline_options = Options(
            **{
                **options.__dict__,
                "serial_duration": min(options.serial_duration, 3.0),
                "warmup": min(options.warmup, 0.5),
            }
        )
        executor = options.executors[0]
        with Stack(
            latency_ms=0,
            scale=options.scale,
            workers=options.workers,
            log_dir=RESULTS_DIR,
            gateway_env={"GATEWAY_EXECUTOR": executor},
        ) as stack:
            for name in options.pages:
                base = await measure_page(stack, name, baseline_options, serial_only=True)
                page = results["pages"][name][executor]
                page["baseline_p50_ms"] = base["serial"]["p50_ms"]
                # Fastest requests of each run: far less sensitive to other work on the machine than p50.
                chain = (page["serial"]["min_ms"] or 0) - (base["serial"]["min_ms"] or 0)
                page["measured_chain_ms"] = round(chain, 1)
                page["measured_hops"] = round(chain / options.latency_ms, 1)
    results["wall_seconds"] = round(time.monotonic() - started, 1)
    results["bench_client_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return results


def reproduce_command(options: Options) -> str:
    """The command line that repeats this run."""
    argv = [
        ".venv/bin/python",
        "-m",
        "bench",
        "--duration",
        f"{options.duration:g}",
        "--serial-duration",
        f"{options.serial_duration:g}",
        "--concurrency",
        str(options.concurrency),
        "--latency-ms",
        f"{options.latency_ms:g}",
        "--workers",
        str(options.workers),
        "--scale",
        str(options.scale),
        "--pages",
        ",".join(options.pages),
    ]
    if not options.baseline:
        argv.append("--no-baseline")
    if options.executors != EXECUTORS:
        argv += ["--executors", ",".join(options.executors)]
    return shlex.join(argv)


def _verdict(ok: bool | None) -> str:
    return "" if ok is None else ("met" if ok else "MISSED")


def _triple(phase: dict[str, Any]) -> str:
    return f"{phase['p50_ms']} / {phase['p95_ms']} / {phase['p99_ms']}"


def _row(label: str, values: list[str], width: int = 28) -> str:
    return f"  {label:<42}" + "".join(f"  {value:>{width}}" for value in values)


def _kib(count: int | None) -> str:
    return "n/a" if count is None else f"{count / 1024:.1f} KiB"


def _largest(shape: dict[str, Any]) -> str:
    answers = shape.get("backend_bytes_per_call") or {}
    if not answers:
        return "n/a"
    name = max(answers, key=answers.__getitem__)
    return f"{name} {_kib(answers[name])}"


def page_report(name: str, page: dict[str, Any], results: dict[str, Any]) -> list[str]:
    """One page: its shape (counted), then every executor's figures in a column of its own."""
    options, targets = results["options"], results["targets"]
    executors = [e for e in options["executors"] if e in page]
    shape = page[executors[0]]["shape"]
    waves = " | ".join(
        ", ".join(call.split(" ", 1)[1].removeprefix("/v1/") for call in wave) for wave in shape["waves"]
    )
    lines = [
        f"[{name}] {shape['fields']} fields returned; {shape['backend_calls']} backend calls in {shape['hops']} hop(s) "
        f"(target <= {targets['hops_max']}: {_verdict(shape['hops'] <= targets['hops_max'])}): {waves}",
        f"  backend answers read per request: {_kib(shape.get('backend_bytes'))}; largest: {_largest(shape)}",
        f"  asyncio tasks per request (in-process): {shape['tasks']}; encoding the response body: "
        + ", ".join(f"{encoder} {us:g} us" for encoder, us in shape["encode_us"].items()),
        _row("", [f"GATEWAY_EXECUTOR={e}" for e in executors]),
    ]
    figures = [page[e] for e in executors]
    concurrency = figures[0]["concurrent"]["concurrency"]
    lines += [
        _row("p50 / p95 / p99 ms, concurrency 1", [_triple(f["serial"]) for f in figures]),
        _row(f"p50 / p95 / p99 ms, concurrency {concurrency}", [_triple(f["concurrent"]) for f in figures]),
        _row(f"req/s at concurrency {concurrency}", [f"{f['concurrent']['rps']}" for f in figures]),
        _row("gateway CPU per request, ms", [f"{f['cpu_ms_per_request']['gateway']}" for f in figures]),
        _row("gateway CPU per field, us", [f"{f['gateway_cpu_us_per_field']}" for f in figures]),
        _row(
            "services / bench client CPU, ms",
            [f"{f['cpu_ms_per_request']['services']} / {f['cpu_ms_per_request']['bench_client']}" for f in figures],
        ),
        _row("backend calls per request (HTTP)", [f"{f['backend_calls']['total']}" for f in figures]),
        _row("projected req/s, all cores", [f"{f['projected_rps_all_cores']}" for f in figures]),
        _row(
            "projected req/s, gateway alone on all cores",
            [f"{f.get('projected_rps_gateway_alone', '-')}" for f in figures],
        ),
        _row("errors (c=1 + concurrent)", [f"{f['serial']['errors'] + f['concurrent']['errors']}" for f in figures]),
    ]
    p50_target = targets["p50_c1_ms_max"]
    lines.append(
        _row(
            f"p50 c=1 <= {p50_target:g} ms ({TARGET_HOPS} hops x {options['latency_ms']:g} + {SLACK_ABOVE_CHAIN_MS:g})",
            [_verdict((f["serial"]["p50_ms"] or 1e9) <= p50_target) for f in figures],
        )
    )
    rps_target = targets["rps_min"].get(name)
    if rps_target is not None:
        lines.append(
            _row(f"req/s >= {rps_target:g}", [_verdict(f["concurrent"]["rps"] >= rps_target) for f in figures])
        )
    measured = [f for f in figures if "measured_hops" in f]
    for f in measured:
        lines.append(
            f"  zero-latency p50 {f['baseline_p50_ms']} ms; measured chain {f['measured_chain_ms']} ms "
            f"(~{f['measured_hops']:g} hops of {options['latency_ms']:g} ms, from the fastest requests)"
        )
    for executor, f in zip(executors, figures, strict=True):
        for sample in f["serial"]["error_samples"] + f["concurrent"]["error_samples"]:
            lines.append(f"  error ({executor}): {sample}")
    return [*lines, ""]


def format_report(results: dict[str, Any]) -> str:
    """A readable table: per page, the executors side by side, next to the targets."""
    targets = results["targets"]
    options = results["options"]
    lines = [
        f"Gateway benchmark: {options['workers']} worker(s), backend latency {options['latency_ms']:g} ms/call, "
        f"concurrency {options['concurrency']}, {results['machine']['cpus']} CPUs, "
        f"load average before {results['machine']['loadavg'][0]:.2f}",
        f"GATEWAY_EXECUTOR: {results['executor_setting']}.",
        "CPU per request is the figure to compare on a shared machine; latencies and req/s move with other load.",
        "",
    ]
    for name, page in results["pages"].items():
        lines += page_report(name, page, results)
    for executor, memory_mb in results.get("memory_mb", {}).items():
        workers = memory_mb.get("gateway_workers", [])
        worst = max(workers, default=None)
        lines.append(
            f"peak RSS ({executor}): gateway workers {', '.join(f'{w:g}' for w in workers)} MiB; "
            f"services {memory_mb.get('services')} MiB  (target < {targets['peak_rss_mb_per_worker_max']:g} MiB "
            f"per worker: {_verdict(None if worst is None else worst < targets['peak_rss_mb_per_worker_max'])})"
        )
    lines += [
        "",
        f"wall time {results['wall_seconds']} s; JSON: {results.get('output', '')}",
        f"reproduce: {results['command']}",
    ]
    return "\n".join(lines)


def save(results: dict[str, Any], path: Path) -> None:
    """Write the figures as JSON (and remember where)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    results["output"] = str(path)
    path.write_text(json.dumps(results, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Run, print, write JSON."""
    options = parse_args(argv)
    print(f"starting services and gateway ({', '.join(options.pages)}) ...", file=sys.stderr, flush=True)
    results = asyncio.run(run(options))
    save(results, options.output)
    print(format_report(results))
    return 0
