"""Every root field by every persona, generated from the schema (a field added later is covered or fails here).

* Every root field declares who may call it (a permission class from ``schema.shared.permissions``).
* Each root field, called by each persona: the ones its permission excludes get FORBIDDEN; the others
  never get the permission's refusal, UNAUTHENTICATED or an internal error.
* Every field taking an object id answers another tenant's (or project's) id exactly like a missing id,
  or is listed in ``NOT_TENANT_SCOPED`` with the reason.
* Every route operation (operations/*.graphql) by every persona: only objects the persona may see.
* The viewer's identity reaches every backend call.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    Undefined,
    get_named_type,
)

from gateway.documents import DEFAULT_OPERATIONS_DIR
from gateway.ids import decode_global_id, encode_global_id
from reference_services.seed import PROJECTS, USERS, build_world
from schema import schema
from schema.shared.permissions import PERMISSIONS, Authenticated, IsOperator, IsTenantAdmin
from tests.support import PERSONA_USERS, build_harness

PERSONAS = sorted(PERSONA_USERS)
ALLOWED = {
    Authenticated: set(PERSONAS),
    IsOperator: {"operator"},
    IsTenantAdmin: {"tenant-admin", "other-tenant-admin", "operator"},
}
# Field-level roles, pinned here so a changed permission is a deliberate edit in two places.
OPERATOR_ONLY = {
    "platform",
    "platformNode",
    "maasSite",
    "maasHub",
    "onboardingTask",
    "decommissionTask",
    "cordonNode",
    "uncordonNode",
    "drainNode",
    "startNodeDecommission",
}
TENANT_ADMIN_ONLY = {"tenantOverview"}
# Id-taking root fields whose objects belong to no tenant or project, and why.
NOT_TENANT_SCOPED = {
    **{f: "operator-only platform object (FORBIDDEN for tenants at the field)" for f in OPERATOR_ONLY},
    "app": "the app catalog is global (looked up by slug)",
    "launchDraft": "drafts belong to their author; no seeded drafts (the launch tests cover owner scoping)",
    "nodes": "the same lookup as `node`, covered there",
}
WORLD = build_world()
_USER_PROJECTS = {u: set(p) for u, _, _, _, _, p in USERS}
_TENANT_OF = {u: t for u, _, _, t, _, _ in USERS}


def visible_projects(persona: str) -> set[str]:
    user = PERSONA_USERS[persona]
    roles = next(r for u, _, _, _, r, _ in USERS if u == user)
    if "platform_operator" in roles:
        return {p["id"] for p in PROJECTS}
    if "tenant_admin" in roles:
        return {p["id"] for p in PROJECTS if p["tenant_id"] == _TENANT_OF[user]}
    return _USER_PROJECTS[user]


def seeded(domain: str, resource: str, project: str) -> str:
    return next(item["id"] for item in WORLD.domains[domain][resource] if item.get("project_id") == project)


def shared_with(projects: set[str]) -> set[str]:
    """Buckets an active grant shares with any of ``projects`` (their grantees see them)."""
    grants = WORLD.domains["storage"]["grants"]
    return {g["bucket_id"] for g in grants if g["grantee_project_id"] in projects and not g.get("revoked_at")}


def unshared(project: str) -> str:
    """A bucket of ``project`` no grant shares with anyone: foreign to every other project."""
    return next(
        b["id"]
        for b in WORLD.domains["storage"]["buckets"]
        if b["project_id"] == project and b["id"] not in shared_with({p["id"] for p in PROJECTS})
    )


# field -> (global type, {project: local id of an object there}, a missing local id)
FOREIGN = {
    "workload": (
        "Workload",
        {p: seeded("workloads", "workloads", p) for p in ("p-vision", "p-research", "p-genomics")},
        "wl-9999",
    ),
    "bucket": (
        "Bucket",
        {p: unshared(p) for p in ("p-vision", "p-research", "p-genomics")},
        "bk-9999",
    ),
    "evidenceEvent": (
        "AuditEvent",
        {p: seeded("access", "audit-events", p) for p in ("p-vision", "p-research", "p-genomics")},
        "ae-9999",
    ),
    "node": (
        "Bucket",
        {p: unshared(p) for p in ("p-vision", "p-research", "p-genomics")},
        "bk-9999",
    ),
}


def root_fields() -> list[tuple[str, str, Any]]:
    """(operation, GraphQL name, Strawberry field) of every root field."""
    found = []
    for operation, type_name in (("query", "Query"), ("mutation", "Mutation")):
        definition = schema.get_type_by_name(type_name)
        if definition is None:
            continue
        for field in definition.fields:
            found.append((operation, schema.config.name_converter.get_graphql_name(field), field))
    return found


ROOTS = root_fields()


def declared(field: Any) -> type:
    classes = [c for c in field.permission_classes if c in PERMISSIONS]
    assert len(classes) == 1, f"root field {field.python_name} declares {field.permission_classes or 'no permission'}"
    return classes[0]


def literal(type_: Any, argument: str, field_type: str) -> str:
    """A well-typed value for a required argument (ids name objects that do not exist)."""
    if isinstance(type_, GraphQLNonNull):
        return literal(type_.of_type, argument, field_type)
    if isinstance(type_, GraphQLList):
        return f"[{literal(type_.of_type, argument, field_type)}]"
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        required = [
            (n, f)
            for n, f in type_.fields.items()
            if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
        ]
        return "{" + ", ".join(f"{n}: {literal(f.type, n, field_type)}" for n, f in required) + "}"
    assert isinstance(type_, GraphQLScalarType)
    if type_.name == "ID":
        return f'"{encode_global_id(field_type, "zz-missing")}"'
    return {"Int": "1", "Float": "1.0", "Boolean": "false", "BigInt": '"1"', "DateTime": '"2026-01-01T00:00:00Z"'}.get(
        type_.name, f'"matrix-{argument}"'
    )


def operation_for(operation: str, name: str, field: GraphQLField) -> str:
    named = get_named_type(field.type)
    arguments = [
        f"{a}: {literal(v.type, a, named.name)}"
        for a, v in field.args.items()
        if isinstance(v.type, GraphQLNonNull) and v.default_value is Undefined
    ]
    selection = ""
    if not isinstance(named, (GraphQLScalarType, GraphQLEnumType)):
        fields = getattr(named, "fields", {})
        parts = [
            "__typename",
            *(["id"] if "id" in fields else []),
            *(["userErrors { code }"] if "userErrors" in fields else []),
            *(["edges { node { __typename } }"] if "edges" in fields else []),
        ]
        selection = "{ " + " ".join(parts) + " }"
    call = f"{name}({', '.join(arguments)})" if arguments else name
    return f"{operation} {{ {call} {selection} }}"


def gql_field(operation: str, name: str) -> GraphQLField:
    root = schema._schema.query_type if operation == "query" else schema._schema.mutation_type
    assert root is not None
    return root.fields[name]


def test_every_root_field_declares_who_may_call_it() -> None:
    assert len(ROOTS) > 20
    undeclared = [name for _, name, field in ROOTS if not any(c in PERMISSIONS for c in field.permission_classes)]
    assert undeclared == [], "add permission_classes=[...] (schema.shared.permissions) to: " + ", ".join(undeclared)
    by_permission = {name: declared(field) for _, name, field in ROOTS}
    assert {n for n, p in by_permission.items() if p is IsOperator} == OPERATOR_ONLY
    assert {n for n, p in by_permission.items() if p is IsTenantAdmin} == TENANT_ADMIN_ONLY


@pytest.mark.parametrize(("operation", "name"), [(o, n) for o, n, _ in ROOTS])
async def test_each_root_field_by_each_persona(operation: str, name: str) -> None:
    field = next(f for o, n, f in ROOTS if (o, n) == (operation, name))
    allowed = ALLOWED[declared(field)]
    document = operation_for(operation, name, gql_field(operation, name))
    harness = build_harness()
    for persona in PERSONAS:
        body = await harness.query(document, persona=persona)
        here = [e for e in body.get("errors", []) if (e.get("path") or [name])[0] == name]
        codes = [e["extensions"]["code"] for e in here]
        assert "INTERNAL_SERVER_ERROR" not in codes and "UNAUTHENTICATED" not in codes, (persona, document, here)
        if persona in allowed:
            refusals = [e for e in here if e["message"].startswith("this field is for")]
            assert refusals == [], (persona, document)
        else:
            assert codes == ["FORBIDDEN"], (persona, document, body)
            assert (body.get("data") or {}).get(name) is None


def test_every_id_taking_root_field_is_checked_for_foreign_ids() -> None:
    takes_ids = {name for operation, name, _ in ROOTS if {"id", "ids"} & set(gql_field(operation, name).args)}
    assert takes_ids - set(FOREIGN) - set(NOT_TENANT_SCOPED) == set()


@pytest.mark.parametrize("name", sorted(FOREIGN))
@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "operator"])
async def test_a_foreign_id_answers_exactly_like_a_missing_id(name: str, persona: str) -> None:
    type_name, by_project, missing = FOREIGN[name]
    selection = "{ __typename }" if name == "node" else "{ id }"
    document = f"query($id: ID!) {{ {name}(id: $id) {selection} }}"
    harness = build_harness()
    absent = await harness.query(document, {"id": encode_global_id(type_name, missing)}, persona=persona)
    assert [e["extensions"]["code"] for e in absent["errors"]] == ["NOT_FOUND"]
    absent.pop("extensions", None)
    foreign_projects = [p for p in by_project if p not in visible_projects(persona)]
    assert foreign_projects, persona
    for project in foreign_projects:
        body = await harness.query(document, {"id": encode_global_id(type_name, by_project[project])}, persona=persona)
        body.pop("extensions", None)
        assert body == absent, (persona, project)


def returned_ids(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [
            *([value["id"]] if isinstance(value.get("id"), str) else []),
            *(i for child in value.values() for i in returned_ids(child)),
        ]
    if isinstance(value, list):
        return [i for child in value for i in returned_ids(child)]
    return []


def project_of(type_name: str, local: str) -> str | None:
    resource = {"Workload": ("workloads", "workloads"), "Bucket": ("storage", "buckets")}.get(type_name)
    if resource is None:
        return None
    return next(i["project_id"] for i in WORLD.domains[resource[0]][resource[1]] if i["id"] == local)


def tenant_of_project(project: str) -> str:
    return next(p["tenant_id"] for p in PROJECTS if p["id"] == project)


@pytest.mark.parametrize("operation_file", sorted(p.name for p in DEFAULT_OPERATIONS_DIR.glob("*.graphql")))
async def test_route_operations_by_every_persona_show_only_what_the_persona_may_see(operation_file: str) -> None:
    document = (DEFAULT_OPERATIONS_DIR / operation_file).read_text()
    harness = build_harness()
    for persona in PERSONAS:
        visible = visible_projects(persona)
        variables = {"first": 100, "id": encode_global_id("Bucket", seeded("storage", "buckets", sorted(visible)[0]))}
        body = await harness.query(document, variables, persona=persona)
        assert "errors" not in body, (persona, body.get("errors"))
        tenants = {tenant_of_project(p) for p in visible}
        for global_id in returned_ids(body["data"]):
            type_name, local = decode_global_id(global_id)
            project = project_of(type_name, local)
            # A bucket of another project shows only where a grant shares it with a visible one.
            shared = type_name == "Bucket" and local in shared_with(visible)
            assert project is None or project in visible or shared, (persona, global_id)
            # Projects may be named as grant audiences of a visible bucket, never across tenants.
            assert type_name != "Project" or tenant_of_project(local) in tenants, (persona, global_id)


@pytest.mark.parametrize(
    ("persona", "tenant"), [("member", "t-acme"), ("other-tenant-admin", "t-globex"), ("operator", None)]
)
async def test_the_viewer_identity_reaches_every_backend_call(persona: str, tenant: str | None) -> None:
    harness = build_harness()
    await harness.query((DEFAULT_OPERATIONS_DIR / "workloads.graphql").read_text(), {"first": 20}, persona=persona)
    assert harness.identities
    assert {identity[1:] for identity in harness.identities} == {(PERSONA_USERS[persona], tenant)}
    assert {identity[0] for identity in harness.identities} >= {"access", "workloads"}
