"""The HTML report: one self-contained page (no script, no external asset) with the route x persona matrix
coloured by each cell's worst gap; every cell opens its classified list (path, reason, link)."""

from __future__ import annotations

from html import escape

from parity import findings
from parity.findings import Gap, GapClass
from parity.report import Outcome
from parity.routes import seed_pass_verdict

COLOURS = {
    GapClass.BLOCKING: "#d93025",
    GapClass.READ_MODEL: "#f29900",
    GapClass.SEED: "#f6c343",
    GapClass.RENDERING: "#a142f4",
    GapClass.FUTURE_PRODUCT: "#4285f4",
}
NO_GAP = "#1e8e3e"

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #202124; }
h1 { font-size: 22px; margin: 0 0 4px; } .meta { color: #5f6368; margin-bottom: 16px; }
table.matrix { border-collapse: collapse; width: 100%; table-layout: fixed; }
col.route { width: 190px; } col.verdict { width: 230px; } col.seedpass { width: 200px; }
.matrix td, .matrix th { overflow-wrap: anywhere; }
.matrix th, .matrix td { border: 1px solid #dadce0; padding: 6px 8px; vertical-align: top; text-align: left; }
.matrix th { background: #f1f3f4; }
td.cell { min-width: 150px; } td.na { color: #9aa0a6; text-align: center; }
summary { cursor: pointer; font-weight: 600; }
.badge { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
ul.gaps { margin: 6px 0 0; padding-left: 16px; font-size: 12px; } ul.gaps li { margin-bottom: 4px; }
code { font-size: 12px; background: #f1f3f4; padding: 0 3px; border-radius: 3px; }
.legend span { margin-right: 14px; } .new { color: #d93025; font-weight: 600; }
.verdict { font-weight: 600; } .seed { color: #5f6368; font-size: 12px; }
"""


def _gap_item(gap: Gap) -> str:
    link = f' · <a href="{escape(gap.link)}">{escape(gap.link)}</a>' if gap.link else ""
    if gap.gap_class is GapClass.BLOCKING:
        status = ""
    elif gap.accepted:
        status = f" · accepted: {escape(gap.accepted)}"
    else:
        status = ' · <span class="new">not in the baseline</span>'
    badge = f'<span class="badge" style="background:{COLOURS[gap.gap_class]}"></span>'
    return (
        f"<li>{badge}<b>{escape(gap.gap_class.words)}</b> <code>{escape(gap.path)}</code>: "
        f"{escape(gap.reason)}{link}{status}</li>"
    )


def _cell(outcome: Outcome, route: str, persona: str) -> str:
    cell = outcome.run.cells.get((route, persona))
    if cell is None or cell.status == "not allowed":
        return '<td class="na">·</td>'
    if cell.status == "skipped":
        return f'<td class="na" title="{escape(cell.note)}">skipped</td>'
    worst = findings.worst(cell.gaps)
    colour = COLOURS[worst] if worst else NO_GAP
    title = worst.words if worst else "no gap"
    items = "".join(_gap_item(g) for g in sorted(cell.gaps, key=lambda g: findings.SEVERITY.index(g.gap_class)))
    items += "".join(
        f"<li>runtime condition (not a gap) <code>{escape(c.path)}</code>: {escape(c.reason or '')}</li>"
        for c in cell.conditions
    )
    items += "".join(
        f"<li>not applicable to this persona <code>{escape(n.path)}</code>: {escape(n.reason)}</li>"
        for n in cell.not_applicable
    )
    items += "".join(
        f"<li>navigation (not a gap) <code>{escape(n.path)}</code>: {escape(n.reason or '')}</li>"
        for n in cell.navigation
    )
    body = f'<ul class="gaps">{items}</ul>' if items else ""
    label = f"{title} ({len(cell.gaps)})" if cell.gaps else title
    # Cells that need action (blocking, or a gap the baseline does not accept) open by themselves.
    opened = " open" if any(g.gap_class is GapClass.BLOCKING or g.accepted is None for g in cell.gaps) else ""
    return (
        f'<td class="cell" style="border-left: 6px solid {colour}"><details{opened}><summary>{escape(label)}</summary>'
        f"<div>{cell.runs} response(s)</div>{body}</details></td>"
    )


def to_html(outcome: Outcome) -> str:
    """The report page."""
    run = outcome.run
    counts = outcome.counts()
    legend = "".join(
        f'<span><span class="badge" style="background:{COLOURS[c]}"></span>{escape(c.words)}: {counts[c.value]}</span>'
        for c in GapClass
    )
    legend += f'<span><span class="badge" style="background:{NO_GAP}"></span>no gap</span>'
    head = "".join(f"<th>{escape(p)}</th>" for p in run.personas)
    rows = []
    for route in run.routes:
        cells = "".join(_cell(outcome, route.path, p) for p in run.personas)
        verdict = findings.verdict(outcome.route_gaps(route.path))
        candidates = run.candidates.get(route.path, [])
        extra = (
            f'<details class="seed"><summary>{len(candidates)} rendering candidate(s)</summary>'
            f"{escape(', '.join(candidates))}</details>"
            if candidates
            else ""
        )
        rows.append(
            f"<tr><th><code>{escape(route.path)}</code><div class='seed'>{escape(route.operation)}</div></th>{cells}"
            f'<td><div class="verdict">{escape(verdict)}</div>{extra}</td>'
            f'<td class="seed">{escape(seed_pass_verdict(route.path))}</td></tr>'
        )
    status = "passes" if outcome.exit_code == 0 else "fails"
    summary = (
        f"{len(outcome.blocking)} blocking · {len(outcome.new)} not in the baseline · "
        f"{len(outcome.stale)} stale baseline entries · the pass {status} (exit {outcome.exit_code})"
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parity pass</title><style>{_STYLE}</style></head>
<body>
<h1>Parity pass</h1>
<div class="meta">{escape(run.target)} · {escape(outcome.generated_at)} · {escape(summary)}</div>
<p class="legend">{legend}</p>
<table class="matrix">
<colgroup><col class="route">{"<col>" * len(run.personas)}<col class="verdict"><col class="seedpass"></colgroup>
<thead><tr><th>Route</th>{head}<th>Verdict</th><th>Seed pass (2026-04-28)</th></tr></thead>
<tbody>
{"".join(rows)}
</tbody></table>
</body></html>
"""
