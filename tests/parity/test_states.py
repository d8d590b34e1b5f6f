"""Typed states as the pass reads them, and the committed operations select what it needs to read them."""

from __future__ import annotations

import pytest
from graphql import FieldNode, TypeInfo, TypeInfoVisitor, Visitor, get_named_type, parse, visit

from gateway.app import load_schema
from gateway.settings import Settings
from parity.findings import GapClass, from_states
from parity.routes import load_index
from parity.walk import Observation, TypedState

SCHEMA = load_schema(Settings().schema)._schema
INDEX = load_index()


class _AvailabilitySelections(Visitor):
    def __init__(self, info: TypeInfo) -> None:
        super().__init__()
        self.info = info
        self.lacking: list[str] = []

    def enter_field(self, node: FieldNode, *_: object) -> None:
        field_type = self.info.get_type()
        if field_type is not None and get_named_type(field_type).name == "Availability":
            chosen = {s.name.value for s in node.selection_set.selections if isinstance(s, FieldNode)}
            if not {"state", "gap"} <= chosen:
                self.lacking.append(node.name.value)


@pytest.mark.parametrize("route", sorted(INDEX.routes))
def test_every_page_selects_the_gap_class_of_its_typed_states(route: str) -> None:
    info = TypeInfo(SCHEMA)
    visitor = _AvailabilitySelections(info)
    visit(parse(INDEX.routes[route].document), TypeInfoVisitor(info, visitor))
    assert visitor.lacking == [], "select `state` and `gap` of every Availability: the parity pass classifies by them"


def _classify(*states: TypedState) -> tuple[dict[str, GapClass], list[str]]:
    seen = Observation(states=list(states))
    gaps, conditions = from_states("/r", "member", seen)
    return {g.path: g.gap_class for g in gaps}, [c.path for c in conditions]


def test_states_map_to_classes_and_runtime_conditions_are_no_gap() -> None:
    gaps, conditions = _classify(
        TypedState("a", "AVAILABLE", None, None, None),
        TypedState("b", "UNAVAILABLE", None, "not running", "/x"),
        TypedState("c", "UNAVAILABLE", "READ_MODEL", "not validated", "/docs"),
        TypedState("d", "FUTURE", "FUTURE_PRODUCT", "later", "/docs"),
        TypedState("e", "EMPTY", None, "nothing yet", "/docs"),
        TypedState("f", "UNAVAILABLE", None, "old document", None, classified=False),
    )
    assert gaps == {
        "c": GapClass.READ_MODEL,
        "d": GapClass.FUTURE_PRODUCT,
        "e": GapClass.SEED,
        "f": GapClass.READ_MODEL,
    }
    assert conditions == ["b"]
