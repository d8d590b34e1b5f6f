"""Runs the pass: every selected route for every persona allowed to open it, with ids the data offers."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from graphql import GraphQLSchema, parse

from gateway.errors import BadUserInput
from gateway.ids import decode_global_id, encode_global_id
from parity import findings
from parity.findings import Condition, Gap, GapClass, NotApplicable
from parity.pickers import offered, picker_variants
from parity.rendering import unrendered
from parity.routes import Route, RouteIndex
from parity.scoping import read
from parity.targets import Answer, Target
from parity.walk import Harvested, Observation, ResponseWalker

MAX_OPENED = 8  # objects a detail route is opened with, per persona: one per variety the lists offer
MAX_LINK_CHECKS = 100  # distinct link targets resolved per persona
CONCURRENCY = 6
FIGURE_REREADS = 3  # two pages whose figures disagree are read again together this many times

# Figures two pages show for the same subject (route, dotted data path): they must agree.
FIGURE_CHECKS = (
    (
        "tenant balance",
        ("/tenant/overview", "tenantOverview.spend.balance.amount"),
        ("/account/billing", "account.billing.balance.amount"),
    ),
    (
        "tenant month-to-date spend",
        ("/tenant/overview", "tenantOverview.spend.tenantMonthToDate.amount"),
        ("/account/billing", "account.billing.monthToDate.amount"),
    ),
)


@dataclass
class Cell:
    """One route for one persona."""

    route: str
    persona: str
    status: str  # ran | skipped | not allowed
    note: str = ""
    runs: int = 0
    gaps: list[Gap] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    not_applicable: list[NotApplicable] = field(default_factory=list)  # kept from the persona by `@scopedTo`
    # Links to a page outside the persona's navigation (operations/index.json): the API resolves them, but the
    # console would not open them for this persona. Reported for the page owners; not one of the gap classes.
    navigation: list[Condition] = field(default_factory=list)
    observation: Observation = field(default_factory=Observation)


@dataclass
class PassRun:
    """Cells by route and persona, with the rendering candidates per route."""

    target: str
    routes: list[Route]
    personas: list[str]
    cells: dict[tuple[str, str], Cell]
    candidates: dict[str, list[str]]
    unchecked_links: int = 0
    manifest_routes: set[str] | None = None

    def gaps(self) -> list[Gap]:
        """Every gap of every cell."""
        return [g for cell in self.cells.values() for g in cell.gaps]


Progress = Callable[[Cell], None]


class Pass:
    """One parity pass over a target."""

    def __init__(
        self,
        schema: GraphQLSchema,
        index: RouteIndex,
        target: Target,
        *,
        rendered: dict[str, set[str]] | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.schema = schema
        self.index = index
        self.target = target
        self.rendered = rendered
        self.progress = progress or (lambda cell: None)
        self.gate = asyncio.Semaphore(CONCURRENCY)
        declarations = read(schema)
        self.walkers = {
            path: ResponseWalker(schema, parse(r.document), declarations) for path, r in index.routes.items()
        }
        self.answers: dict[tuple[str, str], list[dict[str, Any]]] = {}

    async def run(self, routes: list[Route], personas: list[str]) -> PassRun:
        """Every route for every persona in ``personas`` it allows."""
        result = PassRun(self.target.label, routes, personas, {}, {})
        for persona in personas:
            await self._persona(persona, routes, result)
        return result

    async def _send(self, persona: str, route: Route, variables: dict[str, Any]) -> Answer:
        async with self.gate:
            return await self.target.execute(persona, route.document, route.operation, variables)

    async def _persona(self, persona: str, routes: list[Route], result: PassRun) -> None:
        chosen = {r.path for r in routes}
        for route in routes:
            if persona not in route.personas:
                result.cells[(route.path, persona)] = Cell(route.path, persona, "not allowed")
            elif persona not in self.target.personas():
                cell = Cell(route.path, persona, "skipped", "no credentials for this persona (--token)")
                result.cells[(route.path, persona)] = cell
                self.progress(cell)
        if persona not in self.target.personas():
            return
        # Lists first: every route without variables the persona may open offers ids to the detail routes.
        needs_ids = any(r.variables and persona in r.personas for r in routes)
        plain = [
            r
            for r in self.index.routes.values()
            if persona in r.personas and not r.variables and (needs_ids or r.path in chosen)
        ]
        answers = await asyncio.gather(*(self._send(persona, r, {}) for r in plain))
        harvest: list[Harvested] = []
        first_views: list[Cell] = []
        for route, answer in zip(plain, answers, strict=True):
            cell = self._cell(route, persona, [({}, answer)])
            harvest.extend(cell.observation.harvest)
            harvest.extend(self._linked(cell.observation))
            first_views.append(cell)
        for route, answer, cell in zip(plain, answers, first_views, strict=True):
            if route.path in chosen:
                picked = await self._picked(persona, route, harvest)  # after the harvest: picks need its ids
                if picked:
                    cell = self._cell(route, persona, [({}, answer), *picked])
                result.cells[(route.path, persona)] = cell
                self.progress(cell)
        for route in routes:
            if not route.variables or persona not in route.personas:
                continue
            sets, missing = _variable_sets(route, persona, harvest)
            opened = await asyncio.gather(*(self._send(persona, route, v) for v in sets))
            cell = self._cell(route, persona, list(zip(sets, opened, strict=True)))
            cell.gaps.extend(missing)
            result.cells[(route.path, persona)] = cell
            self.progress(cell)
        result.unchecked_links += await self._check_links(
            persona, [c for c in result.cells.values() if c.persona == persona and c.status == "ran"]
        )
        await self._check_figures(persona, result)

    async def _picked(
        self, persona: str, route: Route, harvest: list[Harvested]
    ) -> list[tuple[dict[str, Any], Answer]]:
        """The page opened with each value of its pickers the persona is offered (see parity.pickers)."""
        variants = picker_variants(self.schema, route.document, harvest)
        answers = await asyncio.gather(*(self._send(persona, route, v) for v in variants))
        return [(v, a) for v, a in zip(variants, answers, strict=True) if offered(a.body)]

    def _cell(self, route: Route, persona: str, answers: list[tuple[dict[str, Any], Answer]]) -> Cell:
        cell = Cell(route.path, persona, "ran")
        walker = self.walkers[route.path]
        for variables, answer in answers:
            shown = f" (variables {variables})" if variables else ""
            if answer.status != 200:
                cell.gaps.append(
                    Gap(
                        route.path,
                        persona,
                        GapClass.BLOCKING,
                        "$http",
                        f"HTTP {answer.status}{shown}: {_messages(answer)}",
                    )
                )
            for error in answer.body.get("errors") or []:
                where = ".".join(str(p) for p in error.get("path") or []) or "$errors"
                code = (error.get("extensions") or {}).get("code", "")
                cell.gaps.append(
                    Gap(
                        route.path,
                        persona,
                        GapClass.BLOCKING,
                        where,
                        f"{code} {error.get('message', '')}{shown}".strip(),
                    )
                )
            data = answer.body.get("data")
            if isinstance(data, dict):
                walker.walk(data, cell.observation, opened=bool(route.variables), persona=persona)
                self.answers.setdefault((route.path, persona), []).append(data)
        cell.runs = cell.observation.runs
        typed, cell.conditions = findings.from_states(route.path, persona, cell.observation)
        cell.gaps.extend(typed)
        seed, cell.not_applicable = findings.apart_not_applicable(
            findings.seed_gaps(route.path, persona, cell.observation), cell.observation
        )
        cell.gaps.extend(seed)
        cell.gaps.extend(findings.contradicted(route.path, persona, cell.observation))
        if self.rendered is not None and route.path in self.rendered:
            cell.gaps.extend(unrendered(route.path, persona, cell.observation.received, self.rendered[route.path]))
        return cell

    def _linked(self, seen: Observation) -> list[Harvested]:
        """Objects the page links to (a row's route to its detail page) are ids the data offers too."""
        found = []
        for _, link in sorted(seen.links):
            path = urlsplit(link).path
            for route in self.index.routes.values():
                match = route.link_pattern().match(path) if route.variables else None
                if match is not None:
                    ((name, kind),) = route.variables.items()
                    found.append(Harvested(kind, _variable_value(kind, match.group(name)), "", False))
        return found

    async def _check_links(self, persona: str, cells: list[Cell]) -> int:
        """Console links must match a route and, when they name an object, resolve through the API."""
        families = {r.path.split("/")[1] for r in self.index.routes.values()}
        targets: dict[tuple[str, str], list[tuple[Cell, str, str]]] = {}
        for cell in cells:
            for where, link in sorted(cell.observation.links):
                path = urlsplit(link).path
                match = next(((r, m) for r in self.index.routes.values() if (m := r.link_pattern().match(path))), None)
                if match is None:
                    if path.split("/")[1] in families:
                        reason = f"link {link} matches no route"
                        cell.gaps.append(Gap(cell.route, persona, GapClass.BLOCKING, f"{where} -> {path}", reason))
                    continue
                route, found = match
                pointer = f"{where} -> {route.path}"
                if persona not in route.personas and all(n.path != pointer for n in cell.navigation):
                    reason = f"links to {route.path} (e.g. {link}), a page outside this persona's navigation"
                    cell.navigation.append(Condition(pointer, reason, link))
                if route.variables:
                    targets.setdefault((route.path, found.group(0)), []).append((cell, where, link))
        checked = sorted(targets)[:MAX_LINK_CHECKS]
        answers = await asyncio.gather(*(self._resolve(persona, self.index.routes[r], p) for r, p in checked))
        for key, resolved in zip(checked, answers, strict=True):
            if not resolved:
                for cell, where, link in targets[key]:
                    reason = f"link {link} does not resolve through the API"
                    cell.gaps.append(Gap(cell.route, persona, GapClass.BLOCKING, f"{where} -> {link}", reason))
        return len(targets) - len(checked)

    async def _resolve(self, persona: str, route: Route, path: str) -> bool:
        found = route.link_pattern().match(path)
        assert found is not None
        variables: dict[str, Any] = {}
        for name, kind in route.variables.items():
            variables[name] = _variable_value(kind, found.group(name))
        answer = await self._send(persona, route, variables)
        data = answer.body.get("data") or {}
        return answer.status == 200 and not answer.body.get("errors") and all(v is not None for v in data.values())

    async def _check_figures(self, persona: str, result: PassRun) -> None:
        for label, (route_a, path_a), (route_b, path_b) in FIGURE_CHECKS:
            cell = result.cells.get((route_a, persona))
            first = _figure(self.answers.get((route_a, persona)), path_a)
            second = _figure(self.answers.get((route_b, persona)), path_b)
            if cell is None or first is None or second is None or first == second:
                continue
            # Money accrues while workloads run: pages read seconds apart differ by cents. Read both at once;
            # a real contradiction stays one.
            for _ in range(FIGURE_REREADS):
                answers = await asyncio.gather(
                    *(self._send(persona, self.index.routes[r], {}) for r in (route_a, route_b))
                )
                first, second = (
                    _figure([a.body.get("data") or {}], p) for a, p in zip(answers, (path_a, path_b), strict=True)
                )
                if first == second:
                    break
            if first == second:
                continue
            cell.gaps.append(
                Gap(
                    route_a,
                    persona,
                    GapClass.BLOCKING,
                    path_a,
                    f"{label} {first} contradicts {route_b} ({path_b} = {second})",
                )
            )


def _variable_value(kind: str, value: str) -> str:
    """A route variable from a console link: links carry local ids, the operation takes global ones."""
    if "." in kind:  # a field such as App.slug, as is
        return value
    try:
        decode_global_id(value)
    except BadUserInput:
        return encode_global_id(kind, value)
    return value


def _messages(answer: Answer) -> str:
    errors = answer.body.get("errors") or []
    return "; ".join(str(e.get("message", "")) for e in errors)[:300] or "no GraphQL body"


def _figure(answers: list[dict[str, Any]] | None, path: str) -> Decimal | None:
    if not answers:
        return None
    value: Any = answers[0]
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


def _variable_sets(route: Route, persona: str, harvest: list[Harvested]) -> tuple[list[dict[str, Any]], list[Gap]]:
    """One set of variables per variety of object the lists offered (running ones first), or seed gaps."""
    ((name, kind),) = route.variables.items()
    offered = [h for h in harvest if h.kind == kind]
    # One object per variety first; then the objects the persona's pages mention most (a node with workloads and
    # tasks is named on several pages), running ones first, up to MAX_OPENED.
    mentions = Counter(h.value for h in offered)
    ranked = sorted(offered, key=lambda h: (not h.running, -mentions[h.value], h.value))
    by_variety: dict[str, Harvested] = {}
    for item in ranked:
        by_variety.setdefault(item.variety, item)
    values = list(dict.fromkeys([h.value for h in by_variety.values()] + [h.value for h in ranked]))[:MAX_OPENED]
    if values:
        return [{name: v} for v in values], []
    reason = f"no {kind} id in any list this persona can open, so the page cannot be opened"
    return [], [Gap(route.path, persona, GapClass.SEED, f"${name}", reason)]
