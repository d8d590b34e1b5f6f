"""The route index (operations/index.json), the product document's cutover list, and its verdicts per route."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.documents import DEFAULT_OPERATIONS_DIR

# The product document's "Cutover Recommendation": the routes the parity pass must cover before cutover.
CUTOVER_ROUTES = (
    "/workloads",
    "/workloads/{id}",
    "/storage",
    "/storage/{id}",
    "/access",
    "/access/connectivity",
    "/access/identity",
    "/access/audit",
    "/evidence",
    "/platform/evidence",
    "/tenant/overview",
    "/project/overview",
    "/account",
    "/platform/overview",
    "/platform/lifecycle",
    "/notifications",
    "/developer/downloads",
    "/schedulers",
)
ROUTE_SETS = {"cutover": CUTOVER_ROUTES}

# The classification the product document's 2026-04-28 pass gave each route family, in its own words.
_SEED_PASS = (
    (r"^/workloads", "read-model gap, accepted for first internal cutover"),
    (r"^/compute$", "no blocking gap"),
    (r"^/apps", "no blocking gap"),
    (r"^/launch/", "future-product gap"),
    (r"^/storage", "read-model gap + future-product gap"),
    (r"^/access", "future-product gap"),
    (r"^/account", "future-product gap"),
    (r"^/evidence$", "no blocking gap"),
    (r"^/(tenant|project)/overview$", "read-model gap, accepted for first internal cutover"),
    (r"^/platform/", "rendering gap for dense admin drill-downs, not blocking first cutover"),
    (r"^/(notifications|developer/downloads|schedulers)$", "no blocking gap"),
)


def seed_pass_verdict(route: str) -> str:
    """What the product document's own parity pass said about the route's family ("" when it did not)."""
    return next((verdict for pattern, verdict in _SEED_PASS if re.search(pattern, route)), "")


@dataclass(frozen=True)
class Route:
    """One page: its path, its operation document and who may open it."""

    path: str
    operation: str
    document: str
    personas: tuple[str, ...]
    variables: dict[str, str]  # variable name -> what fills it: "Workload" (a global id) or "App.slug"

    def link_pattern(self) -> re.Pattern[str]:
        """Matches a console link to this page, capturing its variables."""
        parts = re.split(r"\{(\w+)\}", self.path)
        regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/?#]+)" for i, p in enumerate(parts))
        return re.compile(f"^{regex}$")


@dataclass(frozen=True)
class RouteIndex:
    """Every route of the committed index, plus the documents of the other operations (for field coverage)."""

    routes: dict[str, Route]
    other_documents: tuple[str, ...]

    def select(self, wanted: list[str] | None) -> list[Route]:
        """Routes by path or named set (``cutover``); all of them when ``wanted`` is empty."""
        if not wanted:
            return list(self.routes.values())
        chosen: list[str] = []
        for name in wanted:
            names = ROUTE_SETS.get(name, (name,))
            for path in names:
                if path not in self.routes:
                    known = ", ".join(sorted(self.routes))
                    raise ValueError(f"unknown route {path!r}; routes: {known}; named sets: {', '.join(ROUTE_SETS)}")
                if path not in chosen:
                    chosen.append(path)
        return [self.routes[p] for p in chosen]


def load_index(directory: Path = DEFAULT_OPERATIONS_DIR) -> RouteIndex:
    """The committed route index with each operation's text."""
    index: dict[str, Any] = json.loads((directory / "index.json").read_text())
    routes = {
        path: Route(
            path,
            entry["operation"],
            (directory / entry["file"]).read_text(),
            tuple(entry["personas"]),
            dict(entry["variables"]),
        )
        for path, entry in index["routes"].items()
    }
    route_files = {directory / e["file"] for e in index["routes"].values()}
    others = tuple(p.read_text() for p in sorted(directory.rglob("*.graphql")) if p not in route_files)
    return RouteIndex(routes, others)
