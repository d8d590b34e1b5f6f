"""Gaps: the product document's four classes plus blocking, how one route and persona's observation turns
into them, and the verdict per route in the document's own words."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from parity.walk import Observation


class GapClass(Enum):
    """Ordered from worst to mildest: a cell of the matrix takes the colour of its worst gap."""

    BLOCKING = "blocking"
    READ_MODEL = "read_model"
    SEED = "seed"
    RENDERING = "rendering"
    FUTURE_PRODUCT = "future_product"

    @property
    def words(self) -> str:
        """How the product document names the class."""
        return {
            GapClass.BLOCKING: "blocking gap",
            GapClass.READ_MODEL: "read-model gap",
            GapClass.SEED: "seed gap",
            GapClass.RENDERING: "rendering gap",
            GapClass.FUTURE_PRODUCT: "future-product gap",
        }[self]


SEVERITY = list(GapClass)
# The schema's GapClass values (Availability.gap) -> the pass's classes.
_SCHEMA_GAPS = {"READ_MODEL": GapClass.READ_MODEL, "SEED": GapClass.SEED, "FUTURE_PRODUCT": GapClass.FUTURE_PRODUCT}


@dataclass(frozen=True)
class Gap:
    """One classified lack of data on a route for a persona. ``path`` is the response path (dotted, no indices)
    or ``$variable``; (route, persona, class, path) is its identity in the baseline."""

    route: str
    persona: str
    gap_class: GapClass
    path: str
    reason: str
    link: str | None = None
    accepted: str | None = None  # the baseline's reason, when the baseline lists it

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Identity in the baseline."""
        return (self.route, self.persona, self.gap_class.value, self.path)


@dataclass(frozen=True)
class Condition:
    """A typed UNAVAILABLE state with no gap class: a runtime condition (not running, not the viewer's to
    manage), reported for reading, never a gap."""

    path: str
    reason: str | None
    link: str | None


def from_states(route: str, persona: str, seen: Observation) -> tuple[list[Gap], list[Condition]]:
    """Future-product, read-model and seed gaps the typed states declare; runtime conditions apart."""
    gaps: dict[str, Gap] = {}
    conditions: dict[str, Condition] = {}
    for state in seen.states:
        if state.state == "AVAILABLE" and state.gap is None:
            continue
        if state.gap in _SCHEMA_GAPS:
            gap_class = _SCHEMA_GAPS[state.gap]
        elif state.state == "FUTURE":
            gap_class = GapClass.FUTURE_PRODUCT
        elif state.state == "EMPTY":
            gap_class = GapClass.SEED
        elif not state.classified:  # cannot tell a runtime condition from a gap: count it, conservatively
            reason = f"unclassified (the operation does not select `gap`): {state.reason or state.state}"
            gaps.setdefault(state.path, Gap(route, persona, GapClass.READ_MODEL, state.path, reason, state.link))
            continue
        else:
            conditions.setdefault(state.path, Condition(state.path, state.reason, state.link))
            continue
        reason = state.reason or f"typed state {state.state}"
        if state.state == "EMPTY":
            reason = f"empty for this persona: {reason}"
        gaps.setdefault(state.path, Gap(route, persona, gap_class, state.path, reason, state.link))
    return list(gaps.values()), list(conditions.values())


def seed_gaps(route: str, persona: str, seen: Observation) -> list[Gap]:
    """Lists and objects the page selects that never had data for the persona, with no typed state saying why;
    fragments on a concrete type no response matched; kinds of the opened object the data never offered."""
    gaps: list[Gap] = []
    excused = seen.excused
    for path in sorted(seen.lists_empty - seen.lists_with_data - excused):
        gaps.append(Gap(route, persona, GapClass.SEED, path, "list is empty in every response, with no typed state"))
    for path in sorted(seen.objects_null - seen.objects_with_data - seen.lists_with_data - excused):
        gaps.append(Gap(route, persona, GapClass.SEED, path, "null in every response, with no typed state"))
    for where, type_name in sorted(seen.fragments_declared - seen.fragments_matched):
        gaps.append(
            Gap(
                route,
                persona,
                GapClass.SEED,
                f"{where} ... on {type_name}",
                f"the page has a fragment for {type_name} but no response held one",
            )
        )
    for where, kinds in sorted(seen.root_kinds.items()):
        for missing in sorted(set(seen.root_kind_values.get(where, ())) - kinds):
            gaps.append(
                Gap(route, persona, GapClass.SEED, f"{where}={missing}", f"no object of kind {missing} to open")
            )
    return gaps


@dataclass(frozen=True)
class NotApplicable:
    """A variant a persona never receives because a `@scopedTo` declaration of the schema keeps it from that
    persona's role: not a gap. ``path`` is where the seed gap would have been."""

    path: str
    reason: str


def _covers(scoped: str, path: str) -> bool:
    """``path`` (a gap's path) is the scoped path, below it, or a fragment on it."""
    return path == scoped or path.startswith((f"{scoped}.", f"{scoped} ... on "))


def apart_not_applicable(gaps: list[Gap], seen: Observation) -> tuple[list[Gap], list[NotApplicable]]:
    """Seed gaps a declaration explains for this persona, set apart as not applicable to it. A path that was
    also null or empty where no declaration applied keeps its gap."""
    kept: list[Gap] = []
    apart: list[NotApplicable] = []
    for gap in gaps:
        rule = next(
            (
                d
                for scoped, d in sorted(seen.not_applicable.items())
                if _covers(scoped, gap.path) and scoped not in seen.unscoped
            ),
            None,
        )
        if gap.gap_class is GapClass.SEED and rule is not None:
            apart.append(NotApplicable(gap.path, rule.words()))
        else:
            kept.append(gap)
    return kept, apart


def contradicted(route: str, persona: str, seen: Observation) -> list[Gap]:
    """Responses that break a `@scopedTo` declaration: blocking, since a declaration that lies hides gaps."""
    return [
        Gap(route, persona, GapClass.BLOCKING, path, f"contradicts @scopedTo on {d.where} ({d.reason}): {what}")
        for path, (d, what) in sorted(seen.contradicted.items())
    ]


def worst(gaps: list[Gap]) -> GapClass | None:
    """The worst class among gaps (None: no gap)."""
    return min((g.gap_class for g in gaps), key=SEVERITY.index, default=None)


def verdict(gaps: list[Gap]) -> str:
    """The route's verdict in the product document's words: "no blocking gap", "read-model gap, accepted", ..."""
    if any(g.gap_class is GapClass.BLOCKING for g in gaps):
        return "blocking gap"
    classes = [c for c in SEVERITY if any(g.gap_class is c for g in gaps)]
    if not classes:
        return "no blocking gap"
    words = " + ".join(c.words for c in classes)
    new = [g for g in gaps if g.accepted is None]
    return f"{words}, accepted" if not new else f"{words}, {len(new)} not in the baseline"
