"""A revoke reaches the grantee's open page at once: the `storageAccessChanged` subscription over a real websocket.

u-marco (p-llm) reaches research-datasets through gr-0007; u-tara revokes it over HTTP; u-marco's subscription
receives the change with `active: false` and the bucket already out of reach (null). u-gina (t-globex) receives
nothing of it: her first event is a change in her own tenant.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.ids import encode_global_id
from tests.live_support import bearer, live_client, serving, until
from tests.support import GatewayHarness, build_harness

pytestmark = pytest.mark.socket

SHARED = encode_global_id("Bucket", "bk-0007")
GRANT = encode_global_id("StorageGrant", "gr-0007")
GLOBEX_GRANT = encode_global_id("StorageGrant", "gr-0013")  # robotics-datasets -> p-genomics
CHANGED = """subscription { storageAccessChanged {
  eventId bucketId granteeProjectId active grant { id revokedAt } bucket { id viewerAccess { kind } } } }"""
REVOKE = """mutation($input: RevokeStorageGrantInput!) { revokeStorageGrant(input: $input) {
  grant { id active } userErrors { code } } }"""


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[GatewayHarness, str]]:
    harness = build_harness()
    async with serving(harness.app) as address:
        yield harness, address


async def revoke(harness: GatewayHarness, address: str, grant: str, persona: str, key: str) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {harness.token(persona)}"}
    variables = {"input": {"grantId": grant, "idempotencyKey": key}}
    async with httpx.AsyncClient(base_url=f"http://{address}", timeout=10) as http:
        body = (await http.post("/graphql", json={"query": REVOKE, "variables": variables}, headers=headers)).json()
    assert body["data"]["revokeStorageGrant"]["grant"] == {"id": grant, "active": False}, body
    return body


async def test_a_revoke_reaches_the_grantees_subscription_and_not_another_tenants(gateway) -> None:
    harness, address = gateway
    async with live_client(address) as grantee, live_client(address) as owner, live_client(address) as stranger:
        for client, persona in ((grantee, "member"), (owner, "tenant-admin"), (stranger, "other-tenant-admin")):
            assert (await client.init(bearer(harness.token(persona))))["type"] == "connection_ack"
        ids = [await client.subscribe(CHANGED) for client in (grantee, owner, stranger)]
        await until(lambda: harness.app.state.live.hub.count == 3, "3 registered subscriptions")
        await revoke(harness, address, GRANT, "tenant-admin", "live-revoke-key-000001")
        seen = (await grantee.next_data(ids[0]))["storageAccessChanged"]
        assert (seen["bucketId"], seen["granteeProjectId"], seen["active"]) == (
            SHARED,
            encode_global_id("Project", "p-llm"),
            False,
        )
        assert seen["grant"]["id"] == GRANT and seen["grant"]["revokedAt"]
        assert seen["bucket"] is None, "the grantee no longer reaches the bucket"
        by_owner = (await owner.next_data(ids[1]))["storageAccessChanged"]
        assert by_owner["active"] is False and by_owner["bucket"] == {"id": SHARED, "viewerAccess": {"kind": "OWNER"}}
        await revoke(harness, address, GLOBEX_GRANT, "other-tenant-admin", "live-revoke-key-000002")
        first_for_stranger = (await stranger.next_data(ids[2]))["storageAccessChanged"]
        assert first_for_stranger["grant"]["id"] == GLOBEX_GRANT, "t-acme's revoke never reached t-globex"
