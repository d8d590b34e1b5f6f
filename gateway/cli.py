"""The ``gateway`` command: ``serve`` the gateway, print its ``schema``, mint a development ``token``, run the
cutover ``parity`` pass."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from typing import TYPE_CHECKING, Any, TypedDict

from gateway.settings import Settings, SettingsError

if TYPE_CHECKING:
    from graphql import GraphQLSchema


class _ServerOptions(TypedDict):
    """The ``uvicorn.run`` keywords ``serve`` passes in both modes (checked against its signature)."""

    host: str
    port: int
    log_level: str
    access_log: bool
    log_config: dict[str, Any]
    timeout_graceful_shutdown: int | None
    http: str


def http_protocol() -> str:
    """uvicorn's HTTP/1.1 parser: httptools (a C parser, less CPU per request) when installed, else h11."""
    import importlib.util

    return "httptools" if importlib.util.find_spec("httptools") is not None else "h11"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``gateway`` console script."""
    parser = argparse.ArgumentParser(prog="gateway", description="Control-plane GraphQL gateway")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve GraphQL and GraphiQL (embedded demo backends by default)")
    serve.add_argument("--host", help="interface to bind (GATEWAY_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to bind (GATEWAY_PORT, default 8000)")
    serve.add_argument("--workers", type=int, help="worker processes (GATEWAY_WORKERS, default 1)")
    schema_command = commands.add_parser(
        "schema", help="print the GraphQL SDL (--possible-types: Apollo's map; --federation: the subgraph SDL)"
    )
    schema_output = schema_command.add_mutually_exclusive_group()
    schema_output.add_argument(
        "--possible-types",
        action="store_true",
        help="print every interface and union with its concrete types as JSON (Apollo Client's possibleTypes)",
    )
    schema_output.add_argument(
        "--federation",
        action="store_true",
        help="print the Apollo Federation v2 subgraph SDL (served at /subgraph with GATEWAY_SUBGRAPH=1)",
    )
    token = commands.add_parser("token", help="print a development bearer token for the local gateway")
    who = token.add_mutually_exclusive_group(required=True)
    who.add_argument("--persona", choices=["member", "project-admin", "tenant-admin", "operator"])
    who.add_argument("--user", help="a user id of the access service (e.g. u-sam)")
    who.add_argument("--service-account", help="a service account id, for an integrator (e.g. sa-llm-eval)")
    token.add_argument("--ttl", type=int, help="lifetime in seconds (default GATEWAY_LOCAL_TOKEN_TTL_SECONDS, 12 h)")
    parity = commands.add_parser("parity", help="the cutover parity pass: classify every gap per route and persona")
    _add_parity_arguments(parity)
    args = parser.parse_args(argv)
    try:
        if args.command == "parity":
            return _parity(args)
        if args.command == "schema":
            return _print_schema(possible_types=args.possible_types, federation=args.federation)
        if args.command == "token":
            return _print_token(args)
        return _serve(args)
    except SettingsError as error:
        print(f"gateway: {error}", file=sys.stderr)
        return 2


def _add_parity_arguments(parser: argparse.ArgumentParser) -> None:
    # The pass sits above the gateway's layers (it reads the schema and the committed operations): a project
    # checkout has it, a serving image may not, and `gateway serve` must not depend on it.
    try:
        from parity.cli import add_arguments
    except ModuleNotFoundError:
        return
    add_arguments(parser)


def _parity(args: argparse.Namespace) -> int:
    try:
        from parity.cli import run
    except ModuleNotFoundError as error:
        raise SettingsError(
            "`gateway parity` runs from a project checkout (the parity package and operations/); "
            f"this installation lacks it ({error})"
        ) from error
    return run(args)


def _print_schema(*, possible_types: bool = False, federation: bool = False) -> int:
    """``make schema`` writes the outputs: schema/schema.graphql, schema/possible_types.json and
    schema/subgraph.graphql."""
    from gateway.app import SUBGRAPH_SCHEMA, load_schema

    if federation:  # its as_str() is the federation SDL, as `_service { sdl }` answers it
        sys.stdout.write(load_schema(SUBGRAPH_SCHEMA).as_str())
        return 0
    schema = load_schema(Settings().schema)
    sys.stdout.write(possible_types_json(schema._schema) if possible_types else schema.as_str() + "\n")
    return 0


def possible_types_json(schema: GraphQLSchema) -> str:
    """Every interface and union mapped to its concrete object types, sorted, as committed next to the SDL.

    Apollo Client's ``InMemoryCache({ possibleTypes })`` needs it to match fragments on abstract types
    (``... on VllmWorkload`` inside a ``Workload`` list) without warnings or heuristics.
    """
    from graphql import GraphQLInterfaceType, GraphQLUnionType

    abstract = {
        name: sorted(concrete.name for concrete in schema.get_possible_types(named))
        for name, named in schema.type_map.items()
        if isinstance(named, GraphQLInterfaceType | GraphQLUnionType) and not name.startswith("__")
    }
    return json.dumps(dict(sorted(abstract.items())), indent=2) + "\n"


def _print_token(args: argparse.Namespace) -> int:
    from gateway.auth.tokens_cli import DEFAULT_DATA_DIR, mint_for

    os.environ.setdefault("GATEWAY_DATA_DIR", DEFAULT_DATA_DIR)
    settings = Settings.from_env()
    print(
        mint_for(
            settings,
            persona=args.persona,
            user_id=args.user,
            ttl_seconds=args.ttl,
            service_account=args.service_account,
        )
    )
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from gateway.auth.tokens_cli import DEFAULT_DATA_DIR

    os.environ.setdefault("GATEWAY_DATA_DIR", DEFAULT_DATA_DIR)  # workers and `gateway token` share the key
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
    if settings.security.local_tokens_enabled:
        print("Development tokens: `gateway token --persona member|project-admin|tenant-admin|operator`.", flush=True)
    # One JSON line per request comes from the gateway itself, so uvicorn's access log is off. On SIGTERM
    # uvicorn stops accepting, lets in-flight requests finish (at most GATEWAY_SHUTDOWN_TIMEOUT s), then exits.
    from gateway.telemetry.logging import uvicorn_log_config

    server_options: _ServerOptions = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "access_log": False,
        "log_config": uvicorn_log_config(settings.log_level, settings.log_format),
        # uvicorn annotates it int, but only hands it to asyncio.timeout, which takes float seconds.
        "timeout_graceful_shutdown": settings.shutdown_timeout or None,  # type: ignore[typeddict-item]
        "http": http_protocol(),
    }
    if settings.workers == 1:
        from gateway.app import create_app
        from gateway.heap import freeze_startup_heap

        app = create_app(settings)
        freeze_startup_heap(settings.gc_young_threshold)
        uvicorn.run(app, **server_options)
        return 0
    # Worker processes rebuild their settings from the environment: pass the CLI flags along.
    os.environ.update({"GATEWAY_HOST": settings.host, "GATEWAY_PORT": str(settings.port)})
    # Every worker writes its metrics to a shared directory and /metrics aggregates them.
    own_metrics_dir = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        own_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="gateway-metrics-")
    try:
        uvicorn.run("gateway.app:app_from_env", factory=True, workers=settings.workers, **server_options)
    finally:
        if own_metrics_dir:
            shutil.rmtree(own_metrics_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
