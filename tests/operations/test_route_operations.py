"""The committed route operations (operations/, indexed by operations/index.json) against the seeded services
(the index itself and schema validation: ``test_route_index.py``).

* Every route, for every persona that may open it, with real ids for that persona: no errors, data in every
  list the page shows (or a typed UNAVAILABLE/FUTURE state, or an allow-listed reason), at most one backend call
  per resource type, nothing of another tenant, and none of the seeded secret values.
* Personas that may not open a route get FORBIDDEN, or NOT_FOUND, or only what their scope holds.
"""

from __future__ import annotations

from typing import Any

import pytest

from gateway.ids import encode_global_id
from gateway.settings import Settings
from resolvers.console import navigation
from tests import route_operations as ops
from tests.support import GatewayHarness, build_harness

pytestmark = pytest.mark.asyncio(loop_scope="module")

LAUNCH_ROUTES = {"/launch/compute", "/launch/app/{slug}", "/launch/storage"}


@pytest.fixture(scope="module")
def harness() -> GatewayHarness:
    """One seeded gateway for the module; the viewer is cached, as in production, so calls count pages only."""
    return build_harness(settings=Settings.from_env({}, viewer_cache_seconds=3600))


SAVE_DRAFT = """mutation SaveDraft($input: SaveLaunchDraftInput!) {
  saveLaunchDraft(input: $input) { draft { id } userErrors { message } }
}"""


async def start_drafts(harness: GatewayHarness, persona: str) -> None:
    """A compute, an app and a storage draft, as a user who went part-way through each wizard."""
    project = ops.visible_projects(persona)[0]
    bucket = ops.variable_sets("/storage/{id}", persona)[0]["id"]
    basics = {"projectId": encode_global_id("Project", project), "name": "half-done"}
    mounts = {"mounts": [{"bucketId": bucket, "mountPath": "/data", "readOnly": True}]}
    drafts = [
        {
            "kind": "COMPUTE",
            "currentStep": "STORAGE",
            "basics": basics,
            "storage": mounts,
            "image": {"image": "nvcr.io/nvidia/pytorch:24.05-py3", "env": [{"name": "EPOCHS", "value": "3"}]},
        },
        {"kind": "APP", "currentStep": "STORAGE", "basics": basics, "app": {"appSlug": "jupyter"}, "storage": mounts},
        {
            "kind": "STORAGE",
            "currentStep": "SHARING",
            "basics": basics,
            "bucket": {"purpose": "dataset", "provider": "WEKA", "region": "us-east-1"},
            "sharing": {"grants": [{"projectId": encode_global_id("Project", project), "permission": "READ"}]},
        },
    ]
    for number, draft in enumerate(drafts):
        key = f"route-operations-{persona}-{number:04d}"
        body = await harness.query(SAVE_DRAFT, {"input": {**draft, "idempotencyKey": key}}, persona=persona)
        assert body["data"]["saveLaunchDraft"]["userErrors"] == [], body


async def open_page(harness: GatewayHarness, route: str, persona: str, variables: dict[str, Any]) -> dict[str, Any]:
    """Run a route's operation and check what every response must satisfy; the body."""
    await harness.query("{ viewer { persona } }", persona=persona)  # the viewer is cached from here on
    harness.calls()
    body = await harness.query(ops.document(ops.ROUTES[route]), variables, persona=persona)
    calls = harness.calls()
    assert {k: n for k, n in calls.items() if n > 1} == {}, f"{route} as {persona}: one call per resource type"
    assert ops.foreign_ids(body.get("data"), persona) == [], f"{route} as {persona} shows another tenant's data"
    assert ops.leaked_secrets(body) == [], f"{route} as {persona} returns seeded secret values"
    return body


@pytest.mark.parametrize("route", sorted(ops.ROUTES))
async def test_route_operation_serves_every_persona_that_may_open_it(harness: GatewayHarness, route: str) -> None:
    entry = ops.ROUTES[route]
    expected = ops.list_paths(ops.document(entry))
    for persona in (p for nav in entry["personas"] for p in ops.HARNESS_PERSONAS[nav]):
        if (
            route in LAUNCH_ROUTES
            and not (await harness.query("{ launchDrafts { id } }", persona=persona))["data"]["launchDrafts"]
        ):
            await start_drafts(harness, persona)
        report = ops.ListReport()
        for variables in ops.variable_sets(route, persona):
            body = await open_page(harness, route, persona, variables)
            assert "errors" not in body, (route, persona, variables, body["errors"])
            report.add(body["data"])
        empty = report.empty(expected, ops.ALLOWED_EMPTY.get(route, {}))
        assert empty == [], f"{route} as {persona}: empty lists (extend the seed, or allow-list with a reason)"


@pytest.mark.parametrize("route", sorted(ops.ROUTES))
async def test_other_personas_get_forbidden_or_only_their_own_scope(harness: GatewayHarness, route: str) -> None:
    entry = ops.ROUTES[route]
    allowed = {p for nav in entry["personas"] for p in ops.HARNESS_PERSONAS[nav]}
    variables = ops.variable_sets(route, sorted(allowed)[0])[0]  # an object the route's own personas open
    for persona in sorted(set(ops.USER_OF) - allowed):
        given = dict(variables)
        if persona == "operator" and "tenant" in entry["optionalVariables"]:
            given["tenant"] = encode_global_id("Tenant", "t-acme")  # operators name the tenant they look at
        body = await open_page(harness, route, persona, given)
        codes = {e["extensions"]["code"] for e in body.get("errors", [])}
        assert codes <= {"FORBIDDEN", "NOT_FOUND"}, (route, persona, body.get("errors"))


async def test_the_shell_operation_serves_every_persona(harness: GatewayHarness) -> None:
    document = ops.document(ops.INDEX["shell"])
    for persona in ops.USER_OF:
        await harness.query("{ viewer { persona } }", persona=persona)
        harness.calls()
        body = await harness.query(document, persona=persona)
        assert "errors" not in body and all(n == 1 for n in harness.calls().values()), persona
        shell = body["data"]["shell"]
        assert [g["key"] for g in shell["groups"]] == [g.key for g in navigation.GROUPS]
        assert shell["defaultLanding"] == navigation.DEFAULT_LANDING[ops.NAVIGATION_PERSONA[persona]]
        assert ops.leaked_secrets(body) == []
