"""Each gap class comes from what it says: a FUTURE state, a route losing data (read model), a persona without
data (seed), a manifest omitting a field (rendering), an error (blocking)."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from gateway.ids import encode_global_id
from parity.cli import run_pass
from parity.findings import GapClass
from parity.rendering import candidates, coverage
from parity.routes import load_index
from reference_services.embedded import create_services
from tests.parity.support import gaps_of, stored, target_on, upsert


@pytest.fixture
def services() -> dict[str, Starlette]:
    return create_services()


async def test_a_future_state_is_a_future_product_gap_with_its_link(services: dict[str, Starlette]) -> None:
    target = await target_on(services)
    outcome = await run_pass(target, routes=["/access/connectivity"], personas=["member"])
    await target.aclose()
    future = {g.path: g for g in gaps_of(outcome, GapClass.FUTURE_PRODUCT)}
    assert set(future) == {"access.connectivity.network", "access.connectivity.firewall"}
    assert future["access.connectivity.network"].link and future["access.connectivity.network"].reason
    assert outcome.exit_code == 1, "an empty baseline accepts nothing"
    assert [g.path for g in outcome.new] == [g.path for g in outcome.run.gaps()]


def _validate_every_capability(services: dict[str, Starlette], validated: bool, only: str | None = None) -> None:
    for provider in stored(services, "storage", "providers", ["weka", "vast"]):
        capabilities = [
            {**c, "validated": validated, "note": None if validated else f"{c['name']} not validated"}
            if only in (None, c["name"])
            else c
            for c in provider["capabilities"]
        ]
        upsert(services, "storage", "providers", {**provider, "capabilities": capabilities})


async def test_a_route_that_loses_its_objects_listing_shows_a_read_model_gap(services: dict[str, Starlette]) -> None:
    _validate_every_capability(services, True)
    target = await target_on(services)
    complete = await run_pass(target, routes=["/storage/{id}"], personas=["tenant_admin"])
    assert gaps_of(complete, GapClass.READ_MODEL) == [], "every provider validated: the bucket page lacks nothing"
    # The providers' object listing stops being validated: the objects tab loses its data, typed as read model.
    _validate_every_capability(services, False, only="object_listing")
    losing = await run_pass(target, routes=["/storage/{id}"], personas=["tenant_admin"])
    await target.aclose()
    [gap] = gaps_of(losing, GapClass.READ_MODEL)
    assert (gap.route, gap.persona, gap.path) == ("/storage/{id}", "tenant_admin", "bucket.tabs.objects.availability")
    assert gap.reason == "object_listing not validated" and gap.link and gap.link.startswith("/docs/storage/providers/")


async def test_a_persona_without_data_shows_seed_gaps(services: dict[str, Starlette]) -> None:
    # A member of t-acme who belongs to no project: no workload to list, none to open.
    [marco] = stored(services, "access", "users", ["u-marco"])
    upsert(services, "access", "users", {**marco, "id": "u-newcomer", "email": "newcomer@acme.example"})
    target = await target_on(services, users={"member": "u-newcomer"})
    outcome = await run_pass(target, routes=["/workloads", "/workloads/{id}"], personas=["member"])
    await target.aclose()
    seed = {(g.route, g.path): g.reason for g in gaps_of(outcome, GapClass.SEED)}
    assert ("/workloads", "workloads.edges") in seed and ("/workloads", "viewer.projects") in seed
    assert "no Workload id" in seed[("/workloads/{id}", "$id")]
    assert outcome.run.cells[("/workloads/{id}", "member")].runs == 0


async def test_the_same_routes_have_no_seed_gap_for_a_member_with_data(services: dict[str, Starlette]) -> None:
    target = await target_on(services)
    outcome = await run_pass(target, routes=["/workloads", "/workloads/{id}"], personas=["member"])
    await target.aclose()
    assert gaps_of(outcome, GapClass.SEED) == []
    opened = outcome.run.cells[("/workloads/{id}", "member")]
    assert opened.runs >= 4, "one workload of each kind is opened"
    assert opened.observation.root_kinds["workload.kind"] == {"COMPUTE", "JUPYTER", "VLLM", "TRAINING"}


async def test_a_kind_the_data_never_offers_is_a_seed_gap(services: dict[str, Starlette]) -> None:
    # Every vLLM workload becomes a compute one: the detail page's kind VLLM and its fragment are never exercised.
    ids = [f"wl-{n:04d}" for n in range(1, 200)]
    for workload in stored(services, "workloads", "workloads", ids):
        if workload["kind"] == "vllm":
            upsert(services, "workloads", "workloads", {**workload, "kind": "compute", "vllm": None})
    target = await target_on(services)
    outcome = await run_pass(target, routes=["/workloads/{id}"], personas=["tenant_admin"])
    await target.aclose()
    paths = {g.path for g in gaps_of(outcome, GapClass.SEED)}
    assert "workload.kind=VLLM" in paths


async def test_a_manifest_that_omits_a_field_gives_a_rendering_gap(services: dict[str, Starlette]) -> None:
    target = await target_on(services)
    first = await run_pass(target, routes=["/account/profile"], personas=["member"])
    received = first.run.cells[("/account/profile", "member")].observation.received
    assert "account.profile.email" in received
    manifest = {"/account/profile": received - {"account.profile.email"}}
    outcome = await run_pass(target, routes=["/account/profile"], personas=["member"], manifest=manifest)
    await target.aclose()
    [gap] = gaps_of(outcome, GapClass.RENDERING)
    assert gap.path == "account.profile.email"
    assert outcome.run.candidates == {}, "with a manifest the pass checks it instead of listing candidates"
    # A path covers what is under it: rendering `account.profile` renders every field of the profile.
    covered = await _rerun(services, {"/account/profile": {"account.profile"}})
    assert gaps_of(covered, GapClass.RENDERING) == []


async def _rerun(services: dict[str, Starlette], manifest: dict[str, set[str]]) -> object:
    target = await target_on(services)
    try:
        return await run_pass(target, routes=["/account/profile"], personas=["member"], manifest=manifest)
    finally:
        await target.aclose()


def test_candidates_are_fields_no_operation_selects() -> None:
    from gateway.app import load_schema
    from gateway.settings import Settings

    schema = load_schema(Settings().schema)._schema
    page = "query P { viewer { persona } }"
    found = candidates(schema, page, [page])
    assert "Viewer.user" in found and "Viewer.persona" not in found
    index = load_index()
    every = [r.document for r in index.routes.values()] + list(index.other_documents)
    selected = set().union(*(coverage(schema, text)[0] for text in every))
    for candidate in candidates(schema, index.routes["/workloads"].document, every):
        type_name, field_name = candidate.split(".")
        assert (type_name, field_name) not in selected


async def test_errors_are_blocking_and_never_accepted(services: dict[str, Starlette]) -> None:
    from parity.baseline import Baseline

    class Down(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return httpx.Response(503, json={"error": "down"})

    from gateway.settings import DOMAINS, Settings
    from parity.targets import in_process

    transports: dict[str, httpx.AsyncBaseTransport] = {d: httpx.ASGITransport(app=services[d]) for d in DOMAINS}
    transports["storage"] = Down()
    target = await in_process(Settings.from_env({}, viewer_cache_seconds=0), transports=transports)
    outcome = await run_pass(
        target, routes=["/storage"], personas=["tenant_admin"], baseline=Baseline(), accept_reason="accept all"
    )
    await target.aclose()
    blocking = gaps_of(outcome, GapClass.BLOCKING)
    assert blocking and all("BACKEND" in g.reason for g in blocking)
    assert outcome.exit_code == 1, "accepting the run's gaps never accepts a blocking one"
    assert outcome.new == []


def test_a_console_link_is_opened_with_the_global_id_of_its_route() -> None:
    from parity.runner import _variable_value

    assert _variable_value("Workload", "wl-0027") == encode_global_id("Workload", "wl-0027")
    assert _variable_value("Workload", encode_global_id("Workload", "wl-0027")) == encode_global_id(
        "Workload", "wl-0027"
    )
    assert _variable_value("App.slug", "jupyterlab") == "jupyterlab"
