"""``reference-services serve``: run every reference domain service on its own loopback socket."""

from __future__ import annotations

import argparse
import asyncio
import sys

import uvicorn

from reference_services._service import ServiceSettings
from reference_services.domains import DOMAINS
from reference_services.embedded import create_services


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
    args = parser.parse_args(argv)
    asyncio.run(_serve(args))
    return 0


async def _serve(args: argparse.Namespace) -> None:
    apps = create_services(
        scale=args.scale, data_dir=args.data_dir, settings=ServiceSettings(latency_ms=args.latency_ms)
    )
    servers = []
    for offset, domain in enumerate(DOMAINS):
        port = args.base_port + offset
        config = uvicorn.Config(apps[domain], host=args.host, port=port, log_level="warning", lifespan="off")
        servers.append(uvicorn.Server(config))
        print(f"GATEWAY_{domain.upper()}_URL=http://{args.host}:{port}", flush=True)
    print("ready", flush=True)
    await asyncio.gather(*(server.serve() for server in servers))


if __name__ == "__main__":
    sys.exit(main())
