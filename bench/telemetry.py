"""``python -m bench.telemetry``: what metrics, request logs and tracing cost per page.

Runs the same pages against four gateways in turn (same services, same load): everything off
(``GATEWAY_METRICS=false``, log level warning, no ``OTEL_*``), then metrics on, then the JSON request log
on too, then OpenTelemetry tracing on too, exporting OTLP/HTTP to a sink on loopback that accepts and
discards every batch (so the SDK's batching, serialization and export are all paid for). Reports p50 at
concurrency 1, throughput at the fixed concurrency and gateway CPU per request, and writes JSON beside
``bench/results/latest.json``.

``--in-process`` measures the same configurations without sockets or worker processes: one gateway app
and the reference services in this process, each configuration run in interleaved rounds, CPU time per
request (``time.process_time``) as the figure. Steadier on a busy machine than wall-clock throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.pages import PAGES
from bench.processes import HOST, Stack
from bench.run import RESULTS_DIR, Options, measure_page

CONFIGS: dict[str, dict[str, str]] = {
    "off": {"GATEWAY_METRICS": "false", "GATEWAY_LOG_LEVEL": "warning"},
    "metrics": {"GATEWAY_METRICS": "true", "GATEWAY_LOG_LEVEL": "warning"},
    "metrics+logs": {"GATEWAY_METRICS": "true", "GATEWAY_LOG_LEVEL": "info"},
    "metrics+logs+tracing": {
        "GATEWAY_METRICS": "true",
        "GATEWAY_LOG_LEVEL": "info",
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_SERVICE_NAME": "gateway-bench",
    },
    # Head sampling, as a busy deployment would run it: unsampled requests make no-op spans.
    "metrics+logs+tracing-10%": {
        "GATEWAY_METRICS": "true",
        "GATEWAY_LOG_LEVEL": "info",
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_SERVICE_NAME": "gateway-bench",
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": "0.1",
    },
}


class _Sink(BaseHTTPRequestHandler):
    """Accepts OTLP/HTTP export requests and drops them."""

    received = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        type(self).received += 1
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        """Quiet."""


async def run(options: Options, configs: list[str]) -> dict[str, Any]:
    sink = ThreadingHTTPServer((HOST, 0), _Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    endpoint = f"http://{HOST}:{sink.server_address[1]}"
    results: dict[str, Any] = {
        "options": {
            "duration": options.duration,
            "serial_duration": options.serial_duration,
            "concurrency": options.concurrency,
            "latency_ms": options.latency_ms,
            "workers": options.workers,
            "pages": list(options.pages),
        },
        "configs": {},
    }
    try:
        for name in configs:
            env = dict(CONFIGS[name])
            if "OTEL_TRACES_EXPORTER" in env:
                env["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
            print(f"[{name}] starting ...", file=sys.stderr, flush=True)
            with Stack(
                latency_ms=options.latency_ms,
                scale=options.scale,
                workers=options.workers,
                log_dir=RESULTS_DIR,
                gateway_env=env,
            ) as stack:
                results["configs"][name] = {
                    page: _figures(await measure_page(stack, page, options)) for page in options.pages
                }
        results["otlp_batches_received"] = _Sink.received
    finally:
        sink.shutdown()
    return results


def _figures(page: dict[str, Any]) -> dict[str, Any]:
    return {
        "p50_c1_ms": page["serial"]["p50_ms"],
        "p95_c1_ms": page["serial"]["p95_ms"],
        "rps": page["concurrent"]["rps"],
        "errors": page["serial"]["errors"] + page["concurrent"]["errors"],
        "gateway_cpu_ms_per_request": page["cpu_ms_per_request"]["gateway"],
    }


def report(results: dict[str, Any]) -> str:
    options = results["options"]
    lines = [
        f"Telemetry overhead: {options['workers']} worker(s), backend latency {options['latency_ms']:g} ms, "
        f"concurrency {options['concurrency']}",
        "",
    ]
    base = results["configs"].get("off", {})
    for config, pages in results["configs"].items():
        for page, f in pages.items():
            ref = base.get(page)
            delta = ""
            if ref and config != "off" and ref["gateway_cpu_ms_per_request"]:
                cpu = 100 * (f["gateway_cpu_ms_per_request"] / ref["gateway_cpu_ms_per_request"] - 1)
                delta = f"  (CPU/request {cpu:+.0f}% vs off)"
            lines.append(
                f"{config:22} {page:16} p50 {f['p50_c1_ms']} ms  p95 {f['p95_c1_ms']} ms  {f['rps']} req/s  "
                f"gateway CPU {f['gateway_cpu_ms_per_request']} ms/request  errors {f['errors']}{delta}"
            )
    lines.append(f"\nOTLP export batches received by the sink: {results.get('otlp_batches_received')}")
    return "\n".join(lines)


async def run_in_process(pages: tuple[str, ...], configs: list[str], requests: int, rounds: int) -> dict[str, Any]:
    """CPU ms per request of each page under each configuration, median over interleaved rounds."""
    import logging
    import statistics
    import time

    import httpx

    from bench.run import _at_path
    from gateway.app import create_app
    from gateway.settings import DOMAINS, Settings
    from gateway.telemetry import tracing
    from gateway.telemetry.logging import JsonFormatter
    from reference_services.embedded import create_services

    sink = ThreadingHTTPServer((HOST, 0), _Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    services = create_services()
    transports = {d: httpx.ASGITransport(app=services[d]) for d in DOMAINS}
    apps = {
        metrics: create_app(Settings.from_env({}, metrics=metrics), transports=transports) for metrics in (False, True)
    }
    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the run
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("gateway")
    logger.addHandler(handler)
    logger.propagate = False
    samples: dict[str, dict[str, list[float]]] = {c: {p: [] for p in pages} for c in configs}
    headers = {"x-dev-viewer": "u-tara"}

    async def page_body(client: httpx.AsyncClient, name: str) -> bytes:
        query, variables = PAGES[name]
        resolved = {}
        for key, value in variables.items():
            if hasattr(value, "path"):
                found = (await client.post("/graphql", json={"query": value.query}, headers=headers)).json()
                value = _at_path(found.get("data"), value.path)
            resolved[key] = value
        return json.dumps({"query": query, "variables": resolved}).encode()

    try:
        for _ in range(rounds):
            for config in configs:
                env = CONFIGS[config]
                app = apps[env["GATEWAY_METRICS"] == "true"]
                logger.setLevel(logging.INFO if env["GATEWAY_LOG_LEVEL"] == "info" else logging.WARNING)
                otel = {k: v for k, v in env.items() if k.startswith("OTEL_")}
                if otel:  # the SDK reads some variables (the sampler) from the environment itself
                    os.environ.update(otel, OTEL_EXPORTER_OTLP_ENDPOINT=f"http://{HOST}:{sink.server_address[1]}")
                    tracing.configure_from_env()
                async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
                    for name in pages:
                        body = await page_body(client, name)
                        sent = {**headers, "content-type": "application/json"}
                        for _ in range(3):  # warm
                            await client.post("/graphql", content=body, headers=sent)
                        started = time.process_time()
                        for _ in range(requests):
                            response = await client.post("/graphql", content=body, headers=sent)
                            assert response.status_code == 200 and b'"errors"' not in response.content
                        samples[config][name].append(1000 * (time.process_time() - started) / requests)
                tracing.uninstall()  # flushes the batch processor: its export cost lands in this config
                for variable in [*otel, "OTEL_EXPORTER_OTLP_ENDPOINT"] if otel else []:
                    os.environ.pop(variable, None)
    finally:
        sink.shutdown()
        logger.removeHandler(handler)
    return {
        "mode": "in-process",
        "requests_per_sample": requests,
        "rounds": rounds,
        "cpu_ms_per_request": {
            c: {p: round(statistics.median(v), 2) for p, v in by_page.items()} for c, by_page in samples.items()
        },
        "otlp_batches_received": _Sink.received,
    }


def report_in_process(results: dict[str, Any]) -> str:
    figures = results["cpu_ms_per_request"]
    lines = [
        f"Telemetry overhead in-process: CPU ms per request, median of {results['rounds']} interleaved rounds "
        f"of {results['requests_per_sample']} requests",
        "",
    ]
    for config, pages in figures.items():
        for page, cpu in pages.items():
            off = figures.get("off", {}).get(page)
            delta = f"  ({100 * (cpu / off - 1):+.1f}% vs off)" if off and config != "off" else ""
            lines.append(f"{config:22} {page:16} {cpu} ms{delta}")
    lines.append(f"\nOTLP export batches received by the sink: {results['otlp_batches_received']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.telemetry", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=6.0, help="seconds at the fixed concurrency per page")
    parser.add_argument("--serial-duration", type=float, default=3.0, help="seconds at concurrency 1 per page")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pages", default="workloads,workload_detail")
    parser.add_argument("--configs", default=",".join(CONFIGS), help=f"comma-separated of {', '.join(CONFIGS)}")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "telemetry.json")
    parser.add_argument("--in-process", action="store_true", help="CPU per request in this process, no sockets")
    parser.add_argument("--requests", type=int, default=40, help="requests per sample (--in-process)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (--in-process)")
    args = parser.parse_args(argv)
    pages = tuple(p for p in args.pages.split(",") if p)
    configs = [c for c in args.configs.split(",") if c]
    if any(p not in PAGES for p in pages) or any(c not in CONFIGS for c in configs):
        parser.error(f"pages from {', '.join(PAGES)}; configs from {', '.join(CONFIGS)}")
    if args.in_process:
        results = asyncio.run(run_in_process(pages, configs, args.requests, args.rounds))
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(results, indent=2) + "\n")
        print(report_in_process(results))
        return 0
    options = Options(
        duration=args.duration,
        serial_duration=args.serial_duration,
        warmup=1.0,
        concurrency=args.concurrency,
        latency_ms=args.latency_ms,
        workers=args.workers,
        pages=pages,
    )
    results = asyncio.run(run(options, configs))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
