"""The committed SDL matches the code, changes stay non-breaking, and every schema element is described."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    find_breaking_changes,
    introspection_types,
    specified_scalar_types,
)

from schema import schema

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "schema" / "schema.graphql"

# Breaking changes made on purpose, as graphql-core describes them, each with the reason it is accepted (and a
# README changelog entry). The gate compares the code with the committed SDL and with the SDL of the last git
# commit, so regenerating schema/schema.graphql alone does not wave a breaking change through.
DRAFT_ENUMS = "the launch drafts take and return the enum the read model answers with, not a lower-case string"
ACCEPTED_BREAKING_CHANGES: dict[str, str] = {
    # Issue 16, item 2, "Partial means partial": a field read from another service than its parent's is null,
    # with a located BACKEND_* error naming that service, instead of taking the parent (or the page) down.
    "Field PlatformNode.workloads changed type from [Workload!]! to [Workload!].": (
        "read from the workloads service: the node page keeps the platform service's data when workloads is down"
    ),
    "Field PlatformNode.allocatedGpus changed type from Int! to Int.": (
        "counted from the workloads service: the node and MAAS site pages survive a workloads outage"
    ),
    "Field PlatformNode.lifecycleOperations changed type from [PlatformLifecycleOperation!]! to "
    "[PlatformLifecycleOperation!].": (
        "the drain reason counts the node's workloads (workloads service): the node page survives its outage"
    ),
    "Field Query.launchDrafts changed type from [LaunchDraft!]! to [LaunchDraft!].": (
        "drafts live in the workloads and storage services: the launch pages keep their other sections when "
        "either is down"
    ),
    "Field LaunchDraft.steps changed type from [LaunchDraftStep!]! to [LaunchDraftStep!].": (
        "a draft's step checks read the access, platform and storage services: when one is down the steps are null "
        "with its error, and the draft list and the launch page keep rendering"
    ),
    # Issue 13, item 5, "Enums are spelled the same in inputs and outputs".
    "Field CreateBucketInput.provider changed type from String! to StorageProviderKind!.": (
        "createBucket takes the StorageProviderKind enum (WEKA, VAST) a bucket's provider answers with, instead of "
        "a lower-case string the read model never shows"
    ),
    "Field AccessAudience.permission changed type from String! to GrantPermission!.": (
        "an audience's permission is the GrantPermission enum its grant answers with, not a lower-case string"
    ),
    "Field LaunchBucket.provider changed type from String to StorageProviderKind.": DRAFT_ENUMS,
    "Field LaunchBucketInput.provider changed type from String to StorageProviderKind.": DRAFT_ENUMS,
    "Field LaunchNewBucket.provider changed type from String to StorageProviderKind.": DRAFT_ENUMS,
    "Field LaunchNewBucketInput.provider changed type from String to StorageProviderKind.": DRAFT_ENUMS,
    "Field LaunchGrant.permission changed type from String to GrantPermission.": DRAFT_ENUMS,
    "Field LaunchGrantInput.permission changed type from String to GrantPermission.": DRAFT_ENUMS,
}


def current_sdl() -> str:
    """The SDL exactly as ``gateway schema`` prints it."""
    return schema.as_str() + "\n"


def test_committed_sdl_matches_the_code() -> None:
    assert COMMITTED.read_text() == current_sdl(), (
        "schema/schema.graphql is out of date: run `make schema` and commit the result"
    )


def unaccepted_breaking_changes(baseline_sdl: str) -> list[str]:
    """Breaking changes from the baseline SDL to the code that ACCEPTED_BREAKING_CHANGES does not list."""
    found = find_breaking_changes(build_schema(baseline_sdl), schema._schema)
    return [f"{c.type.name}: {c.description}" for c in found if c.description not in ACCEPTED_BREAKING_CHANGES]


def test_schema_changes_break_no_existing_client() -> None:
    breaking = unaccepted_breaking_changes(COMMITTED.read_text())
    assert breaking == [], (
        "breaking schema changes (make them deliberately: add each to ACCEPTED_BREAKING_CHANGES with its reason "
        "and to the README changelog, then `make schema`):\n" + "\n".join(breaking)
    )


@pytest.mark.socket  # runs `git show` (a process): the full suite's gate, not the fast loop's
def test_breaking_changes_since_the_last_commit_are_accepted() -> None:
    # `make schema` regenerates the committed SDL, which then matches any change: the last commit's SDL
    # is the baseline that still sees a breaking change until it is accepted above.
    try:
        shown = subprocess.run(
            ["git", "show", "HEAD:schema/schema.graphql"], cwd=ROOT, capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError) as error:
        pytest.skip(f"no git: {error}")
    if shown.returncode != 0:
        pytest.skip(f"no committed schema/schema.graphql in git: {shown.stderr.strip()}")
    breaking = unaccepted_breaking_changes(shown.stdout)
    assert breaking == [], (
        "breaking schema changes since the last commit (accept each in ACCEPTED_BREAKING_CHANGES with its reason "
        "and a README changelog entry):\n" + "\n".join(breaking)
    )
    assert all(reason.strip() for reason in ACCEPTED_BREAKING_CHANGES.values())


def undescribed(graphql_schema: GraphQLSchema) -> list[str]:
    """Every type, field, argument and enum value of our own making that lacks a description."""
    missing: list[str] = []

    def check(where: str, description: str | None) -> None:
        if not (description or "").strip():
            missing.append(where)

    for name, named in graphql_schema.type_map.items():
        if name in introspection_types or name in specified_scalar_types:
            continue
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            check(name, named.description)
            for field_name, field in named.fields.items():
                check(f"{name}.{field_name}", field.description)
                for arg_name, arg in getattr(field, "args", {}).items():
                    check(f"{name}.{field_name}({arg_name}:)", arg.description)
        elif isinstance(named, GraphQLEnumType):
            check(name, named.description)
            for value_name, value in named.values.items():
                check(f"{name}.{value_name}", value.description)
        elif isinstance(named, GraphQLUnionType):
            check(name, named.description)
    return missing


def test_every_type_field_argument_and_enum_value_is_described() -> None:
    assert undescribed(schema._schema) == []


def test_the_description_walk_finds_gaps() -> None:
    # Guards the walk itself: a schema with gaps of every kind must be reported in full.
    gaps = build_schema('''
        """Root."""
        type Query { plain(arg: Int): Thing }
        type Thing { field: Kind }
        enum Kind { A }
        input Narrow { only: Int }
    ''')
    assert set(undescribed(gaps)) == {
        "Query.plain",
        "Query.plain(arg:)",
        "Thing",
        "Thing.field",
        "Kind",
        "Kind.A",
        "Narrow",
        "Narrow.only",
    }
