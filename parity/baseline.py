"""The committed baseline of accepted gaps (parity-baseline.json).

Format (stable; ``format`` names its version)::

    {
      "format": "gateway-parity-baseline/1",
      "accepted": [
        {"route": "/storage/{id}", "class": "read_model", "path": "bucket.tabs.objects.availability",
         "personas": ["member", "project_admin", "tenant_admin"], "reason": "VAST object listing not validated"}
      ]
    }

One entry per (route, class, path), the personas it is accepted for (``"*"``: every persona) and one reason.
Entries are sorted, so a regenerated baseline diffs line by line. Blocking gaps are never accepted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parity.findings import Gap, GapClass

FORMAT = "gateway-parity-baseline/1"
DEFAULT_PATH = Path("parity-baseline.json")


class BaselineError(ValueError):
    """The baseline file is not one this version reads."""


@dataclass
class Entry:
    """One accepted gap, for some personas, with the reason it is accepted."""

    route: str
    gap_class: str
    path: str
    personas: set[str]
    reason: str

    def covers(self, gap: Gap) -> bool:
        """Whether this entry accepts the gap."""
        return (self.route, self.gap_class, self.path) == (gap.route, gap.gap_class.value, gap.path) and (
            "*" in self.personas or gap.persona in self.personas
        )

    def as_json(self) -> dict[str, Any]:
        """The entry as written to the file."""
        return {
            "route": self.route,
            "class": self.gap_class,
            "path": self.path,
            "personas": sorted(self.personas),
            "reason": self.reason,
        }


@dataclass
class Baseline:
    """Accepted gaps."""

    entries: list[Entry] = field(default_factory=list)

    def reason_for(self, gap: Gap) -> str | None:
        """The reason the baseline accepts a gap, or None."""
        if gap.gap_class is GapClass.BLOCKING:
            return None
        return next((e.reason for e in self.entries if e.covers(gap)), None)

    def stale(self, gaps: list[Gap], routes: set[str], personas: set[str]) -> list[Entry]:
        """Entries for the routes and personas this run covered that no gap needed any more."""
        return [
            e
            for e in self.entries
            if e.route in routes and ("*" in e.personas or e.personas & personas) and not any(e.covers(g) for g in gaps)
        ]

    def accept(self, gaps: list[Gap], reason: str, routes: set[str], personas: set[str]) -> Baseline:
        """The baseline after accepting every non-blocking gap of a run with ``reason``: entries that still
        apply keep their reason, persona sets follow the run, stale entries in the run's scope go."""
        kept: dict[tuple[str, str, str], Entry] = {}
        for entry in self.entries:
            in_scope = entry.route in routes
            people = entry.personas if "*" in entry.personas or not in_scope else entry.personas - personas
            if in_scope and "*" not in entry.personas:
                people |= {g.persona for g in gaps if entry.covers(g)}
            if in_scope and "*" in entry.personas and not any(entry.covers(g) for g in gaps):
                continue
            if people:
                kept[(entry.route, entry.gap_class, entry.path)] = Entry(
                    entry.route, entry.gap_class, entry.path, people, entry.reason
                )
        for gap in gaps:
            if gap.gap_class is GapClass.BLOCKING or any(e.covers(gap) for e in kept.values()):
                continue
            key = (gap.route, gap.gap_class.value, gap.path)
            if key in kept:
                kept[key].personas.add(gap.persona)
            else:
                kept[key] = Entry(gap.route, gap.gap_class.value, gap.path, {gap.persona}, reason)
        return Baseline(sorted(kept.values(), key=lambda e: (e.route, e.gap_class, e.path)))

    def dumps(self) -> str:
        """The file's text."""
        return json.dumps({"format": FORMAT, "accepted": [e.as_json() for e in self.entries]}, indent=2) + "\n"


def load(path: Path) -> Baseline:
    """The baseline at ``path`` (an empty one when the file does not exist)."""
    if not path.exists():
        return Baseline()
    try:
        raw = json.loads(path.read_text())
    except ValueError as error:
        raise BaselineError(f"{path} is not JSON: {error}") from error
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise BaselineError(f"{path} is not a {FORMAT} file")
    entries = []
    for number, item in enumerate(raw.get("accepted", [])):
        try:
            classes = {c.value for c in GapClass} - {GapClass.BLOCKING.value}
            if item["class"] not in classes:
                raise BaselineError(f"{path}: entry {number} has class {item['class']!r}; one of {sorted(classes)}")
            if not str(item["reason"]).strip():
                raise BaselineError(f"{path}: entry {number} has no reason")
            entries.append(
                Entry(item["route"], item["class"], item["path"], set(item["personas"]), str(item["reason"]))
            )
        except (KeyError, TypeError) as error:
            raise BaselineError(f"{path}: entry {number} lacks route, class, path, personas or reason") from error
    return Baseline(entries)
