"""Platform detail pages: node, MAAS site and hub, onboarding and decommission tasks, with their
lifecycle operations, activity and evidence pivots; node(id) for the platform types."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gateway.ids import encode_global_id
from reference_services.seed import SECRET_MARKER
from tests.support import GatewayHarness

ACTIVITY = "activity(first: 10) { type outcome message at actor { displayName kind } node { hostname } }"
PIVOT = "evidencePivot { scope targetType targetId route filters { name value } }"
OPERATIONS = "lifecycleOperations { kind enabled reason targetCount }"
PAGES = {
    "platformNode": (
        "PlatformNode",
        "node-001",
        f"""
        id hostname serial rack status gpuModel gpuCount allocatedGpus firmwareVersion lastHealthCheckAt route
        site {{ id name region hub {{ name version }} }} hub {{ name status }}
        profile {{ name image {{ name checksum }} }}
        workloads {{ id name status gpu {{ count }} project {{ name }} }}
        openSignals {{ title severity }} onboardingTask {{ stage }} decommissionTask {{ stage }}
        {OPERATIONS} {ACTIVITY} {PIVOT}""",
    ),
    "maasSite": (
        "MaasSite",
        "site-dub1",
        f"""
        id name region status route hub {{ name status statusReason }}
        capacity {{ racks powerKw gpuSlots nodes gpusInstalled gpusInService slotUtilisation }}
        nodes {{ hostname status allocatedGpus {OPERATIONS} }} nodesByStatus {{ status count }}
        onboardingTasks {{ hostname stage node {{ hostname }} }}
        decommissionTasks {{ stage reason node {{ hostname }} requestedBy {{ displayName }} }}
        openSignals {{ title severity node {{ hostname }} }} {OPERATIONS} {ACTIVITY} {PIVOT}""",
    ),
    "maasHub": (
        "MaasHub",
        "maas-euw1",
        f"""
        id name version status statusReason rackControllers lastSyncAt nodeCount route
        sites {{ name capacity {{ gpusInstalled }} nodes {{ hostname status }} }}
        openSignals {{ title node {{ hostname }} }} {ACTIVITY} {PIVOT}""",
    ),
    "onboardingTask": (
        "OnboardingTask",
        "ob-005",
        f"""
        id serial hostname stage progress failureReason startedAt updatedAt route
        steps {{ name state startedAt finishedAt message }} node {{ hostname status }} site {{ name }}
        profile {{ name image {{ name }} }} {OPERATIONS} {ACTIVITY} {PIVOT}""",
    ),
    "decommissionTask": (
        "DecommissionTask",
        "dc-002",
        f"""
        id reason stage requestedAt route requestedBy {{ displayName roles {{ name }} }}
        steps {{ name state startedAt }} node {{ hostname status }} site {{ name }} {OPERATIONS} {ACTIVITY} {PIVOT}""",
    ),
}


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def detail(harness: GatewayHarness, field: str, local: str | None = None) -> dict[str, Any]:
    type_name, default, selection = PAGES[field]
    await harness.query("{ viewer { persona } }", persona="operator")
    harness.calls()
    body = await harness.query(
        f"query($id: ID!) {{ {field}(id: $id) {{ {selection} }} }}",
        {"id": encode_global_id(type_name, local or default)},
        persona="operator",
    )
    assert "errors" not in body, body["errors"]
    return body["data"][field]


@pytest.mark.parametrize("field", sorted(PAGES))
async def test_each_detail_page_has_data_one_call_per_resource_and_no_secret(
    harness: GatewayHarness, field: str
) -> None:
    page = await detail(harness, field)
    calls = harness.calls()
    assert all(count == 1 for count in calls.values()), calls
    assert page["activity"], "every detail page shows activity"
    assert all(event["actor"] and event["node"] for event in page["activity"])
    assert [e["at"] for e in page["activity"]] == sorted((e["at"] for e in page["activity"]), reverse=True)
    assert page["evidencePivot"]["scope"] == "PLATFORM"
    assert page["evidencePivot"]["route"].startswith("/platform/evidence#target=")
    assert page["route"].startswith("/platform/")
    assert SECRET_MARKER not in json.dumps(page)


async def test_node_detail_shows_its_workloads_site_and_hub(harness: GatewayHarness) -> None:
    node = await detail(harness, "platformNode")
    assert node["workloads"] and {w["status"] for w in node["workloads"]} <= {"PROVISIONING", "RUNNING", "STOPPING"}
    assert node["allocatedGpus"] == sum(w["gpu"]["count"] for w in node["workloads"]) <= node["gpuCount"]
    assert node["site"]["hub"]["name"] == node["hub"]["name"] == "MAAS us-east-1"
    assert node["profile"]["image"]["checksum"].startswith("sha256:")
    drain = next(o for o in node["lifecycleOperations"] if o["kind"] == "DRAIN")
    assert drain["enabled"] and f"its {len(node['workloads'])} running workload" in drain["reason"]
    assert node["evidencePivot"] == {
        "scope": "PLATFORM",
        "targetType": "node",
        "targetId": "node-001",
        "route": "/platform/evidence#target=node:node-001",
        "filters": [{"name": "targetTypes", "value": "node"}, {"name": "targetIds", "value": "node-001"}],
    }


async def test_node_detail_also_takes_the_tenant_facing_node_id(harness: GatewayHarness) -> None:
    body = await harness.query(
        "query($id: ID!) { platformNode(id: $id) { id hostname } }",
        {"id": encode_global_id("GpuNode", "node-002")},
        persona="operator",
    )
    assert body["data"]["platformNode"]["id"] == encode_global_id("PlatformNode", "node-002")


@pytest.mark.parametrize("field", sorted(PAGES))
async def test_unknown_ids_are_not_found(harness: GatewayHarness, field: str) -> None:
    type_name = PAGES[field][0]
    body = await harness.query(
        f"query($id: ID!) {{ {field}(id: $id) {{ id }} }}",
        {"id": encode_global_id(type_name, "nope-404")},
        persona="operator",
    )
    assert body["data"] == {field: None} and codes(body) == ["NOT_FOUND"]


async def test_an_id_of_another_type_is_bad_input(harness: GatewayHarness) -> None:
    body = await harness.query(
        "query($id: ID!) { maasSite(id: $id) { id } }",
        {"id": encode_global_id("Bucket", "bk-0001")},
        persona="operator",
    )
    assert codes(body) == ["BAD_USER_INPUT"]


# Enabled operations by node status; everything else is disabled with a "Cannot ..." reason.
ENABLED = {
    "READY": {"CORDON", "DRAIN"},
    "CORDONED": {"UNCORDON", "DRAIN", "DECOMMISSION"},
    "DRAINING": {"UNCORDON", "DECOMMISSION"},
    "MAINTENANCE": {"DECOMMISSION"},
    "ONBOARDING": set(),
    "DECOMMISSIONING": set(),
    "DECOMMISSIONED": set(),
}
NODES_BY_STATUS = ("node-001", "node-004", "node-005", "node-006", "node-017", "node-014", "node-016")


async def test_node_operations_follow_node_status(harness: GatewayHarness) -> None:
    ids = [encode_global_id("PlatformNode", n) for n in NODES_BY_STATUS]
    body = await harness.query(
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on PlatformNode { status " + OPERATIONS + " } } }",
        {"ids": ids},
        persona="operator",
    )
    assert "errors" not in body, body["errors"]
    nodes = body["data"]["nodes"]
    assert {n["status"] for n in nodes} == set(ENABLED)
    for node in nodes:
        operations = node["lifecycleOperations"]
        assert [o["kind"] for o in operations] == ["CORDON", "UNCORDON", "DRAIN", "DECOMMISSION"]
        assert {o["kind"] for o in operations if o["enabled"]} == ENABLED[node["status"]], node["status"]
        assert all(o["reason"].startswith("Cannot ") for o in operations if not o["enabled"])


@pytest.mark.parametrize(
    "field,local,enabled",
    [
        ("onboardingTask", "ob-001", {"CANCEL_ONBOARDING"}),
        ("onboardingTask", "ob-004", {"CORDON", "DRAIN"}),
        ("onboardingTask", "ob-005", {"RETRY_ONBOARDING", "CANCEL_ONBOARDING"}),
        ("decommissionTask", "dc-001", {"CANCEL_DECOMMISSION"}),
        ("decommissionTask", "dc-002", set()),
        ("decommissionTask", "dc-004", set()),
    ],
)
async def test_task_operations_follow_stage_then_node_status(
    harness: GatewayHarness, field: str, local: str, enabled: set[str]
) -> None:
    task = await detail(harness, field, local)
    assert {o["kind"] for o in task["lifecycleOperations"] if o["enabled"]} == enabled


async def test_site_operations_count_the_nodes_they_touch(harness: GatewayHarness) -> None:
    site = await detail(harness, "maasSite")
    statuses = [n["status"] for n in site["nodes"]]
    operations = {o["kind"]: o for o in site["lifecycleOperations"]}
    assert operations["CORDON"]["targetCount"] == statuses.count("READY") > 0
    assert operations["UNCORDON"]["targetCount"] == statuses.count("CORDONED") + statuses.count("DRAINING")
    assert operations["DECOMMISSION"]["enabled"] is False
    assert site["capacity"]["gpusInstalled"] == sum(8 for s in statuses if s != "DECOMMISSIONED")
    assert {t["node"]["hostname"] for t in site["decommissionTasks"]} <= {n["hostname"] for n in site["nodes"]}


async def test_failed_onboarding_shows_where_it_failed(harness: GatewayHarness) -> None:
    task = await detail(harness, "onboardingTask")
    assert task["stage"] == "FAILED" and "ECC" in task["failureReason"]
    assert [s["state"] for s in task["steps"]] == ["DONE", "DONE", "FAILED", "PENDING"]
    assert task["activity"][0]["outcome"] == "FAILED"


@pytest.mark.parametrize(
    "type_name,local",
    [
        ("PlatformNode", "node-003"),
        ("MaasSite", "site-ash2"),
        ("MaasHub", "maas-use1"),
        ("ProvisioningImage", "img-jammy-cuda124"),
        ("ProvisioningProfile", "prof-h100-sxm"),
        ("OnboardingTask", "ob-002"),
        ("DecommissionTask", "dc-003"),
        ("OpsSignal", "sig-006"),
        ("OperatorAccount", "opa-bg-use1"),
    ],
)
async def test_node_fetches_platform_objects_for_operators_only(
    harness: GatewayHarness, type_name: str, local: str
) -> None:
    query = "query($id: ID!) { node(id: $id) { __typename id } }"
    global_id = encode_global_id(type_name, local)
    operator = await harness.query(query, {"id": global_id}, persona="operator")
    assert operator["data"]["node"] == {"__typename": type_name, "id": global_id}
    tenant = await harness.query(query, {"id": global_id}, persona="tenant-admin")
    assert tenant["data"]["node"] is None and codes(tenant) == ["NOT_FOUND"]
