"""The Markdown and JSON reports (the HTML page is in parity.html_report)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from parity import findings
from parity.baseline import Entry
from parity.findings import Gap, GapClass
from parity.routes import seed_pass_verdict
from parity.runner import PassRun

REPORT_FORMAT = "gateway-parity-report/1"


@dataclass
class Outcome:
    """A finished pass judged against the baseline."""

    run: PassRun
    new: list[Gap]
    blocking: list[Gap]
    stale: list[Entry]
    generated_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def exit_code(self) -> int:
        """1 when a blocking gap exists or a gap is not in the baseline, else 0."""
        return 1 if self.blocking or self.new else 0

    def route_gaps(self, route: str) -> list[Gap]:
        """Every gap of a route, over its personas."""
        return [g for c in self.run.cells.values() if c.route == route for g in c.gaps]

    def counts(self) -> dict[str, int]:
        """Gaps per class."""
        return {c.value: sum(g.gap_class is c for g in self.run.gaps()) for c in GapClass}


def to_json(outcome: Outcome) -> dict[str, Any]:
    """The JSON report (format ``gateway-parity-report/1``)."""
    run = outcome.run
    routes = []
    for route in run.routes:
        cells = {}
        for persona in run.personas:
            cell = run.cells.get((route.path, persona))
            if cell is None:
                continue
            cells[persona] = {
                "status": cell.status,
                "note": cell.note,
                "responses": cell.runs,
                "worst": (w.value if (w := findings.worst(cell.gaps)) else None),
                "gaps": [_gap(g) for g in cell.gaps],
                "runtimeConditions": [{"path": c.path, "reason": c.reason, "link": c.link} for c in cell.conditions],
                "notApplicable": [{"path": n.path, "reason": n.reason} for n in cell.not_applicable],
                "navigation": [{"path": n.path, "reason": n.reason, "link": n.link} for n in cell.navigation],
            }
        gaps = outcome.route_gaps(route.path)
        routes.append(
            {
                "route": route.path,
                "operation": route.operation,
                "verdict": findings.verdict(gaps),
                "seedPassVerdict": seed_pass_verdict(route.path),
                "personas": cells,
                "renderingCandidates": run.candidates.get(route.path, []),
            }
        )
    return {
        "format": REPORT_FORMAT,
        "generatedAt": outcome.generated_at,
        "target": run.target,
        "personas": run.personas,
        "renderedManifest": sorted(run.manifest_routes) if run.manifest_routes is not None else None,
        "counts": outcome.counts(),
        "exitCode": outcome.exit_code,
        "blocking": [_gap(g) for g in outcome.blocking],
        "notInBaseline": [_gap(g) for g in outcome.new],
        "staleBaselineEntries": [e.as_json() for e in outcome.stale],
        "uncheckedLinks": run.unchecked_links,
        "routes": routes,
    }


def _gap(gap: Gap) -> dict[str, Any]:
    return {
        "route": gap.route,
        "persona": gap.persona,
        "class": gap.gap_class.value,
        "path": gap.path,
        "reason": gap.reason,
        "link": gap.link,
        "accepted": gap.accepted,
    }


def dumps_json(outcome: Outcome) -> str:
    """The JSON report's text."""
    return json.dumps(to_json(outcome), indent=2) + "\n"


def _cell_text(outcome: Outcome, route: str, persona: str) -> str:
    cell = outcome.run.cells.get((route, persona))
    if cell is None or cell.status == "not allowed":
        return "·"
    if cell.status == "skipped":
        return "skipped"
    worst = findings.worst(cell.gaps)
    return "ok" if worst is None else f"{worst.words} ({len(cell.gaps)})"


def to_markdown(outcome: Outcome) -> str:
    """The Markdown report: summary, route x persona matrix, verdicts, then every gap by route."""
    run = outcome.run
    counts = outcome.counts()
    lines = [
        "# Parity pass",
        "",
        f"Target: {run.target} · generated {outcome.generated_at} · exit code {outcome.exit_code}",
        "",
        "| Class | Gaps |",
        "|---|---|",
        *(f"| {c.words} | {counts[c.value]} |" for c in GapClass),
        "",
        f"Blocking: {len(outcome.blocking)} · not in the baseline: {len(outcome.new)} · "
        f"stale baseline entries: {len(outcome.stale)} · links not checked (over the limit): {run.unchecked_links}",
        "",
        "## Routes",
        "",
        "| Route | " + " | ".join(run.personas) + " | Verdict | Seed pass (2026-04-28) |",
        "|---|" + "---|" * (len(run.personas) + 2),
    ]
    for route in run.routes:
        cells = " | ".join(_cell_text(outcome, route.path, p) for p in run.personas)
        verdict = findings.verdict(outcome.route_gaps(route.path))
        lines.append(f"| `{route.path}` | {cells} | {verdict} | {seed_pass_verdict(route.path)} |")
    if outcome.new or outcome.blocking:
        lines += ["", "## To act on", ""]
        for gap in outcome.blocking + [g for g in outcome.new if g.gap_class is not GapClass.BLOCKING]:
            lines.append(f"- **{gap.gap_class.words}** `{gap.route}` ({gap.persona}) `{gap.path}`: {gap.reason}")
    if outcome.stale:
        lines += ["", "## Baseline entries no gap needs any more", ""]
        lines += [f"- `{e.route}` {e.gap_class} `{e.path}` ({', '.join(sorted(e.personas))})" for e in outcome.stale]
    lines += ["", "## Gaps by class", ""]
    for gap_class in GapClass:
        grouped: dict[tuple[str, str], list[str]] = {}
        for gap in run.gaps():
            if gap.gap_class is gap_class:
                grouped.setdefault((gap.route, gap.path), []).append(gap.persona)
        if grouped:
            lines.append(f"- **{gap_class.words}**")
            for (route_path, path), personas in sorted(grouped.items()):
                lines.append(f"  - `{route_path}` `{path}` ({', '.join(sorted(set(personas)))})")
    lines += ["", "## Gaps by route", ""]
    for route in run.routes:
        gaps = outcome.route_gaps(route.path)
        route_cells = [c for c in run.cells.values() if c.route == route.path]
        conditions = [(c.persona, x) for c in route_cells for x in c.conditions]
        scoped = [(c.persona, x) for c in route_cells for x in c.not_applicable]
        navigation = [(c.persona, x) for c in route_cells for x in c.navigation]
        candidates = run.candidates.get(route.path, [])
        if not gaps and not conditions and not scoped and not navigation and not candidates:
            continue
        lines += [f"### `{route.path}` ({route.operation})", ""]
        for gap in sorted(gaps, key=lambda g: (findings.SEVERITY.index(g.gap_class), g.path, g.persona)):
            link = f" [{gap.link}]" if gap.link else ""
            status = f" (accepted: {gap.accepted})" if gap.accepted else " **(not in the baseline)**"
            if gap.gap_class is GapClass.BLOCKING:
                status = ""
            lines.append(f"- {gap.gap_class.words} · {gap.persona} · `{gap.path}`: {gap.reason}{link}{status}")
        for persona, condition in conditions:
            lines.append(f"- runtime condition (not a gap) · {persona} · `{condition.path}`: {condition.reason}")
        for persona, rule in scoped:
            lines.append(f"- not applicable to this persona · {persona} · `{rule.path}`: {rule.reason}")
        for persona, note in navigation:
            lines.append(f"- navigation (not a gap) · {persona} · `{note.path}`: {note.reason}")
        if candidates:
            lines.append(f"- rendering candidates (selected by no operation): {', '.join(candidates)}")
        lines.append("")
    return "\n".join(lines) + "\n"
