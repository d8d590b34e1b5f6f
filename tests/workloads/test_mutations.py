"""Workload lifecycle actions and direct launches (compute and app), on the embedded default."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from gateway.ids import encode_global_id
from reference_services.seed import SECRET_MARKER
from tests.idempotency_support import (
    LAUNCH_COMPUTE,
    LLM,
    VISION,
    Commands,
    codes,
    compute_input,
    documents,
    mutate,
    open_gateway,
    post,
)
from tests.support import GatewayHarness

ACT = """mutation($id: ID!) {{ {action}Workload(input: {{workloadId: $id}}) {{
  workload {{ id status primaryAction {{ kind enabled }} actions {{ kind enabled reason }}
             tabs {{ overview {{ timeline {{ status state }} recentActivity {{ type message }} }} }} }}
  userErrors {{ field message code }}
}} }}"""
LAUNCH_APP = """mutation($input: LaunchAppInput!) { launchApp(input: $input) {
  workload { id kind status ... on VllmWorkload { serving { modelName } } }
  serviceAccount { id name } userErrors { field message code } } }"""


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[GatewayHarness, Commands]]:
    async with open_gateway() as opened:
        yield opened


def workload(local: str) -> str:
    return encode_global_id("Workload", local)


async def test_stopping_a_running_workload_stops_it_and_the_page_follows(gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway
    async with harness.client() as client:
        body = await mutate(client, ACT.format(action="stop"), {"id": workload("wl-0039")})
    payload = body["data"]["stopWorkload"]
    assert payload["userErrors"] == []
    stopped = payload["workload"]
    assert stopped["status"] == "STOPPED" and stopped["primaryAction"] == {"kind": "start", "enabled": True}
    assert {a["kind"]: a["enabled"] for a in stopped["actions"]} == {
        "start": True,
        "stop": False,
        "restart": False,
        "terminate": True,
    }
    assert stopped["tabs"]["overview"]["timeline"][-2:] == [
        {"status": "stopping", "state": "DONE"},
        {"status": "stopped", "state": "CURRENT"},
    ]
    assert stopped["tabs"]["overview"]["recentActivity"][0]["message"].startswith("Status changed to stopped")
    assert commands.take() == [("workloads", "/v1/workloads/wl-0039/stop")]
    events = [e for e in documents(harness, "workloads", "workload-events") if e["workload_id"] == "wl-0039"]
    newest_first = [(e["from_status"], e["to_status"]) for e in events[:2]]
    assert newest_first == [("stopping", "stopped"), ("running", "stopping")]


async def test_an_action_the_status_forbids_is_a_user_error_that_says_why(gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway
    async with harness.client() as client:
        body = await mutate(client, ACT.format(action="stop"), {"id": workload("wl-0005")})  # stopped
    assert body["data"]["stopWorkload"] == {
        "workload": None,
        "userErrors": [
            {
                "field": ["input", "workloadId"],
                "message": "Cannot stop: the workload is stopped.",
                "code": "INVALID_STATE",
            }
        ],
    }
    # The service decides (a retry of a stop whose answer was lost must get the stop, not this refusal).
    assert commands.take() == [("workloads", "/v1/workloads/wl-0005/stop")]


@pytest.mark.parametrize(
    ("action", "local", "status", "primary"),
    [
        ("start", "wl-0005", "PENDING", "connect"),  # queued: the scheduler places it on a node with room
        ("restart", "wl-0042", "PENDING", "connect"),  # failed: it holds no node, so it queues like a start
        ("restart", "wl-0039", "PROVISIONING", "connect"),  # running: restarts on the node it holds
        ("terminate", "wl-0039", "TERMINATED", "launch_similar"),
    ],
)
async def test_start_restart_and_terminate_follow_the_lifecycle(
    gateway: tuple[GatewayHarness, Commands], action: str, local: str, status: str, primary: str
):
    harness, _ = gateway
    async with harness.client() as client:
        body = await mutate(client, ACT.format(action=action), {"id": workload(local)})
    changed = body["data"][f"{action}Workload"]["workload"]
    assert (changed["status"], changed["primaryAction"]["kind"]) == (status, primary)


@pytest.mark.parametrize(
    ("user", "code"),
    [
        ("u-sam", "NOT_FOUND"),  # another tenant's workload looks missing
        ("u-gina", "NOT_FOUND"),
        ("u-olivia", "FORBIDDEN"),  # operators see tenants' workloads read-only
    ],
)
async def test_who_may_act_on_a_workload(gateway: tuple[GatewayHarness, Commands], user: str, code: str):
    harness, commands = gateway
    async with harness.client() as client:
        body = await mutate(client, ACT.format(action="stop"), {"id": workload("wl-0039")}, user=user)
    assert codes(body) == [code] and commands.take() == []


async def test_launch_compute_refuses_network_settings_as_not_yet_available(gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway
    asked = compute_input(network={"firewallRules": [{"port": 22, "protocol": "tcp", "source": "0.0.0.0/0"}]})
    async with harness.client() as client:
        body = await mutate(client, LAUNCH_COMPUTE, {"input": asked})
    assert body["data"]["launchCompute"]["userErrors"] == [
        {
            "field": ["input", "network", "firewallRules"],
            "code": "NOT_YET_AVAILABLE",
            "message": "Private networks and firewall rules are not available yet; leave them empty.",
        }
    ]
    assert commands.take() == []


async def test_launch_compute_names_every_problem_by_step(gateway: tuple[GatewayHarness, Commands]):
    harness, _ = gateway
    asked = {
        "basics": {"projectId": VISION, "name": "Bad Name"},
        "hardware": {"gpuModel": "NVIDIA H100 80GB", "gpuCount": 8, "region": "eu-west-1"},
        "image": {"image": "img", "env": [{"name": "HF_TOKEN", "value": "x"}]},
    }
    async with harness.client() as client:
        body = await mutate(client, LAUNCH_COMPUTE, {"input": asked})
    errors = body["data"]["launchCompute"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        (["input", "basics", "name"], "INVALID"),
        (["input", "hardware", "region"], "CAPACITY_UNAVAILABLE"),  # 8x H100 is sold out in eu-west-1
        (["input", "image", "env", "0", "name"], "INVALID"),  # looks like a secret
        (["input", "access", "sshKeyId"], "REQUIRED"),
    ]


async def test_launching_in_another_tenants_project_is_not_found(gateway: tuple[GatewayHarness, Commands]):
    harness, commands = gateway
    asked = compute_input(basics={"projectId": encode_global_id("Project", "p-genomics"), "name": "sneaky"})
    async with harness.client() as client:
        body = await mutate(client, LAUNCH_COMPUTE, {"input": asked})
    assert codes(body) == ["NOT_FOUND"] and commands.take() == []


async def test_launch_app_needs_its_dependencies_and_creates_a_service_account_inline(
    gateway: tuple[GatewayHarness, Commands],
):
    harness, commands = gateway
    base = {
        "basics": {"projectId": LLM, "name": "serve-llama"},
        "app": {"appSlug": "vllm", "modelName": "meta-llama/Llama-3.1-8B-Instruct", "maxModelLength": 8192},
        # LLM Serving holds 18 of its 20 A100s (the app's default is 4) and 9 of its 10 H100s: one H100 fits.
        "hardware": {"gpuModel": "NVIDIA H100 80GB", "gpuCount": 1},
    }
    inline = {"newServiceAccount": {"name": "serve-clients", "description": "API keys of the endpoint's clients"}}
    async with harness.client() as client:
        missing = await mutate(client, LAUNCH_APP, {"input": base}, user="u-priya")
        as_member = await mutate(client, LAUNCH_APP, {"input": {**base, "access": inline}}, user="u-marco")
        done = await mutate(client, LAUNCH_APP, {"input": {**base, "access": inline}}, user="u-priya")
    assert missing["data"]["launchApp"]["userErrors"][0]["field"] == ["input", "access", "serviceAccountId"]
    assert as_member["data"]["launchApp"]["userErrors"][0]["code"] == "NOT_PERMITTED"
    payload = done["data"]["launchApp"]
    assert payload["userErrors"] == []
    assert payload["workload"]["kind"] == "VLLM" and payload["workload"]["status"] == "PENDING"
    assert payload["workload"]["serving"]["modelName"] == "meta-llama/Llama-3.1-8B-Instruct"
    assert payload["serviceAccount"]["name"] == "serve-clients"
    assert sorted(commands.take()) == [("access", "/v1/service-accounts"), ("workloads", "/v1/workloads")]
    assert SECRET_MARKER not in json.dumps(done)


async def test_the_launched_workload_is_on_the_workloads_page(gateway: tuple[GatewayHarness, Commands]):
    harness, _ = gateway
    async with harness.client() as client:
        body = await mutate(client, LAUNCH_COMPUTE, {"input": compute_input("page-box")})
        launched = body["data"]["launchCompute"]["workload"]
        page = await post(client, "{ workloads(first: 5) { edges { node { id name cost { hourly { amount } } } } } }")
    newest = page["data"]["workloads"]["edges"][0]["node"]
    assert newest["id"] == launched["id"] and newest["name"] == "page-box"
    assert newest["cost"]["hourly"]["amount"] == "3.29"
