"""``python -m bench.profile``: profile the gateway serving one page, in-process, with pyinstrument.

The reference services run as a subprocess (with the usual injected latency, so their CPU is not
in the profile); the gateway app runs in this process under uvicorn on a loopback socket and is
driven by the bench's raw-socket client. Prints self time grouped by component (library or
package) and the top of the call tree; ``--html`` also writes pyinstrument's interactive page.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

from bench.load import encode_request, percentile, run_phase
from bench.pages import PAGES
from bench.processes import HOST, Stack, free_port_range
from bench.run import resolve_variables

TIMED_ROW = re.compile(r"^\s*\d+\.\d+ ")  # a row of pyinstrument's flat listing (not its banner)
# Where a frame's self time goes: first matching path fragment wins.
COMPONENTS = (
    ("/bench/", "bench client"),
    ("/gateway/", "gateway (ours)"),
    ("/resolvers/", "resolvers (ours)"),
    ("/schema/", "schema (ours)"),
    ("/selectors.py", "idle (waiting for I/O)"),
)


def component(path: str | None) -> str:
    """The component a source file belongs to: ours, a site-package, or a stdlib module."""
    if not path:
        return "other"
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    for fragment, name in COMPONENTS:
        if fragment in path:
            return name
    if path.startswith("<"):
        return "builtins and generated code (isinstance, dataclass __init__, ...)"
    file = Path(path)
    package = file.parent.name
    return f"stdlib {file.stem if package.startswith('python3') else package}"


def self_time_by_component(root: object) -> Counter[str]:
    """Self time (time not spent in a callee) summed per component of the frame's source file."""
    totals: Counter[str] = Counter()
    stack = [root]
    while stack:
        frame = stack.pop()
        name = component(frame.file_path)  # type: ignore[attr-defined]
        own = frame.time  # type: ignore[attr-defined]
        for child in frame.children:  # type: ignore[attr-defined]
            own -= child.time
            if child.is_synthetic:  # pyinstrument's "[self]" leaves carry the parent's own time
                totals[name] += child.time
            else:
                stack.append(child)
        totals[name] += max(own, 0.0)
    return totals


@contextlib.asynccontextmanager
async def in_process_gateway(stack: Stack, page: str) -> AsyncIterator[tuple[str, bytes]]:
    """The gateway app in this process under uvicorn on a loopback port, as `gateway serve` builds it, over the
    stack's services; yields its ``/graphql`` URL and ``page``'s encoded request (variables resolved, token minted)."""
    import uvicorn

    from gateway.app import create_app
    from gateway.cli import http_protocol
    from gateway.heap import freeze_startup_heap
    from gateway.settings import Settings

    settings = Settings.from_env({**stack.gateway_settings_env(), "GATEWAY_REPORT_BACKEND_CALLS": "1"})
    app = create_app(settings)
    freeze_startup_heap(settings.gc_young_threshold)  # as `gateway serve` does
    port = free_port_range(1)
    config = uvicorn.Config(
        app, host=HOST, port=port, log_level="warning", access_log=False, http=http_protocol()
    )  # the parser `gateway serve` picks
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        for _ in range(200):
            if server.started:
                break
            await asyncio.sleep(0.05)
        url = f"http://{HOST}:{port}/graphql"
        query, variables = PAGES[page]
        headers = stack.auth_headers()  # minted once, when the stack started
        resolved = await asyncio.to_thread(resolve_variables, url, variables, headers)
        yield url, encode_request(url, query, resolved, headers)
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, timeout=10)


async def profile_page(args: argparse.Namespace) -> None:
    from pyinstrument import Profiler

    with Stack(latency_ms=args.latency_ms, scale=args.scale, with_gateway=False) as stack:
        async with in_process_gateway(stack, args.page) as (url, request):
            await run_phase(url, request, concurrency=args.concurrency, duration=1.0)
            profiler = Profiler(interval=args.interval, async_mode="disabled")
            profiler.start()
            result = await run_phase(url, request, concurrency=args.concurrency, duration=args.duration)
            profiler.stop()
    p50 = percentile(result.latencies, 0.5)
    print(
        f"{args.page}: {result.requests} requests at concurrency {args.concurrency} in {result.duration:.1f} s "
        f"({result.throughput:.1f} req/s, p50 {1000 * (p50 or 0):.1f} ms, {result.errors} errors), "
        f"backend latency {args.latency_ms:g} ms, one process on {type(asyncio.get_running_loop()).__module__}\n"
    )
    session = profiler.last_session
    root = session.root_frame() if session else None
    if root is None:
        print("no samples")
        return
    totals = self_time_by_component(root)
    busy = sum(v for k, v in totals.items() if not k.startswith("idle")) or 1.0
    # Samples are wall-clock; on a shared machine the process also waits for a core, so shares of the
    # sampled time are scaled to the CPU time the process really used.
    cpu_ms_per_request = 1000 * session.cpu_time / max(result.requests, 1)
    print(f"CPU time {session.cpu_time:.2f} s over {session.duration:.2f} s: {cpu_ms_per_request:.1f} ms per request.")
    print("Self time by component (share of busy samples, and that share of the CPU per request):")
    for name, seconds in totals.most_common():
        if name.startswith("idle"):
            continue
        share = seconds / busy
        print(f"  {100 * share:5.1f}%  {share * cpu_ms_per_request:6.2f} ms  {name}")
    print("\nHottest functions (self time, seconds sampled):")
    flat = profiler.output_text(unicode=True, flat=True, processor_options={"filter_threshold": 0.0})
    rows = [line for line in flat.splitlines() if TIMED_ROW.match(line) and "[self]" not in line]
    print("\n".join(rows[: args.flat_lines]))
    print("\nTop of the call tree:")
    options = {"filter_threshold": args.threshold}
    text = profiler.output_text(unicode=True, show_all=args.show_all, processor_options=options)
    print("\n".join(text.splitlines()[: args.lines]))
    if args.html:
        Path(args.html).write_text(profiler.output_html())
        print(f"\nHTML profile: {args.html}")


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and profile."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--page", default="workloads", choices=sorted(PAGES), help="page to profile")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds of profiled load")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent connections")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="latency per backend call")
    parser.add_argument("--scale", type=int, default=1, help="reference data scale")
    parser.add_argument("--interval", type=float, default=0.0005, help="sampling interval in seconds")
    parser.add_argument("--threshold", type=float, default=0.02, help="hide frames below this share of time")
    parser.add_argument("--lines", type=int, default=120, help="lines of the call tree to print")
    parser.add_argument("--flat-lines", type=int, default=40, help="lines of the flat self-time profile")
    parser.add_argument("--show-all", action="store_true", help="show library frames in the call tree")
    parser.add_argument("--html", help="also write the interactive HTML profile here")
    args = parser.parse_args(argv)
    try:  # the loop `gateway serve` runs on (uvicorn picks uvloop when it is installed)
        import uvloop
    except ImportError:
        asyncio.run(profile_page(args))
    else:
        uvloop.run(profile_page(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
