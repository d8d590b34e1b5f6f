"""Drafts take and return the enums the read model answers with: a bucket's provider, a grant's permission."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.idempotency_support import LLM, VISION, Commands, codes, mutate, open_gateway, post
from tests.support import GatewayHarness

SAVE = """mutation($input: SaveLaunchDraftInput!) { saveLaunchDraft(input: $input) {
  draft { id bucket { provider } sharing { grants { permission } }
          storage { newBucket { provider } } }
  userErrors { field code } } }"""
ANSWERED = """{ buckets(first: 1) { nodes { provider { provider } tabs { accessAudiences { permission } } } } }"""


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[GatewayHarness, Commands]]:
    async with open_gateway() as opened:
        yield opened


def storage_draft(provider: str, permission: str) -> dict[str, object]:
    return {
        "kind": "STORAGE",
        "basics": {"projectId": LLM, "name": "enum-draft"},
        "bucket": {"purpose": "artifact", "provider": provider, "region": "us-east-1"},
        "sharing": {"grants": [{"projectId": VISION, "permission": permission}]},
    }


async def test_a_draft_takes_and_returns_the_values_the_read_model_answers_with(
    gateway: tuple[GatewayHarness, Commands],
) -> None:
    harness, _ = gateway
    async with harness.client() as client:
        read = await post(client, ANSWERED, user="u-priya")
        [bucket] = read["data"]["buckets"]["nodes"]
        provider, permission = bucket["provider"]["provider"], bucket["tabs"]["accessAudiences"][0]["permission"]
        saved = await mutate(client, SAVE, {"input": storage_draft(provider, permission)}, user="u-priya")
        compute = await mutate(
            client,
            SAVE,
            {"input": {"kind": "COMPUTE", "storage": {"newBucket": {"name": "scratch-x", "provider": provider}}}},
            user="u-priya",
        )
    draft = saved["data"]["saveLaunchDraft"]["draft"]
    assert (draft["bucket"]["provider"], draft["sharing"]["grants"]) == (provider, [{"permission": permission}])
    assert compute["data"]["saveLaunchDraft"]["draft"]["storage"]["newBucket"] == {"provider": provider}


@pytest.mark.parametrize(
    ("provider", "permission", "enum"),
    [
        ("weka", "READ", "StorageProviderKind"),  # the old lower-case spelling
        ("s3", "READ", "StorageProviderKind"),
        ("WEKA", "read", "GrantPermission"),
        ("WEKA", "ADMIN", "GrantPermission"),
    ],
)
async def test_a_wrong_enum_value_is_a_validation_error_before_any_call(
    gateway: tuple[GatewayHarness, Commands], provider: str, permission: str, enum: str
) -> None:
    harness, commands = gateway
    async with harness.client() as client:
        commands.take()
        body = await mutate(client, SAVE, {"input": storage_draft(provider, permission)}, user="u-priya")
    assert body.get("data") is None and enum in body["errors"][0]["message"]
    assert codes(body) == ["BAD_USER_INPUT"]
    assert commands.take() == []
