"""Foreign and missing answer alike, for mutations too: no mutation is an existence oracle.

Walks the schema's Mutation fields; for every input field that carries a global id (``ID``, at any depth, in
lists too) it builds the call twice, once with the id of a foreign object of that type and once with a
well-formed global id of an object of that type that does not exist, and compares the two answers byte for byte
(HTTP status and body; the idempotency extension, which reports the per-call outcome record, is removed). Every
call uses a fresh idempotency key.

Two viewpoints: a tenant admin of t-acme with objects of t-globex (another tenant, as the issue asks), and a
project admin of t-acme with objects of her own tenant she may not see (another project, another user).

For each id input the test needs the type of object it names (``ID_TYPES``), a base input of its mutation
(``base_input``) and a foreign object of that type from the seed (``FOREIGN``). A new id input unknown here fails
``test_every_mutation_id_input_is_covered``. Types with no foreign object are listed, with the reason, in
``NO_FOREIGN_OBJECT`` (the foreign call then sends a second missing id, so the case still runs); types the seed
has none of but that can be made are made by the foreign side first (``MADE_FIRST``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    build_schema,
    get_named_type,
)

from gateway.ids import encode_global_id
from tests.support import GatewayHarness, build_harness

SDL = Path(__file__).resolve().parents[2] / "schema" / "schema.graphql"
OPERATOR = "u-olivia"

# (mutation, input path with "[]" for a list element) -> the type of object the id names.
ID_TYPES: dict[tuple[str, str], str] = {}
for _launch in ("launchCompute", "launchApp", "saveLaunchDraft"):
    ID_TYPES.update(
        {
            (_launch, "basics.projectId"): "Project",
            (_launch, "access.sshKeyId"): "Credential",
            (_launch, "access.serviceAccountId"): "ServiceAccount",
            (_launch, "storage.mounts[].bucketId"): "Bucket",
            (_launch, "network.privateNetworkId"): "PrivateNetwork",
        }
    )
ID_TYPES.update(
    {
        ("saveLaunchDraft", "draftId"): "LaunchDraft",
        ("saveLaunchDraft", "sharing.grants[].projectId"): "Project",
        ("discardLaunchDraft", "draftId"): "LaunchDraft",
        ("submitLaunchDraft", "draftId"): "LaunchDraft",
        **{(f"{action}Workload", "workloadId"): "Workload" for action in ("stop", "start", "restart", "terminate")},
        ("createBucket", "projectId"): "Project",
        ("createStorageGrant", "bucketId"): "Bucket",
        ("createStorageGrant", "projectId"): "Project",
        ("revokeStorageGrant", "grantId"): "StorageGrant",
        ("issueStorageCredential", "bucketId"): "Bucket",
        ("createServiceAccount", "projectId"): "Project",
        ("markNotificationsRead", "ids[]"): "Notification",
        **{(f"{operation}Node", "nodeId"): "GpuNode" for operation in ("cordon", "uncordon", "drain")},
        ("startNodeDecommission", "nodeId"): "GpuNode",
    }
)
MISSING: dict[str, str] = {  # a well-formed id of each type that names nothing
    "Project": "p-missing",
    "Credential": "cred-missing",
    "ServiceAccount": "sa-missing",
    "Bucket": "bk-9999",
    "StorageGrant": "gr-9999",
    "Workload": "wl-9999",
    "Notification": "ntf-missing-999",
    "LaunchDraft": "ld-00000000ff",
    "PrivateNetwork": "pn-missing",
    "GpuNode": "node-999",
}


@dataclass(frozen=True)
class Viewpoint:
    """Who acts, what of theirs the base inputs use, and where foreign objects come from."""

    user: str
    ssh_key: str  # one of the user's SSH keys
    grant_bucket: str  # a bucket of a project the user administers, and a project to share it with
    grantee: str
    foreign: dict[str, tuple[str, str, dict[str, str]]]  # type -> (domain, table, match) of a foreign object
    drafts_by: str  # who opens the foreign draft (the seed has no drafts)
    no_foreign: dict[str, str]  # type -> why this viewpoint has no foreign object of it


# Types no viewpoint has a foreign object of.
NO_FOREIGN_OBJECT: dict[str, str] = {
    "PrivateNetwork": "private networks do not exist yet (the network step is NOT_YET_AVAILABLE): no service keeps one",
    "GpuNode": "GPU nodes belong to the platform, not a tenant: operators (the only ones who may operate them) see "
    "every node, and anyone else is FORBIDDEN before any lookup",
}
MADE_FIRST = {"LaunchDraft": "the seed has no launch drafts: the foreign side saves one first"}
VIEWPOINTS: dict[str, Viewpoint] = {
    "other-tenant": Viewpoint(  # t-acme's tenant admin (admin of every t-acme project); foreign: t-globex's
        user="u-tara",
        ssh_key="cred-tara-ssh",
        grant_bucket="bk-0001",
        grantee="p-llm",
        foreign={
            "Project": ("access", "projects", {"tenant_id": "t-globex"}),
            "Credential": ("access", "credentials", {"tenant_id": "t-globex", "kind": "ssh_key"}),
            "ServiceAccount": ("access", "service_accounts", {"tenant_id": "t-globex"}),
            "Bucket": ("storage", "buckets", {"tenant_id": "t-globex"}),
            "StorageGrant": ("storage", "grants", {"tenant_id": "t-globex"}),
            "Workload": ("workloads", "workloads", {"tenant_id": "t-globex"}),
            "Notification": ("account", "notifications", {"tenant_id": "t-globex"}),
        },
        drafts_by="u-gina",
        no_foreign={},
    ),
    "same-tenant": Viewpoint(  # p-llm's admin, member of p-vision; foreign: t-acme's p-research and other users'
        user="u-priya",
        ssh_key="cred-priya-ws",
        grant_bucket="bk-0004",
        grantee="p-vision",
        foreign={
            "Project": ("access", "projects", {"id": "p-research"}),
            "Credential": ("access", "credentials", {"owner_id": "u-tara", "kind": "ssh_key"}),
            "ServiceAccount": ("access", "service_accounts", {"project_id": "p-research"}),
            # research-artifacts: shared with no one (research-datasets is shared with p-llm: u-priya sees it)
            "Bucket": ("storage", "buckets", {"id": "bk-0009"}),
            "Workload": ("workloads", "workloads", {"project_id": "p-research"}),
            "Notification": ("account", "notifications", {"user_id": "u-tara"}),
        },
        drafts_by="u-marco",
        no_foreign={
            "StorageGrant": "every t-acme grant in the seed has p-vision or p-llm on a side: u-priya sees them all",
        },
    ),
}
# A list element made to hold an id: the other fields it needs.
ELEMENTS: dict[str, dict[str, Any]] = {
    "mounts": {"mountPath": "/mnt/data", "readOnly": False},
    "grants": {"permission": "READ"},
}


def gid(type_name: str, local: str) -> str:
    return encode_global_id(type_name, local)


def base_input(mutation: str, path: str, view: Viewpoint) -> dict[str, Any]:
    """A base input of the mutation: valid but for the id under test, wherever the mutation allows it."""
    launch = {
        "basics": {"projectId": gid("Project", "p-vision"), "name": "oracle-box"},
        "hardware": {"gpuModel": "NVIDIA H100 80GB", "gpuCount": 1, "region": "us-east-1"},
        "access": {"sshKeyId": gid("Credential", view.ssh_key)},
    }
    inputs: dict[str, dict[str, Any]] = {
        "launchCompute": {**launch, "image": {"image": "nvcr.io/nvidia/pytorch:24.10-py3"}},
        "launchApp": {**launch, "app": {"appSlug": "jupyter"}},
        "saveLaunchDraft": (
            {"kind": "STORAGE", "basics": {"projectId": gid("Project", "p-vision"), "name": "oracle-bucket"}}
            if path.startswith("sharing.")
            else {"basics": {"name": "oracle-box"}}
            if path == "draftId"
            else {"kind": "COMPUTE", **launch}
        ),
        "discardLaunchDraft": {},
        "submitLaunchDraft": {},
        "createBucket": {
            "name": "oracle-bucket",
            "purpose": "dataset",
            "provider": "VAST",
            "region": "us-east-1",
            "quotaBytes": 2 * 1024**4,
        },
        "createStorageGrant": {
            "bucketId": gid("Bucket", view.grant_bucket),
            "projectId": gid("Project", view.grantee),
            "permission": "READ",
        },
        "revokeStorageGrant": {},
        "issueStorageCredential": {"permission": "READ"},
        "createServiceAccount": {"name": "oracle-account"},
        "markNotificationsRead": {"all": False},
        "startNodeDecommission": {"reason": "oracle check"},
    }
    if mutation.endswith("Workload") or mutation in ("cordonNode", "uncordonNode", "drainNode"):
        return {}
    if mutation not in inputs:
        raise AssertionError(f"no base input for {mutation}: add one")
    return inputs[mutation]


def persona(mutation: str, view: Viewpoint) -> str:
    return OPERATOR if mutation.endswith("Node") or mutation == "startNodeDecommission" else view.user


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema(SDL.read_text())


def id_inputs(schema: GraphQLSchema) -> Iterator[tuple[str, str]]:
    """Every (mutation, input path) that carries a global id, from the schema."""
    mutation = schema.mutation_type
    assert mutation is not None

    def walk(kind: GraphQLInputType, path: str, seen: frozenset[str]) -> Iterator[str]:
        while isinstance(kind, GraphQLNonNull | GraphQLList):
            if isinstance(kind, GraphQLList):
                path += "[]"
            kind = kind.of_type
        if isinstance(kind, GraphQLScalarType) and kind.name == "ID":
            yield path
        elif isinstance(kind, GraphQLInputObjectType) and kind.name not in seen:
            for name, field in kind.fields.items():
                yield from walk(field.type, f"{path}.{name}" if path else name, seen | {kind.name})

    for name, field in mutation.fields.items():
        for argument_name, argument in field.args.items():
            assert argument_name == "input", f"{name} takes an argument other than `input`: cover it here"
            for path in walk(argument.type, "", frozenset()):
                yield name, path


def place(value: dict[str, Any], path: str, global_id: str) -> dict[str, Any]:
    """A copy of ``value`` with ``global_id`` at ``path`` (``[]``: the first element of a list)."""
    copy = json.loads(json.dumps(value))
    parts = path.split(".")
    target: Any = copy
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        name = part.removesuffix("[]")
        if part.endswith("[]"):
            if last:
                target[name] = [global_id]
                return copy
            if not target.get(name):
                target[name] = [dict(ELEMENTS.get(name, {}))]
            target = target[name][0]
        elif last:
            target[name] = global_id
        else:
            if target.get(name) is None:
                target[name] = {}
            target = target[name]
    return copy


def selection(schema: GraphQLSchema, mutation: str) -> str:
    """Every scalar of the payload, userErrors in full, objects by type name (a draft with its steps' problems)."""
    assert schema.mutation_type is not None
    payload = get_named_type(schema.mutation_type.fields[mutation].type)
    assert isinstance(payload, GraphQLObjectType)
    parts = []
    for name, field in payload.fields.items():
        named = get_named_type(field.type)
        if name == "userErrors":
            parts.append("userErrors { field message code }")
        elif named.name == "LaunchDraft":
            parts.append(
                f"{name} {{ __typename kind status steps {{ step complete userErrors {{ field message code }} }} }}"
            )
        elif isinstance(named, GraphQLObjectType):
            parts.append(f"{name} {{ __typename }}")
        else:
            parts.append(name)
    return " ".join(parts)


@dataclass
class World:
    schema: GraphQLSchema
    harness: GatewayHarness
    client: httpx.AsyncClient

    async def call(self, user: str, mutation: str, value: dict[str, Any], select: str) -> tuple[int, bytes]:
        assert self.schema.mutation_type is not None
        input_type = self.schema.mutation_type.fields[mutation].args["input"].type
        document = f"mutation($input: {input_type}) {{ {mutation}(input: $input) {{ {select} }} }}"
        response = await self.client.post(
            "/graphql",
            json={"query": document, "variables": {"input": value}},
            headers={
                "authorization": f"Bearer {self.harness.token(user)}",
                "idempotency-key": f"oracle-{uuid.uuid4()}",
            },
        )
        return response.status_code, response.content

    def seeded(self, domain: str, table: str, match: dict[str, str]) -> str:
        """The id of a seeded document matching ``match`` (straight from the service's store)."""
        items = self.harness.services[domain].state.store.query(table, {}, limit=1000).items
        found = [i["id"] for i in items if all(i.get(k) == v for k, v in match.items())]
        assert found, f"the seed has no {table} matching {match}"
        return str(found[-1])

    async def foreign_id(self, view: Viewpoint, type_name: str) -> str:
        """The global id of a foreign object of the type (a second missing id when there is none)."""
        if type_name in NO_FOREIGN_OBJECT or type_name in view.no_foreign:
            return gid(type_name, MISSING[type_name] + "-2")
        if type_name == "LaunchDraft":
            select = "draft { id } userErrors { code }"
            status, content = await self.call(
                view.drafts_by, "saveLaunchDraft", {"kind": "COMPUTE", "basics": {"name": "their-box"}}, select
            )
            saved = json.loads(content)["data"]["saveLaunchDraft"]
            assert status == 200 and saved["userErrors"] == [] and saved["draft"], content
            return str(saved["draft"]["id"])
        domain, table, match = view.foreign[type_name]
        return gid(type_name, self.seeded(domain, table, match))


@pytest.fixture
async def world(schema: GraphQLSchema) -> AsyncIterator[World]:
    harness = build_harness()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=harness.app), base_url="http://gateway.test")
    try:
        yield World(schema=schema, harness=harness, client=client)
    finally:
        await client.aclose()
        await harness.app.state.idempotency_store.aclose()


def normalized(status: int, content: bytes) -> tuple[int, str]:
    """The answer without the idempotency extension (the per-call outcome record: completion time and key)."""
    body = json.loads(content)
    extensions = body.get("extensions")
    if isinstance(extensions, dict):
        extensions.pop("idempotency", None)
        if not extensions:
            body.pop("extensions")
    return status, json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def named_problem(value: Any) -> bool:
    """A non-empty ``userErrors`` anywhere in the answer (a saved draft names its steps' problems)."""
    if isinstance(value, dict):
        return bool(value.get("userErrors")) or any(named_problem(v) for v in value.values())
    return isinstance(value, list) and any(named_problem(v) for v in value)


def test_every_mutation_id_input_is_covered(schema: GraphQLSchema) -> None:
    found = set(id_inputs(schema))
    assert found == set(ID_TYPES), (
        f"id inputs without a type here: {sorted(found - set(ID_TYPES))}; "
        f"listed but gone: {sorted(set(ID_TYPES) - found)}"
    )
    for view in VIEWPOINTS.values():
        for (mutation, path), type_name in ID_TYPES.items():
            base_input(mutation, path, view)
            covered = type_name in view.foreign or type_name in MADE_FIRST
            excused = type_name in NO_FOREIGN_OBJECT or type_name in view.no_foreign
            assert covered != excused, f"{type_name}: a foreign object, or the reason there is none (not both)"


CASES = [(name, mutation, path) for name in VIEWPOINTS for mutation, path in sorted(ID_TYPES)]


@pytest.mark.parametrize(("viewpoint", "mutation", "path"), CASES, ids=[":".join(case) for case in CASES])
async def test_a_foreign_id_answers_exactly_like_a_missing_one(
    world: World, schema: GraphQLSchema, viewpoint: str, mutation: str, path: str
) -> None:
    view = VIEWPOINTS[viewpoint]
    type_name = ID_TYPES[(mutation, path)]
    base = base_input(mutation, path, view)
    select = selection(schema, mutation)
    user = persona(mutation, view)
    foreign_id = await world.foreign_id(view, type_name)
    foreign = await world.call(user, mutation, place(base, path, foreign_id), select)
    missing = await world.call(user, mutation, place(base, path, gid(type_name, MISSING[type_name])), select)
    assert normalized(*foreign) == normalized(*missing), (
        f"{mutation} answers a foreign {type_name} id at input.{path} differently from a missing one"
    )
    body = json.loads(missing[1])
    assert body.get("errors") or named_problem(body), f"{mutation} took a missing {type_name} at input.{path}: {body}"


async def test_a_grant_seen_through_its_grantee_project_is_forbidden_not_missing(world: World) -> None:
    """u-marco sees gr-0008 (p-research's bucket shared with his p-vision): revoking it is FORBIDDEN, which tells
    him nothing ``node(id:)`` does not; an invisible grant is NOT_FOUND like a missing one (above)."""
    grant = gid("StorageGrant", "gr-0008")
    _, content = await world.call("u-marco", "revokeStorageGrant", {"grantId": grant}, "userErrors { code }")
    assert [e["extensions"]["code"] for e in json.loads(content)["errors"]] == ["FORBIDDEN"], content
    node = await world.client.post(
        "/graphql",
        json={"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": grant}},
        headers={"authorization": f"Bearer {world.harness.token('u-marco')}"},
    )
    assert node.json()["data"]["node"] == {"id": grant}
