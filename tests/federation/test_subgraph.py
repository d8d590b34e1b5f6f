"""The federation subgraph in-process: its committed SDL, `/subgraph` behind the same guard, and `_entities`
resolved like `node(id:)` (same scope, same loaders: one backend call per type whatever the number of ids)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    TypeDefinitionNode,
    build_schema,
    parse,
    print_ast,
)

from gateway.cli import main as gateway_cli
from gateway.ids import encode_global_id
from gateway.settings import Settings, SettingsError
from reference_services.seed import build_world
from schema import schema as main_schema
from schema.federation import ENTITY_TYPES, FEDERATION_SPEC, MAX_REPRESENTATIONS, subgraph_schema
from tests.support import GatewayHarness, build_harness

ROOT = Path(__file__).resolve().parents[2]
ENTITIES = """query($representations: [_Any!]!) { _entities(representations: $representations) {
  __typename
  ... on Workload { id name kind }
  ... on Bucket { id name }
  ... on Project { id name }
} }"""
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Workload { name kind } } }"

WORLD = build_world()
ACME_WORKLOADS = [w["id"] for w in WORLD.domains["workloads"]["workloads"] if w["tenant_id"] == "t-acme"]
ALL_WORKLOADS = [w["id"] for w in WORLD.domains["workloads"]["workloads"]]
GLOBEX_WORKLOADS = [w["id"] for w in WORLD.domains["workloads"]["workloads"] if w["tenant_id"] == "t-globex"]
ACME_BUCKET = next(b["id"] for b in WORLD.domains["storage"]["buckets"] if b["tenant_id"] == "t-acme")


def workload(local_id: str, typename: str = "Workload") -> dict[str, str]:
    return {"__typename": typename, "id": encode_global_id("Workload", local_id)}


async def warm(persona: str = "tenant-admin", **settings: Any) -> GatewayHarness:
    """A harness serving /subgraph whose viewer is already known, so the counts are the query's own calls."""
    harness = build_harness(settings=Settings.from_env({}, viewer_cache_seconds=3600, subgraph=True, **settings))
    body = await harness.query("{ viewer { persona } }", persona=persona)
    assert "errors" not in body, body
    harness.calls()
    return harness


async def post(
    harness: GatewayHarness, path: str, query: str, variables: dict[str, Any] | None = None, persona: str | None = None
) -> tuple[int, dict[str, Any]]:
    headers = {"authorization": f"Bearer {harness.token(persona)}"} if persona else {}
    async with harness.client() as client:
        response = await client.post(path, json={"query": query, "variables": variables}, headers=headers)
    json_body = response.headers.get("content-type", "").startswith("application/json")
    return response.status_code, response.json() if json_body else {}


def test_committed_subgraph_sdl_is_what_the_cli_prints(capsys: pytest.CaptureFixture[str]) -> None:
    assert gateway_cli(["schema", "--federation"]) == 0
    printed = capsys.readouterr().out
    assert printed == (ROOT / "schema" / "subgraph.graphql").read_text(), "run `make schema` and commit the result"
    assert printed == subgraph_schema.as_str()


def test_every_node_type_is_an_entity_keyed_by_its_global_id() -> None:
    document = parse(subgraph_schema.as_str())
    keyed = {
        definition.name.value
        for definition in document.definitions
        if isinstance(definition, TypeDefinitionNode)
        and any(print_ast(directive) == '@key(fields: "id")' for directive in definition.directives or ())
    }
    node_types = {
        name
        for name, named in main_schema._schema.type_map.items()
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType) and "Node" in {i.name for i in named.interfaces}
    }
    assert {"Workload", "TrainingWorkload", "Bucket", "Project", "Tenant", "User", "PlatformNode"} <= node_types
    assert keyed == node_types == set(ENTITY_TYPES)
    sdl = subgraph_schema.as_str()
    assert sdl.startswith(f'extend schema @link(url: "{FEDERATION_SPEC}", import: ["@key"])')
    # The federation fields and types are the router's, not part of the composed SDL.
    assert "_entities" not in sdl and "_service" not in sdl and "_Any" not in sdl


def test_main_schema_carries_no_federation_and_the_subgraph_keeps_every_main_type() -> None:
    main_sdl = main_schema.as_str()
    assert "@key" not in main_sdl and "_entities" not in main_sdl and "@link" not in main_sdl
    subgraph_types = build_schema(subgraph_schema.as_str(), assume_valid_sdl=True).type_map
    # Everything but subscriptions (kept on /graphql: a router needs its own transport for them).
    main = main_schema._schema
    implementations = [t for t in main.type_map.values() if isinstance(t, GraphQLObjectType) and t.interfaces]
    expected = set(GraphQLSchema(query=main.query_type, mutation=main.mutation_type, types=implementations).type_map)
    assert expected - set(subgraph_types) == set()
    executable = subgraph_schema._schema
    assert executable.query_type is not None
    assert {"_service", "_entities"} <= set(executable.query_type.fields)
    entity_union = executable.type_map["_Entity"]
    assert {t.name for t in entity_union.types} == {  # type: ignore[attr-defined]
        name for name, named in ENTITY_TYPES.items() if isinstance(named, GraphQLObjectType)
    }


async def test_subgraph_path_is_served_only_when_asked() -> None:
    harness = build_harness(settings=Settings.from_env({}, viewer_cache_seconds=0))
    status, _ = await post(harness, "/subgraph", "{ __typename }", persona="member")
    assert status == 404
    harness = await warm()
    status, body = await post(harness, "/subgraph", "{ _service { sdl } }", persona="member")
    assert status == 200
    assert body["data"]["_service"]["sdl"] == (ROOT / "schema" / "subgraph.graphql").read_text()


async def test_entities_resolve_by_interface_and_concrete_typename() -> None:
    harness = await warm()
    first, second = ACME_WORKLOADS[:2]
    typed = await post(harness, "/subgraph", NODES, {"ids": [encode_global_id("Workload", second)]}, "tenant-admin")
    concrete = typed[1]["data"]["nodes"][0]["__typename"]
    representations = [
        workload(first),
        workload(second, concrete),
        {"__typename": "Bucket", "id": encode_global_id("Bucket", ACME_BUCKET)},
        {"__typename": "Project", "id": encode_global_id("Project", "p-vision")},
    ]
    status, body = await post(harness, "/subgraph", ENTITIES, {"representations": representations}, "tenant-admin")
    assert status == 200 and "errors" not in body, body
    entities = body["data"]["_entities"]
    assert [e["id"] for e in entities] == [r["id"] for r in representations]
    assert entities[1]["__typename"] == concrete
    projects = {p["id"]: p["name"] for p in WORLD.domains["access"]["projects"]}
    assert entities[3]["name"] == projects["p-vision"]
    seeded = {w["id"]: w["name"] for w in WORLD.domains["workloads"]["workloads"]}
    assert [entities[0]["name"], entities[1]["name"]] == [seeded[first], seeded[second]]


async def test_foreign_missing_and_mistyped_ids_are_null_exactly_like_node() -> None:
    harness = await warm()
    foreign, acme = GLOBEX_WORKLOADS[0], ACME_WORKLOADS[0]
    ids = [encode_global_id("Workload", foreign), encode_global_id("Workload", "wl-9999")]
    _, by_node = await post(harness, "/graphql", NODES, {"ids": ids}, "tenant-admin")
    representations = [
        workload(foreign),
        workload("wl-9999"),
        {"__typename": "Bucket", "id": encode_global_id("Workload", acme)},  # a workload read as a bucket
        workload(acme),
    ]
    _, body = await post(harness, "/subgraph", ENTITIES, {"representations": representations}, "tenant-admin")
    assert body["data"]["_entities"][:3] == [None, None, None]
    assert body["data"]["_entities"][3]["id"] == representations[3]["id"]
    errors = {e["path"][1]: e for e in body["errors"]}
    assert set(errors) == {0, 1, 2}
    assert all(e["extensions"]["code"] == "NOT_FOUND" for e in errors.values())
    # The same answers as node(id:)/nodes(ids:) for the same ids: a foreign id looks exactly like a missing one.
    assert by_node["data"]["nodes"] == [None, None]
    node_messages = [e["message"] for e in sorted(by_node["errors"], key=lambda e: e["path"][1])]
    assert [errors[0]["message"], errors[1]["message"]] == node_messages
    assert errors[0]["message"] == errors[1]["message"]
    # As t-globex's admin the same workload resolves.
    _, theirs = await post(harness, "/subgraph", ENTITIES, {"representations": [workload(foreign)]}, "u-gina")
    assert theirs["data"]["_entities"][0]["id"] == encode_global_id("Workload", foreign)


async def test_bad_representations_are_typed_errors_at_their_index() -> None:
    harness = await warm()
    representations: list[Any] = [
        {"__typename": "Workload"},  # no id
        {"__typename": "Viewer", "id": encode_global_id("Workload", ACME_WORKLOADS[0])},  # not an entity
        "Workload",  # not an object
        {"__typename": "Workload", "id": "not base64!"},
        workload(ACME_WORKLOADS[0]),
    ]
    status, body = await post(harness, "/subgraph", ENTITIES, {"representations": representations}, "tenant-admin")
    assert status == 200
    assert body["data"]["_entities"][:4] == [None] * 4 and body["data"]["_entities"][4] is not None
    codes = {e["path"][1]: e["extensions"]["code"] for e in body["errors"]}
    assert codes == {0: "BAD_USER_INPUT", 1: "BAD_USER_INPUT", 2: "BAD_USER_INPUT", 3: "BAD_USER_INPUT"}
    too_many = [workload(ACME_WORKLOADS[0])] * (MAX_REPRESENTATIONS + 1)
    _, body = await post(harness, "/subgraph", ENTITIES, {"representations": too_many}, "tenant-admin")
    assert body["data"] is None or body["data"]["_entities"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_subgraph_refuses_requests_without_credentials_like_graphql() -> None:
    harness = await warm(dev_viewer_header=False)
    representations = [workload(ACME_WORKLOADS[0])]
    graphql_status, graphql_body = await post(harness, "/graphql", "{ viewer { persona } }")
    status, body = await post(harness, "/subgraph", ENTITIES, {"representations": representations})
    assert status == graphql_status == 401
    assert body["errors"][0]["extensions"]["code"] == graphql_body["errors"][0]["extensions"]["code"]
    assert "data" not in body or body["data"] is None


@pytest.mark.parametrize("count", [1, 10, len(ALL_WORKLOADS)])
async def test_entities_batch_through_the_loaders_one_call_per_type(count: int) -> None:
    """N workload representations cost one workloads call, whatever N; mixed types one call per type."""
    harness = await warm("operator")
    representations = [workload(local_id) for local_id in ALL_WORKLOADS[:count]]  # the operator sees them all
    _, body = await post(harness, "/subgraph", ENTITIES, {"representations": representations}, "operator")
    assert "errors" not in body and all(body["data"]["_entities"]), body
    assert harness.calls() == {"workloads /v1/workloads": 1}
    mixed = [
        *representations,
        {"__typename": "Bucket", "id": encode_global_id("Bucket", ACME_BUCKET)},
        {"__typename": "Project", "id": encode_global_id("Project", "p-vision")},
        {"__typename": "Project", "id": encode_global_id("Project", "p-llm")},
    ]
    _, body = await post(harness, "/subgraph", ENTITIES, {"representations": mixed}, "operator")
    assert "errors" not in body, body
    entity_calls = harness.calls()
    # One call per resource type (the operator's viewer cache already holds the projects it can see).
    assert {"workloads /v1/workloads", "storage /v1/buckets"} <= set(entity_calls), entity_calls
    assert all(calls == 1 for calls in entity_calls.values()), entity_calls
    # nodes(ids:) on /graphql makes the very same calls for the same ids.
    ids = [r["id"] for r in mixed]
    await post(harness, "/graphql", "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids}, "operator")
    assert harness.calls() == entity_calls


ROUTER_SECRET = "r" * 40


def test_trusted_documents_need_a_router_secret_for_the_subgraph() -> None:
    with pytest.raises(SettingsError, match="GATEWAY_SUBGRAPH_ROUTER_SECRET"):
        Settings.from_env({"GATEWAY_SUBGRAPH": "1", "GATEWAY_TRUSTED_DOCUMENTS": "1"})
    with pytest.raises(SettingsError, match="at least 32 characters"):
        Settings.from_env({"GATEWAY_SUBGRAPH": "1", "GATEWAY_SUBGRAPH_ROUTER_SECRET": "short"})
    settings = Settings.from_env(
        {"GATEWAY_SUBGRAPH": "1", "GATEWAY_TRUSTED_DOCUMENTS": "1", "GATEWAY_SUBGRAPH_ROUTER_SECRET": ROUTER_SECRET}
    )
    assert settings.subgraph and settings.subgraph_router_secret == ROUTER_SECRET


async def test_with_a_router_secret_only_the_router_reaches_the_subgraph_and_runs_its_own_documents() -> None:
    environ = {"GATEWAY_TRUSTED_DOCUMENTS": "1", "GATEWAY_SUBGRAPH_ROUTER_SECRET": ROUTER_SECRET}
    harness = build_harness(settings=Settings.from_env(environ, viewer_cache_seconds=0, subgraph=True))
    variables = {"representations": [workload(ACME_WORKLOADS[0])]}
    person = {"authorization": f"Bearer {harness.token('tenant-admin')}"}
    for secret in (None, ROUTER_SECRET[:-1] + "x"):
        headers = {**person, "x-gateway-router-secret": secret} if secret else person
        async with harness.client() as client:
            response = await client.post("/subgraph", json={"query": ENTITIES, "variables": variables}, headers=headers)
        assert response.status_code == 403
        assert response.json()["errors"][0]["extensions"]["code"] == "ROUTER_ONLY"
    async with harness.client() as client:
        response = await client.post(
            "/subgraph",
            json={"query": ENTITIES, "variables": variables},
            headers={**person, "x-gateway-router-secret": ROUTER_SECRET},
        )
        console = await client.post("/graphql", json={"query": NODES, "variables": {"ids": []}}, headers=person)
    assert response.status_code == 200 and "errors" not in response.json(), response.json()
    assert response.json()["data"]["_entities"][0]["id"] == variables["representations"][0]["id"]
    # The console's endpoint keeps running registered documents only for people.
    assert console.json()["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
