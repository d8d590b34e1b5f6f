"""Each `@scopedTo` declaration of the schema matches what the resolvers answer.

The pass runs every route as every persona on the seeded embedded services and keeps, per declaration, what the
responses showed (``parity.scoping.Evidence``). A declaration holds when:
- it applied somewhere (a route selects the field for a viewer or object it names), and never was contradicted;
- a viewer or object it does not name received what it rules out: the null or the missing variant is the rule,
  not data the seed lacks (a declaration naming a role that does receive the value would be contradicted; one
  describing data nobody has would have no such evidence);
- for OWN_ITEMS, every item its viewers received is held by that viewer's user.
The mutation tests change the committed SDL (or a resolver) so a declaration lies, and the pass must say so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLEnumType, GraphQLInterfaceType, GraphQLObjectType, build_schema, get_named_type, parse

from gateway.app import load_schema
from gateway.settings import Settings
from parity.cli import run_pass
from parity.findings import GapClass
from parity.report import Outcome
from parity.scoping import OWN_ITEMS, Declaration, Evidence, from_sdl, read
from parity.walk import Observation, ResponseWalker
from reference_services.embedded import create_services
from tests.parity.support import gaps_of, target_on

ROOT = Path(__file__).resolve().parents[2]
SDL = (ROOT / "schema" / "schema.graphql").read_text()
SCHEMA = load_schema(Settings().schema)._schema
# "(null for the owner)", "(null for platform operators)": the wording the pass used to read role conditions from.
ROLE_WORDING = re.compile(r"\(null for (?:the |platform )?([a-z_]+?)s?\)", re.IGNORECASE)
VIEWER = "query Me { viewer { user { id } } }"
# Declared fields no route operation selects, read with a document of their own as every persona.
UNROUTED = {"Viewer.tenant": "query ViewerTenant { viewer { persona tenant { id name } } }"}


def merged(outcome: Outcome, persona: str | None = None) -> dict[Declaration, Evidence]:
    """Evidence per declaration over every cell (of one persona)."""
    found: dict[Declaration, Evidence] = {}
    for cell in outcome.run.cells.values():
        if persona not in (None, cell.persona):
            continue
        for declaration, evidence in cell.observation.evidence.items():
            found.setdefault(declaration, Evidence()).add(evidence)
    return found


def declarations() -> list[Declaration]:
    return [d for declared in read(SCHEMA).values() for d in declared]


def contradictions(outcome: Outcome) -> list[str]:
    return [f"{g.route} {g.persona} {g.path}" for g in gaps_of(outcome, GapClass.BLOCKING) if "@scopedTo" in g.reason]


def test_the_pass_reads_the_declarations_the_committed_sdl_prints() -> None:
    assert read(SCHEMA) == from_sdl(SDL) == read(build_schema(SDL))
    where = {d.where for d in declarations()}
    assert {"OverviewAccess.expiringCredentials", "Access.credentials", "Viewer.tenant"} <= where


def _role_worded_fields() -> Iterator[tuple[str, str, str]]:
    """Fields whose description says "(null for X)" where X is a persona or one of the type's enum values."""
    personas = SCHEMA.get_type("Persona")
    assert isinstance(personas, GraphQLEnumType)
    roles = {v.lower() for v in personas.values}
    for named in SCHEMA.type_map.values():
        if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType) or named.name.startswith("__"):
            continue
        siblings = {
            v.lower()
            for f in named.fields.values()
            if isinstance(enum := get_named_type(f.type), GraphQLEnumType)
            for v in enum.values
        }
        for name, definition in named.fields.items():
            match = ROLE_WORDING.search(definition.description or "")
            if match and match.group(1).lower() in roles | siblings:
                yield named.name, name, match.group(0)


def test_every_role_condition_a_description_states_is_declared() -> None:
    worded = list(_role_worded_fields())
    assert len(worded) >= 7  # Viewer/AccountProfile.tenant, BucketViewerAccess x3, AccessAudience x2
    declared = read(SCHEMA)
    assert [w for w in worded if (w[0], w[1]) not in declared] == []


async def _viewer_ids_and_unrouted(personas: list[str]) -> tuple[dict[str, str], dict[str, Observation]]:
    """Each persona's user id, and what the UNROUTED documents showed each persona."""
    target = await target_on(create_services())
    ids, seen = {}, {}
    for persona in personas:
        answer = await target.execute(persona, VIEWER, "Me", {})
        ids[persona] = answer.body["data"]["viewer"]["user"]["id"]
        seen[persona] = Observation()
        for document in UNROUTED.values():
            walker = ResponseWalker(SCHEMA, parse(document))
            answer = await target.execute(persona, document, walker.operation.name.value, {})  # type: ignore[union-attr]
            assert not answer.body.get("errors"), answer.body
            walker.walk(answer.body["data"], seen[persona], opened=False, persona=persona)
    await target.aclose()
    return ids, seen


async def test_every_declaration_matches_what_the_resolvers_answer() -> None:
    target = await target_on(create_services())
    outcome = await run_pass(target)
    await target.aclose()
    evidence = merged(outcome)
    assert contradictions(outcome) == []
    viewer_ids, unrouted = await _viewer_ids_and_unrouted(outcome.run.personas)
    for observation in unrouted.values():
        assert observation.contradicted == {}
        for declaration, extra in observation.evidence.items():
            evidence.setdefault(declaration, Evidence()).add(extra)
    for declaration in declarations():
        seen = evidence.get(declaration, Evidence())
        assert seen.applied > 0, f"no route selects {declaration.where} for a viewer it names"
        assert seen.contradicted == 0, declaration.where
        assert seen.others_set > 0, f"nobody outside {declaration.words()} receives the value: missing data?"
    for declaration in (d for d in declarations() if d.gets == OWN_ITEMS):
        for persona in declaration.personas:
            holders = merged(outcome, persona).get(declaration, Evidence()).holders
            assert holders, f"{persona} received no {declaration.where} item: the rule is not exercised"
            assert {(h or {}).get("id") for h in holders} == {viewer_ids[persona]}, declaration.where


# Each: the SDL text that lies, the page and persona that shows it, the declaration the pass must find broken.
LIES = {
    "the card on file is null for tenant admins too": (
        "personas: [MEMBER, PROJECT_ADMIN, OPERATOR]",
        "personas: [MEMBER, PROJECT_ADMIN, TENANT_ADMIN, OPERATOR]",
        "/account/billing",
        "tenant_admin",
        "AccountBilling.paymentMethod",
    ),
    "project admins see only their own credentials": (
        'personas: [MEMBER], whenField: null, whenValues: [], heldBy: "owner.user"',
        'personas: [PROJECT_ADMIN], whenField: null, whenValues: [], heldBy: "owner.user"',
        "/project/overview",
        "project_admin",
        "OverviewAccess.expiringCredentials",
    ),
    "members belong to no tenant": (
        "personas: [OPERATOR]",
        "personas: [MEMBER, OPERATOR]",
        "/account",
        "member",
        "AccountProfile.tenant",
    ),
}


@pytest.mark.parametrize("lie", sorted(LIES))
async def test_a_declaration_that_lies_about_a_role_is_blocking(lie: str) -> None:
    truth, told, route, persona, where = LIES[lie]
    assert truth in SDL
    lying = build_schema(SDL.replace(truth, told))
    target = await target_on(create_services())
    outcome = await run_pass(target, routes=[route], personas=[persona], schema=lying)
    await target.aclose()
    assert contradictions(outcome), f"the pass did not see that {lie}"
    assert any(f"@scopedTo on {where}" in g.reason for g in gaps_of(outcome, GapClass.BLOCKING))
    assert outcome.exit_code == 1


async def test_a_resolver_that_stops_scoping_breaks_its_declaration(monkeypatch: pytest.MonkeyPatch) -> None:
    from resolvers.access import sections

    def every_credential(scope: Any, credential: Any) -> bool:
        return True

    monkeypatch.setattr(sections, "credential_visible", every_credential)
    target = await target_on(create_services())
    outcome = await run_pass(target, routes=["/project/overview"], personas=["member"])
    await target.aclose()
    # The member now receives service-account keys: the OWN_ITEMS declaration no longer holds.
    assert contradictions(outcome) == ["/project/overview member projectOverview.access.expiringCredentials"]
    seen = merged(outcome, "member")
    (declaration,) = [d for d in seen if d.where == "OverviewAccess.expiringCredentials"]
    assert seen[declaration].contradicted > 0
