"""``reference-services serve``: run every reference domain service on its own loopback socket."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Coroutine
from typing import Any

import uvicorn

from reference_services._service import ServiceSettings
from reference_services.domains import DOMAINS
from reference_services.embedded import create_services
from reference_services.faults import FaultSpec, parse


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="reference-services", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve every domain service on consecutive ports")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--base-port", type=int, default=8101, help="first port; domains take consecutive ports")
    serve.add_argument("--scale", type=int, default=1, help="multiply seeded workloads and buckets")
    serve.add_argument("--latency-ms", type=float, default=0.0, help="latency added to every API call")
    serve.add_argument("--data-dir", default=None, help="keep SQLite files here instead of in memory")
    serve.add_argument(
        "--event-retention-days",
        type=float,
        default=90.0,
        help="how long GET /v1/events keeps events (older ids answer 410)",
    )
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="DOMAIN=SPEC",
        help="inject faults into one service, e.g. workloads=latency:800 or storage=down; SPEC is a comma list of "
        "down, refuse, latency:MS, error-rate:R, fail-next:N, malformed, truncated, wrong-shape "
        "(change them later with POST /_faults on the service)",
    )
    args = parser.parse_args(argv)
    try:
        args.faults = _faults(args.fault)
    except ValueError as error:
        parser.error(str(error))
    _run(_serve(args))
    return 0


def _run(main: Coroutine[Any, Any, None]) -> None:
    """Run ``main`` on uvloop when installed (as ``gateway serve`` does): less CPU per request than asyncio's loop."""
    try:
        import uvloop
    except ImportError:  # optional, as for the gateway: the standard loop serves the same answers
        asyncio.run(main)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


async def _serve(args: argparse.Namespace) -> None:
    apps = create_services(
        scale=args.scale,
        data_dir=args.data_dir,
        settings=ServiceSettings(latency_ms=args.latency_ms, event_retention_days=args.event_retention_days),
    )
    servers = []
    for offset, domain in enumerate(DOMAINS):
        port = args.base_port + offset
        spec = args.faults.get(domain)
        if spec is not None:
            apps[domain].state.faults.set(spec)
        print(f"GATEWAY_{domain.upper()}_URL=http://{args.host}:{port}", flush=True)
        if spec is not None and spec.refuse:
            continue  # connection refused: nothing listens on this port
        config = uvicorn.Config(apps[domain], host=args.host, port=port, log_level="warning", lifespan="off")
        servers.append(uvicorn.Server(config))
    print("ready", flush=True)
    scheduler = apps["workloads"].state.scheduler
    scheduler.start()  # launched workloads progress on the services' clock
    try:
        await asyncio.gather(*(server.serve() for server in servers))
    finally:
        await scheduler.stop()


def _faults(given: list[str]) -> dict[str, FaultSpec]:
    found: dict[str, FaultSpec] = {}
    for item in given:
        domain, equals, text = item.partition("=")
        if not equals or domain not in DOMAINS:
            raise ValueError(f"--fault {item!r}: expected DOMAIN=SPEC with DOMAIN one of {', '.join(DOMAINS)}")
        found[domain] = parse(text)
    return found


if __name__ == "__main__":
    sys.exit(main())
