"""The ``gateway`` command: ``serve`` the gateway, print its ``schema``."""

from __future__ import annotations

import argparse
import os
import sys

from gateway.settings import Settings, SettingsError


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``gateway`` console script."""
    parser = argparse.ArgumentParser(prog="gateway", description="Control-plane GraphQL gateway")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve GraphQL and GraphiQL (embedded demo backends by default)")
    serve.add_argument("--host", help="interface to bind (GATEWAY_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to bind (GATEWAY_PORT, default 8000)")
    serve.add_argument("--workers", type=int, help="worker processes (GATEWAY_WORKERS, default 1)")
    commands.add_parser("schema", help="print the GraphQL SDL")
    args = parser.parse_args(argv)
    try:
        if args.command == "schema":
            return _print_schema()
        return _serve(args)
    except SettingsError as error:
        print(f"gateway: {error}", file=sys.stderr)
        return 2


def _print_schema() -> int:
    from gateway.app import load_schema

    sys.stdout.write(load_schema(Settings().schema).as_str() + "\n")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = Settings.from_env(host=args.host, port=args.port, workers=args.workers)
    if settings.embedded and settings.workers > 1:
        raise SettingsError(
            "the embedded default keeps its demo data in one process: run one worker, "
            "or set GATEWAY_<DOMAIN>_URL to shared backend services"
        )
    mode = "embedded demo backends" if settings.embedded else "configured backend URLs"
    url = f"http://{settings.host}:{settings.port}/graphql"
    print(f"Control-plane gateway on {mode}. GraphiQL: {url}", flush=True)
    if settings.dev_viewer_enabled:
        print(f"Development viewer header X-Dev-Viewer is on (default user {settings.dev_default_user}).", flush=True)
    if settings.workers == 1:
        from gateway.app import create_app

        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level=settings.log_level)
        return 0
    # Worker processes rebuild their settings from the environment: pass the CLI flags along.
    os.environ.update({"GATEWAY_HOST": settings.host, "GATEWAY_PORT": str(settings.port)})
    uvicorn.run(
        "gateway.app:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
