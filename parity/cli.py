"""``gateway parity``: arguments, the pass, the baseline and the reports."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
from pathlib import Path

import httpx
from graphql import GraphQLSchema

from gateway.settings import Settings, SettingsError
from parity import baseline as baselines
from parity.findings import GapClass
from parity.html_report import to_html
from parity.progress import Progress
from parity.rendering import ManifestError, candidates, load_manifest
from parity.report import Outcome, dumps_json, to_markdown
from parity.routes import ROUTE_SETS, load_index
from parity.runner import Pass, PassRun
from parity.targets import DEFAULT_USERS, Target, deployed, in_process

DEFAULT_OUT = Path(".data/parity")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``parity`` subcommand's options."""
    parser.description = (
        "Run every route's committed operation for every persona allowed to open it and classify each gap "
        "(blocking, read model, seed, rendering, future product). Writes parity.md, parity.json and parity.html. "
        "Exit 0: no blocking gap and every gap in the baseline; 1: a blocking gap or a gap the baseline does not "
        "list; 2: bad options or settings."
    )
    parser.add_argument(
        "--routes",
        action="append",
        help=f"route paths or named sets ({', '.join(ROUTE_SETS)}), comma-separated or repeated (default: every route)",
    )
    parser.add_argument(
        "--personas", action="append", help=f"personas, comma-separated ({', '.join(DEFAULT_USERS)}; default: all)"
    )
    parser.add_argument("--url", help="a deployed gateway (its base URL or /graphql URL) instead of an in-process one")
    parser.add_argument(
        "--token", action="append", default=[], metavar="PERSONA=TOKEN", help="bearer token per persona, with --url"
    )
    parser.add_argument(
        "--user", action="append", default=[], metavar="PERSONA=USER", help="user acting as a persona (in-process)"
    )
    parser.add_argument(
        "--rendered", type=Path, help="manifest of rendered field paths per route (parity/rendering.py)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"report directory (default {DEFAULT_OUT})")
    parser.add_argument(
        "--baseline", type=Path, default=baselines.DEFAULT_PATH, help="accepted gaps (default %(default)s)"
    )
    parser.add_argument("--accept", action="store_true", help="accept every non-blocking gap into the baseline")
    parser.add_argument("--reason", help="why the gaps --accept adds are accepted (required with --accept)")


def _pairs(values: list[str], option: str) -> dict[str, str]:
    found = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name or not rest:
            raise SettingsError(f"{option} takes PERSONA=VALUE, got {value!r}")
        found[name.strip()] = rest.strip()
    return found


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def run(args: argparse.Namespace) -> int:
    """Run the pass from parsed arguments; the exit code."""
    if args.accept and not (args.reason or "").strip():
        raise SettingsError("--accept needs --reason: every accepted gap says why")
    if args.url is None and args.token:
        raise SettingsError("--token goes with --url (in-process, the pass signs its own development tokens)")
    try:
        manifest = load_manifest(args.rendered) if args.rendered else None
        baseline = baselines.load(args.baseline)
    except (ManifestError, baselines.BaselineError) as error:
        raise SettingsError(str(error)) from error
    users = _pairs(args.user, "--user")
    tokens = _pairs(args.token, "--token")
    return asyncio.run(_run(args, manifest, baseline, users, tokens))


async def _run(
    args: argparse.Namespace,
    manifest: dict[str, set[str]] | None,
    baseline: baselines.Baseline,
    users: dict[str, str],
    tokens: dict[str, str],
) -> int:
    target = deployed(args.url, tokens) if args.url else await in_process(users=users)
    try:
        outcome = await run_pass(
            target,
            routes=_split(args.routes),
            personas=_split(args.personas),
            manifest=manifest,
            baseline=baseline,
            accept_reason=args.reason if args.accept else None,
            progress=True,
        )
    except httpx.HTTPError as error:
        raise SettingsError(f"the gateway did not answer: {error}") from error
    finally:
        await target.aclose()
    if args.accept:
        args.baseline.write_text(outcome_baseline(outcome, baseline, args.reason).dumps())
    write_reports(outcome, args.out)
    _summary(outcome, args)
    return outcome.exit_code


async def run_pass(
    target: Target,
    *,
    routes: list[str] | None = None,
    personas: list[str] | None = None,
    manifest: dict[str, set[str]] | None = None,
    baseline: baselines.Baseline | None = None,
    accept_reason: str | None = None,
    progress: bool = False,
    schema: GraphQLSchema | None = None,
) -> Outcome:
    """One pass over ``target``, judged against ``baseline`` (after accepting its gaps, with a reason).
    ``schema``: the schema the responses are read with (default: the gateway's own, as it prints its SDL)."""
    from gateway.app import load_schema

    index = load_index()
    try:
        chosen = index.select(routes)
    except ValueError as error:
        raise SettingsError(str(error)) from error
    known = {p for r in index.routes.values() for p in r.personas}
    wanted = personas or sorted({p for r in chosen for p in r.personas})
    unknown = sorted(set(wanted) - known)
    if unknown:
        raise SettingsError(f"unknown persona(s) {', '.join(unknown)}; personas: {', '.join(sorted(known))}")
    schema = schema or load_schema(Settings().schema)._schema
    cells = sum(1 for r in chosen for p in wanted if p in r.personas)
    parity_pass = Pass(schema, index, target, rendered=manifest, progress=Progress(cells) if progress else None)
    result = await parity_pass.run(chosen, wanted)
    if manifest is None:
        every = [r.document for r in index.routes.values()] + list(index.other_documents)
        result.candidates = {r.path: candidates(schema, r.document, every) for r in chosen}
    else:
        result.manifest_routes = set(manifest)
    baseline = baseline or baselines.Baseline()
    if accept_reason is not None:
        baseline = outcome_baseline_for(result, baseline, accept_reason)
    return judge(result, baseline)


def outcome_baseline_for(result: PassRun, baseline: baselines.Baseline, reason: str) -> baselines.Baseline:
    """The baseline accepting every non-blocking gap of ``result``."""
    routes = {r.path for r in result.routes}
    return baseline.accept(result.gaps(), reason, routes, set(result.personas))


def outcome_baseline(outcome: Outcome, baseline: baselines.Baseline, reason: str) -> baselines.Baseline:
    """The baseline to write after ``--accept``."""
    return outcome_baseline_for(outcome.run, baseline, reason)


def judge(result: PassRun, baseline: baselines.Baseline) -> Outcome:
    """Marks each gap accepted (with the baseline's reason) or new; blocking gaps are never accepted."""
    for cell in result.cells.values():
        cell.gaps = [dataclasses.replace(g, accepted=baseline.reason_for(g)) for g in cell.gaps]
    gaps = result.gaps()
    blocking = [g for g in gaps if g.gap_class is GapClass.BLOCKING]
    new = [g for g in gaps if g.gap_class is not GapClass.BLOCKING and g.accepted is None]
    stale = baseline.stale(gaps, {r.path for r in result.routes}, set(result.personas))
    return Outcome(result, new, blocking, stale)


def write_reports(outcome: Outcome, out: Path) -> None:
    """parity.md, parity.json and parity.html under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "parity.md").write_text(to_markdown(outcome))
    (out / "parity.json").write_text(dumps_json(outcome))
    (out / "parity.html").write_text(to_html(outcome))


def _summary(outcome: Outcome, args: argparse.Namespace) -> None:
    counts = outcome.counts()
    listed = ", ".join(f"{c.words}: {counts[c.value]}" for c in GapClass)
    print(f"parity: {outcome.run.target}: {listed}")
    for gap in outcome.blocking:
        print(f"parity: BLOCKING {gap.route} ({gap.persona}) {gap.path}: {gap.reason}")
    for gap in outcome.new:
        print(f"parity: NOT IN BASELINE {gap.gap_class.words} {gap.route} ({gap.persona}) {gap.path}: {gap.reason}")
    if args.accept:
        print(f"parity: baseline written to {args.baseline}")
    print(f"parity: reports in {args.out}/parity.{{md,json,html}}; exit {outcome.exit_code}")
    sys.stdout.flush()
