"""Storage mutations: provider-neutral bucket create, grants (create, list, revoke), credentials fail closed."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway.ids import encode_global_id
from reference_services.seed import SECRET_MARKER
from tests.idempotency_support import GENOMICS, LLM, VISION, Commands, codes, mutate, open_gateway, post
from tests.support import GatewayHarness

CREATE = """mutation($input: CreateBucketInput!) { createBucket(input: $input) {
  bucket { id name purpose region status usage { quotaBytes usedBytes state } provider { provider }
           project { name } tabs { events { type message } } }
  userErrors { field message code } } }"""
GRANT = """mutation($b: ID!, $p: ID!, $perm: GrantPermission!) {
  createStorageGrant(input: {bucketId: $b, projectId: $p, permission: $perm}) {
    grant { id permission active granteeProject { name } bucket { name } } userErrors { field code } } }"""
REVOKE = """mutation($g: ID!) { revokeStorageGrant(input: {grantId: $g}) {
  grant { id active revokedAt } userErrors { field code } } }"""
AUDIENCES = """query($id: ID!) { bucket(id: $id) { tabs { accessAudiences {
  kind permission project { name } grant { id } } } } }"""
ISSUE = """mutation($b: ID!) { issueStorageCredential(input: {bucketId: $b, permission: READ}) {
  credential { id } userErrors { field message code } } }"""


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[GatewayHarness, Commands]]:
    async with open_gateway() as opened:
        yield opened


def bucket_input(**overrides: Any) -> dict[str, Any]:
    return {
        "projectId": VISION,
        "name": "vision-features",
        "purpose": "dataset",
        "provider": "VAST",
        "region": "us-east-1",
        "quotaBytes": 2 * 1024**4,
        **overrides,
    }


async def test_create_bucket_on_any_provider_through_its_capabilities(gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway
    async with harness.client() as client:
        body = await mutate(client, CREATE, {"input": bucket_input()})
        listed = await post(client, "{ buckets(first: 1) { edges { node { name } } } }")
    payload = body["data"]["createBucket"]
    assert payload["userErrors"] == []
    bucket = payload["bucket"]
    assert (bucket["name"], bucket["purpose"], bucket["status"], bucket["provider"]) == (
        "vision-features",
        "dataset",
        "active",
        {"provider": "VAST"},
    )
    assert bucket["usage"] == {"quotaBytes": 2 * 1024**4, "usedBytes": 0, "state": "OK"}
    assert bucket["tabs"]["events"][0]["type"] == "created"
    assert listed["data"]["buckets"]["edges"][0]["node"]["name"] == "vision-features"
    assert commands.take() == [("storage", "/v1/buckets")]
    assert SECRET_MARKER not in json.dumps(body)  # endpoints and keys of the new bucket stay in the service


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"name": "Not A Name"}, "name", "INVALID"),
        ({"purpose": "backups"}, "purpose", "INVALID"),
        ({"quotaBytes": 200 * 1024**4}, "quotaBytes", "QUOTA_EXCEEDED"),
        ({"name": "vision-datasets"}, "name", "ALREADY_EXISTS"),  # the seed's bucket: refused by the service
    ],
)
async def test_create_bucket_refusals(
    gateway: tuple[GatewayHarness, Commands], overrides: dict[str, Any], field: str, code: str
):
    harness, _ = gateway
    async with harness.client() as client:
        body = await mutate(client, CREATE, {"input": bucket_input(**overrides)})
    (error,) = body["data"]["createBucket"]["userErrors"]
    assert (error["field"], error["code"]) == (["input", field], code)


async def test_create_bucket_takes_the_provider_enum_a_bucket_answers_with(gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway
    async with harness.client() as client:
        read = await post(client, "{ buckets(first: 1) { nodes { provider { provider } } } }")
        answered = read["data"]["buckets"]["nodes"][0]["provider"]["provider"]
        made = await mutate(client, CREATE, {"input": bucket_input(name="round-trip", provider=answered)})
        commands.take()
        refused = [await mutate(client, CREATE, {"input": bucket_input(provider=p)}) for p in ("vast", "s3")]
    assert made["data"]["createBucket"]["userErrors"] == []
    assert made["data"]["createBucket"]["bucket"]["provider"] == {"provider": answered}
    for body in refused:  # the old lower-case spelling and unknown providers: the enum refuses them, no call made
        assert body.get("data") is None and "StorageProviderKind" in body["errors"][0]["message"]
        assert codes(body) == ["BAD_USER_INPUT"]
    assert commands.take() == []


async def test_create_bucket_in_another_tenants_project_is_not_found(gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway
    async with harness.client() as client:
        body = await mutate(client, CREATE, {"input": bucket_input(projectId=GENOMICS)})
    assert codes(body) == ["NOT_FOUND"] and commands.take() == []


async def test_grants_share_list_and_revoke(gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway
    bucket = encode_global_id("Bucket", "bk-0004")  # p-llm's; u-tara administers the tenant
    research = encode_global_id("Project", "p-research")
    async with harness.client() as client:
        made = await mutate(client, GRANT, {"b": bucket, "p": research, "perm": "READ_WRITE"}, user="u-tara")
        grant = made["data"]["createStorageGrant"]["grant"]
        shared = await post(client, AUDIENCES, {"id": bucket}, user="u-tara")
        revoked = await mutate(client, REVOKE, {"g": grant["id"]}, user="u-tara")
        after = await post(client, AUDIENCES, {"id": bucket}, user="u-tara")
        twice = await mutate(client, REVOKE, {"g": grant["id"]}, user="u-tara")
    assert grant["permission"] == "READ_WRITE" and grant["active"] is True
    assert grant["granteeProject"] == {"name": "Research Sandbox"} and grant["bucket"]["name"] == "llm-datasets"
    audiences = shared["data"]["bucket"]["tabs"]["accessAudiences"]
    assert {
        "kind": "GRANT",
        "permission": "READ_WRITE",
        "project": {"name": "Research Sandbox"},
        "grant": {"id": grant["id"]},
    } in audiences
    assert revoked["data"]["revokeStorageGrant"]["grant"]["active"] is False
    assert {"id": grant["id"]} not in [a["grant"] for a in after["data"]["bucket"]["tabs"]["accessAudiences"]]
    assert twice["data"]["revokeStorageGrant"]["userErrors"] == [
        {"field": ["input", "grantId"], "code": "INVALID_STATE"}
    ]
    revoke = ("storage", f"/v1/grants/{_local(grant['id'])}/revoke")
    assert commands.take() == [("storage", "/v1/grants"), revoke, revoke]  # the service refuses the second


def _local(global_id: str) -> str:
    import base64

    return base64.b64decode(global_id).decode().split(":", 1)[1]


@pytest.mark.parametrize(
    ("user", "bucket", "project", "code"),
    [
        ("u-marco", "bk-0004", "p-research", "FORBIDDEN"),  # a member of p-llm, not its admin
        ("u-priya", "bk-0001", "p-research", "FORBIDDEN"),  # member only of p-vision
        ("u-gina", "bk-0004", "p-robotics", "NOT_FOUND"),  # another tenant's bucket
        ("u-priya", "bk-0004", "p-genomics", "NOT_FOUND"),  # sharing outside the tenant
        ("u-olivia", "bk-0004", "p-research", "FORBIDDEN"),  # operators are read-only in tenants
    ],
)
async def test_who_may_share_what(
    gateway: tuple[GatewayHarness, Commands], user: str, bucket: str, project: str, code: str
):
    harness, commands = gateway
    variables = {"b": encode_global_id("Bucket", bucket), "p": encode_global_id("Project", project), "perm": "READ"}
    async with harness.client() as client:
        body = await mutate(client, GRANT, variables, user=user)
    assert codes(body) == [code] and commands.take() == []


async def test_sharing_with_the_owner_or_twice_is_refused(gateway: tuple[GatewayHarness, Commands]):
    harness, _ = gateway
    bucket = encode_global_id("Bucket", "bk-0004")
    async with harness.client() as client:
        owner = await mutate(client, GRANT, {"b": bucket, "p": LLM, "perm": "READ"}, user="u-tara")
        twice = await mutate(client, GRANT, {"b": bucket, "p": VISION, "perm": "READ"}, user="u-tara")  # seed grant
    assert owner["data"]["createStorageGrant"]["userErrors"] == [{"field": ["input", "projectId"], "code": "INVALID"}]
    assert twice["data"]["createStorageGrant"]["userErrors"] == [
        {"field": ["input", "projectId"], "code": "ALREADY_EXISTS"}
    ]


@pytest.mark.parametrize("bucket", ["bk-0004", "bk-0005"])  # VAST and WEKA: neither validated direct credentials
async def test_credential_issuance_fails_closed_naming_the_capability(
    gateway: tuple[GatewayHarness, Commands], bucket: str
):
    harness, commands = gateway
    async with harness.client() as client:
        body = await mutate(client, ISSUE, {"b": encode_global_id("Bucket", bucket)}, user="u-priya")
    payload = body["data"]["issueStorageCredential"]
    assert payload["credential"] is None
    (error,) = payload["userErrors"]
    assert error["code"] == "CAPABILITY_NOT_VALIDATED" and "direct_credentials" in error["message"]
    assert commands.take() == [] and SECRET_MARKER not in json.dumps(body)
