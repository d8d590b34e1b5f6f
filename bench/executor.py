"""``python -m bench.executor``: what GraphQL execution costs per field, standard vs compiled, in-process.

On the embedded reference services (no sockets), the workloads page (the registered ``/workloads`` document,
50 rows) is measured two ways for each executor (``GATEWAY_EXECUTOR``), in the same process and run:

- **execution**: the operation executed again and again in one request's context, after a first run filled its
  loaders, so no backend call is made: what is left is execution machinery plus the resolvers' own shaping
  (the same on both executors). CPU µs per execution and per field returned.
- **request**: the whole HTTP request through the ASGI app (guard, parse cache, extensions, JSON, and the
  in-process reference services' own work, the same on both executors). CPU µs per request and per field.

Figures are ``time.process_time`` (other processes' load does not inflate them). ``--profile`` adds the top of a
pyinstrument profile of the execution loop for each executor.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import time
from typing import Any

from graphql import OperationDefinitionNode, parse

from bench.pages import PAGES
from bench.profile import TIMED_ROW
from gateway.app import GatewayGraphQL
from gateway.context import RequestContext
from gateway.executor import plans
from gateway.executor.plan import census
from gateway.settings import Settings
from schema import schema
from tests.support import GatewayHarness, build_harness

EXECUTORS = ("standard", "compiled")


def count_fields(value: Any) -> int:
    """Fields in a response's data: every key of every object, at any depth."""
    if isinstance(value, dict):
        return len(value) + sum(count_fields(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_fields(v) for v in value)
    return 0


async def captured_context(harness: GatewayHarness, query: str, variables: dict[str, Any]) -> RequestContext:
    """The context of one real request (viewer resolved, loaders filled), kept for re-execution."""
    kept: list[RequestContext] = []
    original = GatewayGraphQL.get_context

    async def keep(self: GatewayGraphQL, request: Any, response: Any) -> RequestContext:
        context = await original(self, request, response)
        kept.append(context)
        return context

    GatewayGraphQL.get_context = keep  # type: ignore[method-assign]
    try:
        body = await harness.query(query, variables)
    finally:
        GatewayGraphQL.get_context = original  # type: ignore[method-assign]
    assert "errors" not in body, body.get("errors")
    return kept[-1]


async def execution_cost(
    context: RequestContext, query: str, variables: dict[str, Any], runs: int, collect: bool = True
) -> float:
    """CPU seconds per execution of the operation in ``context`` (warmed once first)."""
    result = await schema.execute(query, variables, context_value=context)
    assert not result.errors, result.errors
    if collect:
        gc.collect()
    started = time.process_time()
    for _ in range(runs):
        await schema.execute(query, variables, context_value=context)
    return (time.process_time() - started) / runs


async def request_cost(harness: GatewayHarness, query: str, variables: dict[str, Any], runs: int) -> float:
    """CPU seconds per whole in-process HTTP request."""
    await harness.query(query, variables)
    gc.collect()
    started = time.process_time()
    for _ in range(runs):
        await harness.query(query, variables)
    return (time.process_time() - started) / runs


def profile_top(context: RequestContext, query: str, variables: dict[str, Any], runs: int, lines: int) -> str:
    """The hottest functions (self time) of the execution loop, pyinstrument's flat listing."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005, async_mode="disabled")
    profiler.start()
    asyncio.get_event_loop().run_until_complete(execution_cost(context, query, variables, runs, collect=False))
    profiler.stop()
    flat = profiler.output_text(unicode=True, flat=True, processor_options={"filter_threshold": 0.0})
    rows = [line for line in flat.splitlines() if TIMED_ROW.match(line) and "[self]" not in line]
    return "\n".join(rows[:lines])


async def measure(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    query, variables = PAGES["workloads"]
    variables = {**variables, "first": args.first}
    figures: dict[str, dict[str, float]] = {}
    for executor in EXECUTORS:
        harness = build_harness(settings=Settings.from_env({}, viewer_cache_seconds=3600, executor=executor))
        body = await harness.query(query, variables)
        fields = count_fields(body["data"])
        context = await captured_context(harness, query, variables)
        execution = await execution_cost(context, query, variables, args.runs)
        request = await request_cost(harness, query, variables, args.runs)
        figures[executor] = {
            "fields": fields,
            "execution_us": 1e6 * execution,
            "execution_us_per_field": 1e6 * execution / fields,
            "request_us": 1e6 * request,
            "request_us_per_field": 1e6 * request / fields,
        }
        figures[executor]["_context"] = context  # type: ignore[assignment]  # for --profile, dropped before printing
    return figures


def planned_fields(query: str) -> str:
    """How the compiled plan of the page's document finds its fields (after the runs compiled it)."""
    operation = parse(query).definitions[0]
    name = operation.name.value if isinstance(operation, OperationDefinitionNode) and operation.name else None
    document = plans.find(schema._schema, query, name)
    if document is None or not document.variants:
        return "planned fields: no plan"
    counts = census(next(iter(document.variants.values())).root)
    return (
        f"planned fields: {counts['attribute']} attribute reads, {counts['direct']} resolvers called directly, "
        f"{counts['wrapper']} through Strawberry's wrapper, {counts['constant']} __typename"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=50, help="executions and requests measured per executor")
    parser.add_argument("--first", type=int, default=50, help="rows of the workloads page")
    parser.add_argument("--profile", action="store_true", help="print the top of a pyinstrument profile of each")
    parser.add_argument("--lines", type=int, default=25, help="profile rows printed per executor")
    args = parser.parse_args(argv)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    figures = loop.run_until_complete(measure(args))
    print(f"workloads page, first={args.first}: {int(figures['compiled']['fields'])} fields, {args.runs} runs each")
    print(planned_fields(PAGES["workloads"][0]))
    print(f"{'executor':<10} {'execution µs':>13} {'µs/field':>9} {'request µs':>11} {'µs/field':>9}")
    for executor in EXECUTORS:
        f = figures[executor]
        print(
            f"{executor:<10} {f['execution_us']:>13.0f} {f['execution_us_per_field']:>9.2f} "
            f"{f['request_us']:>11.0f} {f['request_us_per_field']:>9.2f}"
        )
    s, c = figures["standard"], figures["compiled"]
    print(
        f"compiled saves {s['execution_us'] - c['execution_us']:.0f} µs per execution "
        f"({(s['execution_us'] - c['execution_us']) / c['fields']:.2f} µs per field, "
        f"{s['execution_us'] / c['execution_us']:.2f}x), {s['request_us'] - c['request_us']:.0f} µs per request"
    )
    if args.profile:
        query, variables = PAGES["workloads"]
        variables = {**variables, "first": args.first}
        for executor in EXECUTORS:
            context = figures[executor]["_context"]
            print(f"\n--- {executor}: hottest functions of the execution loop (self time, s) ---")
            print(profile_top(context, query, variables, args.runs, args.lines))  # type: ignore[arg-type]
    print(json.dumps({k: {n: v for n, v in f.items() if not n.startswith("_")} for k, f in figures.items()}))
    loop.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
