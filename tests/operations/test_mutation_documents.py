"""The console's mutation documents (operations/mutations/, indexed under ``mutations`` in operations/index.json).

Every Mutation field of the schema has a committed, named document; every committed document validates and
fits the default operation limits; the index names the routes that take each action; and under trusted
documents every committed mutation runs for a person, while a document of their own is refused.
"""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path
from typing import Any

import pytest
from graphql import FieldNode, OperationDefinitionNode, OperationType, parse, print_ast, validate

from gateway.documents import DEFAULT_OPERATIONS_DIR
from gateway.ids import encode_global_id
from gateway.limits.analysis import analyse
from gateway.security_settings import SecuritySettings
from gateway.settings import Settings
from schema import schema
from tests import route_operations as ops
from tests.idempotency_support import compute_input, fresh_public_key
from tests.support import GatewayHarness, build_harness

MUTATIONS: dict[str, dict[str, Any]] = ops.INDEX["mutations"]
VISION = encode_global_id("Project", "p-vision")


def mutation_fields(path: Path) -> set[str]:
    """The Mutation fields the mutation operations of a document select."""
    found: set[str] = set()
    for definition in parse(path.read_text()).definitions:
        if isinstance(definition, OperationDefinitionNode) and definition.operation == OperationType.MUTATION:
            found |= {s.name.value for s in definition.selection_set.selections if isinstance(s, FieldNode)}
    return found


def test_every_mutation_field_appears_in_a_committed_document() -> None:
    covered = set().union(*(mutation_fields(p) for p in ops.all_operation_files()))
    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    assert set(mutation_type.fields) - covered == set(), "Mutation fields without a committed document"
    assert {entry["field"] for entry in MUTATIONS.values()} == set(mutation_type.fields)


def test_every_committed_document_validates_against_the_schema() -> None:
    for path in ops.all_operation_files():
        errors = validate(schema._schema, parse(path.read_text()))
        assert errors == [], (path.name, [e.message for e in errors])


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_the_index_names_the_routes_that_take_each_action(name: str) -> None:
    entry = MUTATIONS[name]
    path = DEFAULT_OPERATIONS_DIR / entry["file"]
    parsed = parse(path.read_text())
    (operation,) = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    assert operation.operation == OperationType.MUTATION and operation.name is not None
    assert operation.name.value == name and path.stem == name
    assert mutation_fields(path) == {entry["field"]}, "one action per document"
    variables = {d.variable.name.value: print_ast(d.type) for d in operation.variable_definitions or ()}
    assert variables == entry["variables"]
    assert entry["routes"] and set(entry["routes"]) <= set(ops.ROUTES), "routes of the console's navigation"


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mutation_documents_fit_the_default_operation_limits(name: str) -> None:
    document = parse((DEFAULT_OPERATIONS_DIR / MUTATIONS[name]["file"]).read_text())
    defaults = SecuritySettings()
    report = analyse(
        document,
        schema=schema._schema,
        operation_name=None,
        variables={},
        default_list_size=defaults.cost_default_list_size,
    )
    assert report is not None
    assert report.operation.cost <= defaults.max_cost and report.operation.depth <= defaults.max_depth
    assert report.operation.aliases <= defaults.max_aliases and report.operation.fields <= defaults.max_root_fields


def trusted_gateway() -> GatewayHarness:
    """A gateway that runs registered documents only (for people), on the embedded services."""
    security = dataclasses.replace(SecuritySettings(), trusted_documents=True)
    return build_harness(settings=Settings.from_env({}, viewer_cache_seconds=0, security=security))


async def run(harness: GatewayHarness, name: str, given: dict[str, Any], user: str) -> dict[str, Any]:
    """Run the committed document ``name`` as ``user`` (a person), with an idempotency key of its own."""
    text = (DEFAULT_OPERATIONS_DIR / MUTATIONS[name]["file"]).read_text()
    headers = {"authorization": f"Bearer {harness.token(user)}", "idempotency-key": f"console-{uuid.uuid4()}"}
    async with harness.client() as client:
        response = await client.post("/graphql", json={"query": text, "variables": {"input": given}}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    payload = body["data"][MUTATIONS[name]["field"]]
    assert payload is not None
    return payload


def workload(local: str) -> dict[str, str]:
    return {"workloadId": encode_global_id("Workload", local)}


def node(local: str, **more: str) -> dict[str, str]:
    return {"nodeId": encode_global_id("GpuNode", local), **more}


# Committed document -> (input, person, userError codes the seeded state makes it answer).
CONSOLE_ACTIONS: dict[str, tuple[dict[str, Any], str, list[str]]] = {
    "StopWorkload": (workload("wl-0039"), "u-tara", []),
    "StartWorkload": (workload("wl-0021"), "u-tara", []),
    "RestartWorkload": (workload("wl-0063"), "u-tara", []),
    "TerminateWorkload": (workload("wl-0011"), "u-tara", []),
    "LaunchCompute": (compute_input("console-box"), "u-marco", []),
    "LaunchApp": (
        {"basics": {"projectId": VISION, "name": "console-lab"}, "app": {"appSlug": "jupyter"}},
        "u-tara",
        [],
    ),
    "SaveLaunchDraft": ({"kind": "COMPUTE"}, "u-tara", []),
    "CreateBucket": (
        {
            "projectId": VISION,
            "name": "console-bucket",
            "purpose": "dataset",
            "provider": "WEKA",
            "region": "us-east-1",
            "quotaBytes": 1 << 40,
        },
        "u-tara",
        [],
    ),
    "CreateStorageGrant": (
        {
            "bucketId": encode_global_id("Bucket", "bk-0001"),
            "projectId": encode_global_id("Project", "p-llm"),
            "permission": "READ",
        },
        "u-tara",
        [],
    ),
    "RevokeStorageGrant": ({"grantId": encode_global_id("StorageGrant", "gr-0001")}, "u-tara", []),
    "IssueStorageCredential": (
        {"bucketId": encode_global_id("Bucket", "bk-0001"), "permission": "READ"},
        "u-tara",
        ["CAPABILITY_NOT_VALIDATED"],  # fails closed until the provider validates direct credentials
    ),
    "CreateSshKey": ({"name": "console-key", "publicKey": fresh_public_key("console")}, "u-tara", []),
    "CreateServiceAccount": ({"projectId": VISION, "name": "console-bot"}, "u-tara", []),
    "MarkNotificationsRead": ({"all": True}, "u-tara", []),
    "SendTestNotification": ({"title": "From the console"}, "u-tara", []),
    "CordonNode": (node("node-001"), "u-olivia", []),
    "UncordonNode": (node("node-004"), "u-olivia", []),
    "DrainNode": (node("node-002"), "u-olivia", []),
    "StartNodeDecommission": (node("node-010", reason="lease end"), "u-olivia", []),
}


def test_every_console_action_is_exercised_below() -> None:
    assert set(CONSOLE_ACTIONS) | {"DiscardLaunchDraft", "SubmitLaunchDraft"} == set(MUTATIONS)


@pytest.mark.parametrize("name", sorted(CONSOLE_ACTIONS))
async def test_each_committed_mutation_runs_for_a_person_under_trusted_documents(name: str) -> None:
    given, user, expected = CONSOLE_ACTIONS[name]
    payload = await run(trusted_gateway(), name, given, user)
    assert [e["code"] for e in payload["userErrors"]] == expected


async def test_the_draft_actions_run_on_a_draft_the_wizard_saved() -> None:
    harness = trusted_gateway()
    for action in ("DiscardLaunchDraft", "SubmitLaunchDraft"):
        saved = await run(harness, "SaveLaunchDraft", {"kind": "STORAGE"}, "u-tara")
        done = await run(harness, action, {"draftId": saved["draft"]["id"]}, "u-tara")
        # A fresh draft is incomplete: submit names the missing steps; discard closes it.
        assert done["draft"] is not None if action == "DiscardLaunchDraft" else done["userErrors"]


async def test_a_persons_own_mutation_document_is_refused_under_trusted_documents() -> None:
    harness = trusted_gateway()
    own = "mutation($i: WorkloadActionInput!) { stopWorkload(input: $i) { workload { status } } }"
    headers = {"authorization": f"Bearer {harness.token('u-tara')}", "idempotency-key": f"own-{uuid.uuid4()}"}
    async with harness.client() as client:
        response = await client.post(
            "/graphql", json={"query": own, "variables": {"input": workload("wl-0039")}}, headers=headers
        )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
