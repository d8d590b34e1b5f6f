"""Support for the route-operation tests: the committed index, real variables per persona, and the checks
every page response must pass (lists with data, typed empty states, no secrets, no other tenant's data)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    parse,
)

from gateway.documents import DEFAULT_OPERATIONS_DIR
from gateway.errors import BadUserInput
from gateway.ids import decode_global_id, encode_global_id
from reference_services.seed import PROJECTS, USERS, World, build_world
from schema import schema

INDEX: dict[str, Any] = json.loads((DEFAULT_OPERATIONS_DIR / "index.json").read_text())
ROUTES: dict[str, dict[str, Any]] = INDEX["routes"]
WORLD: World = build_world()

# Harness personas (tests.support.PERSONA_USERS) by the navigation persona they act in.
HARNESS_PERSONAS = {
    "member": ("member", "other-tenant-member"),
    "project_admin": ("project-admin",),
    "tenant_admin": ("tenant-admin", "other-tenant-admin"),
    "operator": ("operator",),
}
NAVIGATION_PERSONA = {h: n for n, hs in HARNESS_PERSONAS.items() for h in hs}
USER_OF = {
    "member": "u-marco",
    "project-admin": "u-priya",
    "tenant-admin": "u-tara",
    "operator": "u-olivia",
    "other-tenant-admin": "u-gina",
    "other-tenant-member": "u-sam",
}
_USERS = {u: (tenant, roles, memberships) for u, _, _, tenant, roles, memberships in USERS}
_TENANT_OF_PROJECT = {p["id"]: p["tenant_id"] for p in PROJECTS}

# Lists a page may show empty, and why (route -> response path -> reason). Everything else must have data.
ALLOWED_EMPTY: dict[str, dict[str, str]] = {
    "/access/memberships": {
        "access.invites": "invites are listed to the admins who manage them (access.viewerCanManage); a member "
        "manages none",
    },
    "/access/service-accounts": {
        "access.serviceAccounts.keys": "a service account's keys are shown to those who manage it; a member sees the "
        "accounts of their projects without their keys",
    },
    "/launch/compute": {
        "launchDrafts.network.firewallRules": "networks and firewalls are future product (networkAvailability is "
        "FUTURE): a draft never holds rules",
    },
}


def document(entry: dict[str, Any]) -> str:
    """The text of an index entry's operation."""
    return (DEFAULT_OPERATIONS_DIR / entry["file"]).read_text()


def tenant_of(persona: str) -> str | None:
    """The seeded tenant of a harness persona (None for the operator)."""
    return _USERS[USER_OF[persona]][0]


def visible_projects(persona: str) -> list[str]:
    """Projects a harness persona may see, as the seed defines them."""
    tenant, roles, memberships = _USERS[USER_OF[persona]]
    if "platform_operator" in roles:
        return sorted(_TENANT_OF_PROJECT)
    if "tenant_admin" in roles:
        return sorted(p for p, t in _TENANT_OF_PROJECT.items() if t == tenant)
    return sorted(memberships)


def _docs(domain: str, resource: str) -> list[dict[str, Any]]:
    return WORLD.domains[domain][resource]


def _workload_ids(persona: str) -> list[str]:
    """One workload of each kind in the persona's projects, running ones first (app kinds show their fields)."""
    projects = set(visible_projects(persona))
    chosen = {}
    for doc in sorted(_docs("workloads", "workloads"), key=lambda w: (w["status"] != "running", w["id"])):
        if doc["project_id"] in projects and doc["status"] != "terminated":
            chosen.setdefault(doc["kind"], doc["id"])
    return [encode_global_id("Workload", i) for i in chosen.values()]


def _bucket_ids(persona: str) -> list[str]:
    """One bucket per provider in the persona's projects, the most mounted first."""
    projects = set(visible_projects(persona))
    mounts = {m["bucket_id"] for m in _docs("storage", "mounts")}
    chosen = {}
    for doc in sorted(_docs("storage", "buckets"), key=lambda b: (b["id"] not in mounts, b["id"])):
        if doc["project_id"] in projects:
            chosen.setdefault(doc["provider"], doc["id"])
    return [encode_global_id("Bucket", i) for i in chosen.values()]


def _platform_ids(resource: str, type_name: str) -> list[str]:
    return [encode_global_id(type_name, d["id"]) for d in _docs("platform", resource)]


def _node_ids() -> list[str]:
    """Nodes with workloads, open signals, onboarding and decommission tasks: every list of the node page."""
    wanted = set()
    busy = {w["node_id"] for w in _docs("workloads", "workloads") if w.get("node_id") and w["status"] == "running"}
    wanted.add(sorted(busy)[0])
    for resource in ("ops-signals", "onboarding-tasks", "decommission-tasks"):
        wanted.update(d["node_id"] for d in _docs("platform", resource)[:2] if d.get("node_id"))
    return [encode_global_id("PlatformNode", i) for i in sorted(wanted)]


def variable_sets(route: str, persona: str) -> list[dict[str, Any]]:
    """The variables to open a route with, as the persona would reach it (one set per object to open)."""
    needs = ROUTES[route]["variables"]
    if not needs:
        return [{}]
    ((name, kind),) = needs.items()
    values = {
        "Workload": lambda: _workload_ids(persona),
        "Bucket": lambda: _bucket_ids(persona),
        "App.slug": lambda: sorted(a["slug"] for a in _docs("workloads", "apps"))[:3],
        "PlatformNode": _node_ids,
        "MaasHub": lambda: _platform_ids("maas-hubs", "MaasHub"),
        "MaasSite": lambda: _platform_ids("sites", "MaasSite"),
        "OnboardingTask": lambda: _platform_ids("onboarding-tasks", "OnboardingTask"),
        "DecommissionTask": lambda: _platform_ids("decommission-tasks", "DecommissionTask"),
    }[kind]()
    return [{name: value} for value in values]


# --- what a page response must satisfy -----------------------------------------------------------------


@cache
def list_paths(text: str) -> frozenset[str]:
    """Response paths (dotted, without indices) of every list the operation selects."""
    parsed: DocumentNode = parse(text)
    fragments = {d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)}
    operation = next(d for d in parsed.definitions if isinstance(d, OperationDefinitionNode))
    found: set[str] = set()

    def walk(selections: SelectionSetNode, parent: Any, prefix: tuple[str, ...]) -> None:
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value.startswith("__"):
                    continue
                definition = parent.fields[selection.name.value]
                path = (*prefix, (selection.alias or selection.name).value)
                kind = definition.type.of_type if isinstance(definition.type, GraphQLNonNull) else definition.type
                if isinstance(kind, GraphQLList):
                    found.add(".".join(path))
                if selection.selection_set is not None:
                    walk(selection.selection_set, get_named_type(definition.type), path)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                walk(
                    selection.selection_set,
                    schema._schema.get_type(condition.name.value) if condition else parent,
                    prefix,
                )
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments[selection.name.value]
                walk(fragment.selection_set, schema._schema.get_type(fragment.type_condition.name.value), prefix)

    walk(operation.selection_set, schema._schema.query_type, ())
    return frozenset(found)


@dataclass
class ListReport:
    """How each list path of a page fared across responses: seen with data, or excused as a typed empty state."""

    with_data: set[str] = field(default_factory=set)
    excused: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)

    def add(self, data: Any) -> None:
        """Record every list of one response."""
        self._walk(data, (), None)

    def _walk(self, value: Any, path: tuple[str, ...], parent: dict[str, Any] | None) -> None:
        if isinstance(value, list):
            key = ".".join(path)
            self.seen.add(key)
            if value:
                self.with_data.add(key)
            elif parent is not None and (parent.get("availability") or {}).get("state") in {
                "EMPTY",
                "UNAVAILABLE",
                "FUTURE",
            }:
                self.excused.add(key)
            for item in value:
                if isinstance(item, dict):
                    for name, child in item.items():
                        self._walk(child, (*path, name), item)
        elif isinstance(value, dict):
            for name, child in value.items():
                self._walk(child, (*path, name), value)

    def empty(self, expected: frozenset[str], allowed: dict[str, str]) -> list[str]:
        """Expected lists never seen with data, not excused by a typed state and not allowed empty."""
        return sorted(p for p in expected - self.with_data - self.excused - set(allowed))


def returned_ids(value: Any) -> Iterator[str]:
    """Every global id in a response (values of ``id`` keys)."""
    if isinstance(value, dict):
        if isinstance(value.get("id"), str):
            yield value["id"]
        for child in value.values():
            yield from returned_ids(child)
    elif isinstance(value, list):
        for child in value:
            yield from returned_ids(child)


@cache
def _tenant_by_global_id() -> dict[tuple[str, str], str | None]:
    """(type name, local id) -> tenant of every seeded object the gateway exposes by global id."""
    found: dict[tuple[str, str], str | None] = {}
    for type_name, domain, resource in (
        ("Workload", "workloads", "workloads"),
        ("Bucket", "storage", "buckets"),
        ("User", "access", "users"),
        ("ServiceAccount", "access", "service-accounts"),
        ("Credential", "access", "credentials"),
        ("SsoIntegration", "access", "identity-providers"),
        ("Invite", "access", "invites"),
        ("Membership", "access", "memberships"),
        ("AuditEvent", "access", "audit-events"),
    ):
        for doc in WORLD.domains[domain][resource]:
            found[(type_name, doc["id"])] = doc.get("tenant_id") or _TENANT_OF_PROJECT.get(doc.get("project_id", ""))
    found.update({("Project", p): t for p, t in _TENANT_OF_PROJECT.items()})
    found.update({("Tenant", t["id"]): t["id"] for t in WORLD.domains["access"]["tenants"]})
    return found


def foreign_ids(data: Any, persona: str) -> list[str]:
    """Global ids in a response that belong to a tenant other than the persona's (operators: none)."""
    tenant = tenant_of(persona)
    if tenant is None:
        return []
    owners = _tenant_by_global_id()
    foreign = []
    for global_id in returned_ids(data):
        try:
            key = decode_global_id(global_id)
        except BadUserInput:  # plain string ids (activity events, ...) belong to no tenant object
            continue
        owner = owners.get(key)
        if owner is not None and owner != tenant:
            foreign.append(global_id)
    return foreign


# Field names whose seeded values are secrets, tokens, credentials or provider endpoints.
_SECRET_NAME = re.compile(
    r"(token|secret|password|passwd|private|credential|kubeconfig|card_number|cookie|authorization|recovery|signing"
    r"|endpoint|_url$|_ref$|_key$|_key_id$)"
)
# Names that match but hold public facts: counts, timestamps, a flag, the throughput of a model and an SSH public
# key (a saved launch draft's new key: public by design, the gateway returns it to its owner).
_NOT_SECRET = {"credential_max_lifetime_days", "password_changed_at", "secret", "tokens_per_second", "public_key"}


@cache
def seeded_secret_values() -> frozenset[str]:
    """Every value of a secret-looking field in the seed (an app's colour ``token`` is a design token, not one)."""
    found: set[str] = set()

    def walk(value: Any, name: str | None, parent: str | None) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                walk(child, key, name)
        elif isinstance(value, list):
            for child in value:
                walk(child, name, parent)
        elif (
            isinstance(value, str)
            and value
            and name
            and _SECRET_NAME.search(name)
            and name not in _NOT_SECRET
            and not (name == "token" and parent == "colour")
        ):
            found.add(value)

    for resources in WORLD.domains.values():
        for docs in resources.values():
            walk(docs, None, None)
    return frozenset(found)


def leaked_secrets(body: dict[str, Any]) -> list[str]:
    """Seeded secret values present anywhere in a response."""
    text = json.dumps(body)
    return sorted(value for value in seeded_secret_values() if value in text)


def all_operation_files() -> list[Path]:
    """Every committed operation document."""
    return sorted(DEFAULT_OPERATIONS_DIR.rglob("*.graphql"))
