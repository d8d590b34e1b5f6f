"""Launch wizards: drafts that persist in the owning service, going back, staged submit, inline creation."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.app import create_app
from gateway.ids import encode_global_id
from gateway.settings import Settings
from reference_services.seed import SECRET_MARKER
from tests.idempotency_support import (
    LLM,
    VISION,
    Commands,
    codes,
    documents,
    fresh_public_key,
    key,
    mutate,
    open_gateway,
    post,
)
from tests.support import GatewayHarness

DRAFT_FIELDS = """id kind status currentStep
  steps { step position current complete userErrors { field code } }
  basics { projectId name } hardware { gpuModel gpuCount region } image { image }
  access { newSshKey { name } } storage { newBucket { name quotaBytes mountPath } }
  bucket { purpose provider quotaBytes } sharing { grants { projectId permission } }
  networkAvailability { state link } project { name }"""
SAVE = f"""mutation($input: SaveLaunchDraftInput!) {{ saveLaunchDraft(input: $input) {{
  draft {{ {DRAFT_FIELDS} }} userErrors {{ field message code }} }} }}"""
READ = f"query($id: ID!) {{ launchDraft(id: $id) {{ {DRAFT_FIELDS} }} }}"
SUBMIT = """mutation($id: ID!) { submitLaunchDraft(input: {draftId: $id}) {
  draft { status launchedWorkload { id name } createdBucket { id name } }
  workload { id name status tabs { storage { mounts { mountPath bucket { name } } } } }
  sshKey { name fingerprint } bucket { id name } grants { permission granteeProject { name } }
  userErrors { field message code } } }"""
DISCARD = """mutation($id: ID!) { discardLaunchDraft(input: {draftId: $id}) {
  draft { status } userErrors { code } } }"""


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[GatewayHarness, Commands]]:
    async with open_gateway() as opened:
        yield opened


async def save(client: httpx.AsyncClient, user: str = "u-marco", **given: Any) -> dict[str, Any]:
    body = await mutate(client, SAVE, {"input": given}, user=user)
    assert "errors" not in body, body
    return body["data"]["saveLaunchDraft"]


async def test_drafts_keep_every_step_when_going_back_and_forth(gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway
    async with harness.client() as client:
        first = await save(client, kind="COMPUTE", basics={"projectId": VISION, "name": "wizard-box"})
        draft_id = first["draft"]["id"]
        await save(
            client,
            draftId=draft_id,
            currentStep="HARDWARE",
            hardware={"gpuModel": "NVIDIA A100 80GB", "gpuCount": 4, "region": "us-east-1"},
        )
        back = await save(client, draftId=draft_id, currentStep="BASICS")
    draft = back["draft"]
    assert draft["currentStep"] == "BASICS"
    assert draft["basics"] == {"projectId": VISION, "name": "wizard-box"}
    assert draft["hardware"] == {"gpuModel": "NVIDIA A100 80GB", "gpuCount": 4, "region": "us-east-1"}
    assert draft["project"] == {"name": "Vision Models"}
    steps = {s["step"]: s for s in draft["steps"]}
    assert steps["BASICS"]["current"] and steps["BASICS"]["complete"] and steps["HARDWARE"]["complete"]
    assert steps["IMAGE"]["userErrors"] == [{"field": ["draft", "image", "image"], "code": "REQUIRED"}]
    assert draft["networkAvailability"]["state"] == "FUTURE"
    assert [s["step"] for s in draft["steps"]] == [
        "BASICS",
        "HARDWARE",
        "IMAGE",
        "ACCESS",
        "STORAGE",
        "NETWORK",
        "REVIEW",
    ]
    assert [c for c in commands.take() if c[1].startswith("/v1/launch-drafts")] == [
        ("workloads", "/v1/launch-drafts"),
        ("workloads", f"/v1/launch-drafts/{_local(draft_id)}/save"),
        ("workloads", f"/v1/launch-drafts/{_local(draft_id)}/save"),
    ]


def _local(global_id: str) -> str:
    import base64

    return base64.b64decode(global_id).decode().split(":", 1)[1]


async def test_a_draft_survives_a_gateway_restart(gateway: tuple[GatewayHarness, Commands]):
    harness, _ = gateway
    async with harness.client() as client:
        saved = await save(
            client,
            kind="APP",
            basics={"projectId": LLM, "name": "notebook"},
            app={"appSlug": "jupyter", "idleTimeoutMinutes": 30},
            currentStep="APP",
        )
    restarted = create_app(
        Settings.from_env({}, viewer_cache_seconds=0),
        transports={d: httpx.ASGITransport(app=a) for d, a in harness.services.items()},
    )
    transport = httpx.ASGITransport(app=restarted)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        found = await post(client, READ, {"id": saved["draft"]["id"]})
        listed = await post(client, "{ launchDrafts { id kind } }")
    await restarted.state.idempotency_store.aclose()
    assert found["data"]["launchDraft"]["currentStep"] == "APP"
    assert found["data"]["launchDraft"]["basics"]["name"] == "notebook"
    assert {"id": saved["draft"]["id"], "kind": "APP"} in listed["data"]["launchDrafts"]


async def test_someone_elses_draft_is_not_found(gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway
    async with harness.client() as client:
        saved = await save(client, kind="COMPUTE")
        commands.take()
        read = await post(client, READ, {"id": saved["draft"]["id"]}, user="u-priya")
        submit = await mutate(client, SUBMIT, {"id": saved["draft"]["id"]}, user="u-sam")
    assert codes(read) == ["NOT_FOUND"] and codes(submit) == ["NOT_FOUND"] and commands.take() == []


async def test_saving_network_settings_is_refused_as_not_yet_available(gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway
    async with harness.client() as client:
        refused = await save(client, kind="COMPUTE", network={"privateNetworkId": "net-1"})
    assert refused == {
        "draft": None,
        "userErrors": [
            {
                "field": ["input", "network"],
                "code": "NOT_YET_AVAILABLE",
                "message": "Private networks and firewall rules are not available yet; leave them empty.",
            }
        ],
    }
    assert commands.take() == []


async def test_submit_names_each_steps_problems_and_creates_nothing(gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway
    async with harness.client() as client:
        saved = await save(
            client,
            kind="COMPUTE",
            basics={"projectId": VISION},
            hardware={"gpuModel": "NVIDIA L40S 48GB", "gpuCount": 2},
        )
        commands.take()
        body = await mutate(client, SUBMIT, {"id": saved["draft"]["id"]})
    errors = body["data"]["submitLaunchDraft"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        (["draft", "basics", "name"], "REQUIRED"),
        (["draft", "hardware", "gpuCount"], "INVALID"),
        (["draft", "image", "image"], "REQUIRED"),
        (["draft", "access", "sshKeyId"], "REQUIRED"),
    ]
    assert commands.take() == []


async def test_submit_creates_the_ssh_key_bucket_and_workload_under_one_key(gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway
    async with harness.client() as client:
        saved = await save(
            client,
            kind="COMPUTE",
            basics={"projectId": VISION, "name": "full-box"},
            hardware={"gpuModel": "NVIDIA L40S 48GB", "gpuCount": 1, "region": "us-east-1"},
            image={"image": "nvcr.io/nvidia/pytorch:24.10-py3"},
            access={"newSshKey": {"name": "wizard-key", "publicKey": fresh_public_key()}},
            storage={
                "newBucket": {
                    "name": "full-box-data",
                    "purpose": "dataset",
                    "provider": "WEKA",
                    "region": "us-east-1",
                    "quotaBytes": 1024**4,
                    "mountPath": "/mnt/data",
                },
                "mounts": [{"bucketId": encode_global_id("Bucket", "bk-0001"), "mountPath": "/mnt/shared"}],
            },
        )
        draft_id = saved["draft"]["id"]
        commands.take()
        the_key = key()
        done = await mutate(client, SUBMIT, {"id": draft_id}, idempotency_key=the_key)
        sent = commands.take()
        replay = await mutate(client, SUBMIT, {"id": draft_id}, idempotency_key=the_key)
        again = await mutate(client, SUBMIT, {"id": draft_id})
    payload = done["data"]["submitLaunchDraft"]
    assert payload["userErrors"] == []
    assert payload["draft"]["status"] == "SUBMITTED"
    assert payload["draft"]["launchedWorkload"] == {"id": payload["workload"]["id"], "name": "full-box"}
    assert payload["sshKey"]["name"] == "wizard-key" and payload["sshKey"]["fingerprint"].startswith("SHA256:")
    assert payload["bucket"]["name"] == "full-box-data"
    assert sorted(m["mountPath"] for m in payload["workload"]["tabs"]["storage"]["mounts"]) == [
        "/mnt/data",
        "/mnt/shared",
    ]
    assert sorted(sent) == sorted(
        [
            ("access", "/v1/credentials"),
            ("storage", "/v1/buckets"),
            ("workloads", "/v1/workloads"),
            ("storage", "/v1/mounts"),
            ("storage", "/v1/mounts"),
            ("workloads", f"/v1/launch-drafts/{_local(draft_id)}/submit"),
        ]
    )
    assert replay["data"] == done["data"] and replay["extensions"]["idempotency"]["replayed"] is True
    assert again["data"]["submitLaunchDraft"]["userErrors"][0]["code"] == "INVALID_STATE"
    assert SECRET_MARKER not in json.dumps(done)


async def test_the_storage_wizard_creates_and_shares_a_bucket(gateway: tuple[GatewayHarness, Commands]):
    harness, _ = gateway
    async with harness.client() as client:
        saved = await save(
            client,
            user="u-priya",
            kind="STORAGE",
            basics={"projectId": LLM, "name": "llm-evals"},
            # LLM Serving stores 21.2 of its 23 TiB: a 1 TiB bucket fits.
            bucket={"purpose": "artifact", "provider": "VAST", "region": "us-east-1", "quotaBytes": 1024**4},
            sharing={"grants": [{"projectId": VISION, "permission": "READ"}]},
        )
        done = await mutate(client, SUBMIT, {"id": saved["draft"]["id"]}, user="u-priya")
    payload = done["data"]["submitLaunchDraft"]
    assert payload["userErrors"] == [] and payload["workload"] is None
    assert payload["bucket"]["name"] == "llm-evals" and payload["draft"]["createdBucket"]["name"] == "llm-evals"
    assert payload["grants"] == [{"permission": "READ", "granteeProject": {"name": "Vision Models"}}]


async def test_discarding_a_draft(gateway: tuple[GatewayHarness, Commands]):
    harness, _ = gateway
    async with harness.client() as client:
        saved = await save(client, kind="COMPUTE")
        discarded = await mutate(client, DISCARD, {"id": saved["draft"]["id"]})
        twice = await mutate(client, DISCARD, {"id": saved["draft"]["id"]})
        listed = await post(client, "{ launchDrafts { id } }")
    assert discarded["data"]["discardLaunchDraft"] == {"draft": {"status": "DISCARDED"}, "userErrors": []}
    assert twice["data"]["discardLaunchDraft"]["userErrors"] == [{"code": "INVALID_STATE"}]
    assert {"id": saved["draft"]["id"]} not in listed["data"]["launchDrafts"]


async def test_a_submit_whose_answer_was_lost_is_replayed_on_retry(gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway
    async with harness.client() as client:
        saved = await save(
            client,
            kind="COMPUTE",
            basics={"projectId": VISION, "name": "lost-answer"},
            hardware={"gpuModel": "NVIDIA L40S 48GB", "gpuCount": 1, "region": "us-east-1"},
            image={"image": "nvcr.io/nvidia/pytorch:24.10-py3"},
            access={"sshKeyId": encode_global_id("Credential", "cred-marco-laptop")},
        )
        draft_id = saved["draft"]["id"]
        submit_path = ("workloads", f"/v1/launch-drafts/{_local(draft_id)}/submit")

        async def lose_the_answer(request: httpx.Request, inner: httpx.AsyncBaseTransport) -> httpx.Response:
            del commands.faults[submit_path]
            await inner.handle_async_request(request)  # the draft is submitted ...
            raise httpx.ReadTimeout("answer lost", request=request)  # ... and the gateway never hears it

        commands.faults[submit_path] = lose_the_answer
        the_key = key()
        lost = await mutate(client, SUBMIT, {"id": draft_id}, idempotency_key=the_key)
        retried = await mutate(client, SUBMIT, {"id": draft_id}, idempotency_key=the_key)
    assert codes(lost) == ["BACKEND_TIMEOUT"]
    payload = retried["data"]["submitLaunchDraft"]
    assert payload["userErrors"] == [] and payload["draft"]["status"] == "SUBMITTED"
    launched = [w for w in documents(harness, "workloads", "workloads") if w["name"] == "lost-answer"]
    assert [encode_global_id("Workload", w["id"]) for w in launched] == [payload["workload"]["id"]]
