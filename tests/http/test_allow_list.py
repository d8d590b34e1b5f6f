"""User-safe reads: every field of the workload, bucket, viewer and node surfaces, for every persona,
carries no seeded secret; secret-named environment entries are redacted.

The queries are generated from the schema, so a field added later is covered without editing this file.
"""

from __future__ import annotations

import json
import re
from collections import deque
from typing import Any

import pytest
from graphql import (
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLUnionType,
    get_named_type,
    is_leaf_type,
)

from gateway.ids import encode_global_id
from gateway.settings import Settings
from schema import schema
from tests.support import PERSONA_USERS, GatewayHarness, build_harness

MARKER = "SEEDSECRET"
WORKLOAD_KINDS = {"ComputeWorkload", "JupyterWorkload", "VllmWorkload", "TrainingWorkload"}
# Global-id type -> (local ids across tenants, the object types they resolve to).
NODE_FAMILIES = {
    "Workload": (("wl-0003", "wl-0011", "wl-0019", "wl-0027", "wl-0035", "wl-0036"), WORKLOAD_KINDS),
    "Bucket": (("bk-0001", "bk-0002", "bk-0010"), {"Bucket"}),
    "Project": (("p-vision", "p-genomics"), {"Project"}),
    "Tenant": (("t-acme", "t-globex"), {"Tenant"}),
    "User": (("u-tara", "u-gina", "u-olivia"), {"User"}),
    "GpuNode": (("node-001", "node-007"), {"GpuNode"}),
}


def _queryable(
    named: GraphQLObjectType | GraphQLInterfaceType, skip: set[str] | frozenset[str] = frozenset()
) -> list[str]:
    """Fields selectable without arguments (every argument optional)."""
    return [
        name
        for name, field in named.fields.items()
        if name not in skip
        and not any(isinstance(a.type, GraphQLNonNull) and a.default_value is None for a in field.args.values())
    ]


def _possible(named: GraphQLNamedType, only: set[str] | None) -> list[GraphQLObjectType]:
    if not isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
        return []
    return [p for p in schema._schema.get_possible_types(named) if only is None or p.name in only]


class SelectAll:
    """A selection of every field of every type reachable from a root field.

    Each type is expanded once, at its shallowest occurrence, and elsewhere selects ``__typename``
    (and ``id``): every field is read at least once while the response stays small. ``only`` narrows
    which possible types the root's interface gets fragments for.
    """

    def __init__(self, root_type: GraphQLNamedType, only: set[str] | None = None) -> None:
        self.only = only
        self.expanded: set[str] = set()
        self.depth = self._shallowest(root_type)
        self.text = self._select(root_type, 0, only)

    def _children(self, named: GraphQLNamedType, only: set[str] | None) -> list[tuple[GraphQLNamedType, int]]:
        found: list[tuple[GraphQLNamedType, int]] = [(p, 0) for p in _possible(named, only)]
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            found += [(get_named_type(named.fields[n].type), 1) for n in _queryable(named)]
        return [(child, step) for child, step in found if not is_leaf_type(child)]

    def _shallowest(self, root_type: GraphQLNamedType) -> dict[str, int]:
        """Fewest fields between the root and each type (0-1 breadth first: fragments add no depth)."""
        depth = {root_type.name: 0}
        queue: deque[GraphQLNamedType] = deque([root_type])
        while queue:
            named = queue.popleft()
            for child, step in self._children(named, self.only if named is root_type else None):
                if depth[named.name] + step < depth.get(child.name, 1 << 30):
                    depth[child.name] = depth[named.name] + step
                    (queue.appendleft if step == 0 else queue.append)(child)
        return depth

    def _select(self, named: GraphQLNamedType, depth: int, only: set[str] | None = None) -> str:
        if named.name in self.expanded or self.depth[named.name] != depth:
            return "{ __typename" + (" id" if "id" in getattr(named, "fields", {}) else "") + " }"
        self.expanded.add(named.name)
        parts = ["__typename"]
        own: set[str] = set()
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            own = set(_queryable(named))
            parts += [self._field(n, named.fields[n].type, depth + 1) for n in _queryable(named)]
        for possible in _possible(named, only):
            if possible.name in self.expanded or self.depth[possible.name] != depth:
                continue
            self.expanded.add(possible.name)
            extra = [self._field(n, possible.fields[n].type, depth + 1) for n in _queryable(possible, skip=own)]
            if extra:
                parts.append(f"... on {possible.name} {{ {' '.join(extra)} }}")
        return "{ " + " ".join(parts) + " }"

    def _field(self, name: str, type_: Any, depth: int) -> str:
        inner = get_named_type(type_)
        return name if is_leaf_type(inner) else f"{name} {self._select(inner, depth)}"


def root(field: str, arguments: str = "", only: set[str] | None = None) -> str:
    return f"{field}{arguments} {SelectAll(get_named_type(schema._schema.query_type.fields[field].type), only).text}"


# One node/nodes query per type family: sibling fragments on unrelated types may not share field names.
QUERIES = {
    "workloads": "{ " + root("workloads", "(first: 100)") + " }",
    "buckets": "{ " + root("buckets", "(first: 100)") + " }",
    "viewer": "{ " + root("viewer") + " }",
    **{
        f"nodes {family}": "query($ids: [ID!]!) { " + root("nodes", "(ids: $ids)", only=types) + " }"
        for family, (_, types) in NODE_FAMILIES.items()
    },
    **{
        f"node {family}": "query($id: ID!) { " + root("node", "(id: $id)", only=types) + " }"
        for family, (_, types) in NODE_FAMILIES.items()
    },
}


async def fetch_everything(harness: GatewayHarness, persona: str) -> tuple[str, dict[str, Any]]:
    """Raw response texts (joined) and decoded bodies of every broad query for one persona."""
    texts: list[str] = []
    bodies: dict[str, Any] = {}
    async with harness.client() as client:
        requests: list[tuple[str, str, dict[str, Any] | None]] = [
            (name, QUERIES[name], None) for name in ("workloads", "buckets", "viewer")
        ]
        for family, (local_ids, _) in NODE_FAMILIES.items():
            ids = [encode_global_id(family, local) for local in local_ids]
            requests.append((f"nodes {family}", QUERIES[f"nodes {family}"], {"ids": ids}))
            # node(id:) shares nodes(ids:)'s resolvers; one id per family proves the root field itself.
            requests.append((f"node {family}", QUERIES[f"node {family}"], {"id": ids[-1]}))
        for name, query, variables in requests:
            response = await client.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"x-dev-viewer": PERSONA_USERS[persona]},
            )
            assert response.status_code == 200, response.text
            texts.append(response.text)
            bodies[name] = response.json()
    return "\n".join(texts), bodies


def environment_entries(value: Any) -> list[dict[str, Any]]:
    """Every ConfigEntry anywhere in a response."""
    if isinstance(value, dict):
        if value.get("__typename") == "ConfigEntry":
            return [value]
        return [entry for child in value.values() for entry in environment_entries(child)]
    if isinstance(value, list):
        return [entry for child in value for entry in environment_entries(child)]
    return []


def rows(connection: dict[str, Any]) -> list[dict[str, Any]]:
    """A connection's items from whichever of ``nodes`` / ``edges.node`` the generator expanded."""
    candidates = [connection["nodes"], [edge["node"] for edge in connection["edges"]]]
    return max(candidates, key=lambda items: len(items[0]) if items else 0)


def typenames(value: Any) -> set[str]:
    if isinstance(value, dict):
        return {value.get("__typename", ""), *(t for child in value.values() for t in typenames(child))}
    if isinstance(value, list):
        return {t for child in value for t in typenames(child)}
    return set()


def broad_harness() -> GatewayHarness:
    """A gateway whose cost and size limits admit the broad queries: they select every field at once,
    far past the default limits, on purpose (a test tool, not a page)."""
    return build_harness(
        settings=Settings.from_env(
            {"GATEWAY_MAX_COST": "100000000", "GATEWAY_MAX_TOKENS": "100000"}, viewer_cache_seconds=60
        )
    )


@pytest.mark.parametrize("persona", sorted(PERSONA_USERS))
async def test_no_persona_sees_a_seeded_secret_and_secret_env_entries_are_redacted(persona: str) -> None:
    text, bodies = await fetch_everything(broad_harness(), persona)
    assert MARKER not in text
    # Only "not yours / not there" may fail: any other error would hide fields from the check.
    for name, body in bodies.items():
        unexpected = [e for e in body.get("errors", []) if e["extensions"]["code"] != "NOT_FOUND"]
        assert unexpected == [], (name, unexpected)
    assert bodies["viewer"]["data"]["viewer"]["user"]["id"] == encode_global_id("User", PERSONA_USERS[persona])

    entries = environment_entries(bodies)
    # HF_TOKEN is flagged secret by its backend; WANDB_API_KEY is not (a seeded mistake) and is caught by name.
    assert {"HF_TOKEN", "WANDB_API_KEY", "NCCL_DEBUG", "HF_HOME"} <= {entry["name"] for entry in entries}
    for entry in entries:
        if re.search(r"TOKEN|KEY|SECRET|PASSWORD|CREDENTIAL", entry["name"]):
            assert entry["value"] is None and entry["redacted"] is True, entry
        else:
            assert entry["value"] is not None and entry["redacted"] is False, entry

    # The check reached every workload kind, every tab and every node type the persona may see.
    workloads = rows(bodies["workloads"]["data"]["workloads"])
    assert {w["__typename"] for w in workloads} == WORKLOAD_KINDS
    assert all(tab is not None for w in workloads for tab in w["tabs"].values())
    assert {"overview", "connect", "metrics", "events", "storage", "config"} <= set(workloads[0]["tabs"])
    buckets = rows(bodies["buckets"]["data"]["buckets"])
    assert {"objects", "mountedWorkloads", "accessAudiences", "lifecycle", "events"} <= set(buckets[0]["tabs"])
    assert all(tab is not None for b in buckets for tab in b["tabs"].values())
    assert {"Bucket", "Project", "Tenant", "User"} <= typenames(bodies)
    if persona == "operator":
        assert "GpuNode" in typenames(bodies["nodes GpuNode"])


def test_the_generated_queries_select_the_sensitive_neighbourhoods() -> None:
    # If generation silently dropped these, the leak checks above would prove nothing.
    workloads = QUERIES["workloads"]
    for needle in (
        "environment { __typename name value redacted }",
        "... on VllmWorkload",
        "... on TrainingWorkload",
        "... on JupyterWorkload",
        "methods {",
        "mounts {",
        "capabilities {",
        "owner {",
    ):
        assert needle in workloads, needle
    assert "accessAudiences {" in QUERIES["buckets"] and "... on GpuNode" in QUERIES["nodes GpuNode"]
    assert all(f"... on {kind}" in QUERIES["node Workload"] for kind in WORKLOAD_KINDS)
    assert json.dumps(QUERIES).count(MARKER) == 0
