"""The platform console (operators only): every family with data, one call per resource type,
FORBIDDEN for everyone else, partial results, and no seeded secret in any answer."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from reference_services.embedded import create_services
from reference_services.seed import SECRET_MARKER
from tests.support import GatewayHarness, build_harness

ACTIVITY = "activity(first: 5) { type outcome message at actor { displayName kind } node { hostname } }"
PIVOT = "evidencePivot { scope targetType targetId route filters { name value } }"
OPERATIONS = "lifecycleOperations { kind label enabled reason targetCount }"
CONSOLE = f"""
query PlatformConsole {{
  platform {{
    overview {{
      nodeCount nodesByStatus {{ status count }} utilisation openIncidents openAlerts unacknowledgedSignals
      capacityByGpuModel {{ gpuModel nodes gpusInstalled gpusInService gpusAllocated utilisation }}
      onboardingInFlight decommissionsInFlight
      attention {{ kind severity title detail action {{ label route }} subjectType subjectId }}
    }}
    ops {{
      signals {{ id kind severity status title summary openedAt acknowledgedAt runbookRoute route
                 acknowledgedBy {{ displayName }} node {{ hostname status }} site {{ name }} hub {{ name }} {PIVOT} }}
      nodesNeedingAttention {{
        reasons node {{ id hostname status allocatedGpus workloads {{ id name }} {OPERATIONS} }}
      }}
    }}
    lifecycle {{
      onboardingTasks {{ id serial hostname stage progress failureReason startedAt completedAt route
                         steps {{ name state startedAt finishedAt message }} node {{ hostname status }}
                         site {{ name }} profile {{ name }} {OPERATIONS} {PIVOT} }}
      decommissionTasks {{ id reason stage requestedAt route requestedBy {{ displayName }}
                           steps {{ name state }} node {{ hostname status }} site {{ name }} {OPERATIONS} }}
      onboardingByStage {{ stage count }} decommissionByStage {{ stage count }}
    }}
    config {{
      maasHubs {{ id name region version status statusReason rackControllers lastSyncAt nodeCount route
                  sites {{ id name status route capacity {{ racks powerKw gpuSlots nodes gpusInstalled gpusInService
                           slotUtilisation }} nodesByStatus {{ status count }} }} }}
      images {{ id name os version kernel status isDefault checksum releasedAt route }}
      profiles {{ id name gpuModel status biosVersion gpuFirmware nicFirmware settings image {{ name }} }}
      defaultImage {{ name }}
    }}
    evidence {{
      platform {{ scope route filters {{ name value }} }} targets {{ scope targetType targetId label route }}
    }}
    finance {{
      availability {{ state }} period previousPeriod revenueMonthToDate {{ amount currency }}
      previousPeriodRevenue {{ amount }} gpuHoursMonthToDate
      tenants {{ tenant {{ id name }} revenue {{ amount }} gpuHours share gpuHoursByModel {{ gpuModel gpuHours }} }}
      gpuModels {{ gpuModel gpuHoursAvailable gpuHoursSold utilisation revenue {{ amount }} costPerGpuHour {{ amount }}
                   revenuePerSoldGpuHour {{ amount }} }}
    }}
    iam {{
      roles {{ role {{ key name description permissions }} accounts {{ displayName }} }}
      accounts {{ id kind displayName email status mfaEnabled lastUsedAt createdAt route roles {{ name }} {PIVOT} }}
      breakGlassAccounts {{ displayName status lastUsedAt }} accountsWithoutMfa
      attention {{ kind severity title action {{ route }} }}
    }}
  }}
}}
"""


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def console(harness: GatewayHarness) -> dict[str, Any]:
    await harness.query("{ viewer { persona } }", persona="operator")
    harness.calls()
    body = await harness.query(CONSOLE, persona="operator")
    assert "errors" not in body, body["errors"]
    return body["data"]["platform"]


async def test_operator_sees_every_family_with_data(harness: GatewayHarness) -> None:
    platform = await console(harness)
    overview = platform["overview"]
    statuses = {row["status"] for row in overview["nodesByStatus"]}
    assert statuses == {
        "READY",
        "CORDONED",
        "DRAINING",
        "MAINTENANCE",
        "ONBOARDING",
        "DECOMMISSIONING",
        "DECOMMISSIONED",
    }
    assert sum(row["count"] for row in overview["nodesByStatus"]) == overview["nodeCount"]
    assert len(overview["capacityByGpuModel"]) == 3
    for row in overview["capacityByGpuModel"]:
        assert 0 < row["gpusAllocated"] <= row["gpusInService"] <= row["gpusInstalled"]
    assert 0 < overview["utilisation"] <= 1
    assert overview["openIncidents"] and overview["onboardingInFlight"] and overview["decommissionsInFlight"]
    assert overview["attention"] and all(a["action"]["route"].startswith("/platform/") for a in overview["attention"])
    assert overview["attention"][0]["severity"] == "CRITICAL"

    ops = platform["ops"]
    assert {s["status"] for s in ops["signals"]} == {"OPEN", "ACKNOWLEDGED"}
    assert ops["signals"][0]["severity"] == "CRITICAL"
    assert ops["nodesNeedingAttention"] and all(n["reasons"] for n in ops["nodesNeedingAttention"])

    lifecycle = platform["lifecycle"]
    assert {t["stage"] for t in lifecycle["onboardingTasks"]} == {
        "DISCOVERED",
        "COMMISSIONING",
        "BURN_IN",
        "READY",
        "FAILED",
    }
    assert {t["stage"] for t in lifecycle["decommissionTasks"]} == {"DRAINING", "WIPING", "REMOVING", "DONE"}
    assert all(t["node"] and t["steps"] for t in lifecycle["onboardingTasks"] + lifecycle["decommissionTasks"])

    config = platform["config"]
    assert {h["status"] for h in config["maasHubs"]} == {"HEALTHY", "DEGRADED"}
    assert all(hub["sites"] for hub in config["maasHubs"])
    assert config["defaultImage"]["name"] == config["images"][0]["name"]
    assert config["images"][-1]["status"] == "DEPRECATED"
    assert all(p["image"] and p["settings"] for p in config["profiles"])

    evidence = platform["evidence"]
    assert evidence["platform"] == {"scope": "PLATFORM", "route": "/platform/evidence", "filters": []}
    assert any(t["route"] == "/platform/evidence#target=node:node-006" for t in evidence["targets"])

    finance = platform["finance"]
    assert finance["availability"]["state"] == "AVAILABLE" and finance["period"] > finance["previousPeriod"]
    assert {t["tenant"]["name"] for t in finance["tenants"]} == {"Acme AI Labs", "Globex Research"}
    assert sum(t["share"] for t in finance["tenants"]) == pytest.approx(1)
    assert len(finance["gpuModels"]) == 3 and all(0 < m["utilisation"] < 1 for m in finance["gpuModels"])

    iam = platform["iam"]
    assert {a["kind"] for a in iam["accounts"]} == {"PERSON", "BREAK_GLASS", "AUTOMATION"}
    assert iam["breakGlassAccounts"] and iam["accountsWithoutMfa"] == 1
    assert all(r["accounts"] for r in iam["roles"]) and iam["attention"]


async def test_console_makes_one_call_per_resource_type(harness: GatewayHarness) -> None:
    await console(harness)
    calls = harness.calls()
    assert all(count == 1 for count in calls.values()), calls
    for resource in (
        "nodes",
        "sites",
        "maas-hubs",
        "images",
        "profiles",
        "onboarding-tasks",
        "decommission-tasks",
        "ops-signals",
        "tenant-revenue",
        "gpu-economics",
        "platform-roles",
        "operator-accounts",
    ):
        assert f"platform /v1/{resource}" in calls
    assert calls["workloads /v1/workloads"] == 1 and calls["access /v1/tenants"] == 1


@pytest.mark.parametrize("persona", ["member", "project-admin", "tenant-admin", "other-tenant-admin"])
async def test_everyone_but_operators_gets_forbidden_and_null(harness: GatewayHarness, persona: str) -> None:
    harness.calls()
    body = await harness.query("{ platform { overview { nodeCount } finance { period } } }", persona=persona)
    assert body["data"] == {"platform": None}
    assert codes(body) == ["FORBIDDEN"]
    assert not [call for call in harness.calls() if call.startswith("platform ")]


@pytest.mark.parametrize(
    "field,type_name,local",
    [
        ("platformNode", "PlatformNode", "node-001"),
        ("maasSite", "MaasSite", "site-ash1"),
        ("maasHub", "MaasHub", "maas-use1"),
        ("onboardingTask", "OnboardingTask", "ob-001"),
        ("decommissionTask", "DecommissionTask", "dc-001"),
    ],
)
async def test_detail_fields_are_forbidden_to_tenants(
    harness: GatewayHarness, field: str, type_name: str, local: str
) -> None:
    from gateway.ids import encode_global_id

    body = await harness.query(
        f"query($id: ID!) {{ {field}(id: $id) {{ id }} }}",
        {"id": encode_global_id(type_name, local)},
        persona="tenant-admin",
    )
    assert body["data"] == {field: None} and codes(body) == ["FORBIDDEN"]


class FailingPath:
    """An ASGI wrapper answering 503 on one path: a backend resource that is down."""

    def __init__(self, app: ASGIApp, path: str) -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == self.path:
            await JSONResponse({"error": {"code": "down", "message": "down"}}, status_code=503)(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def test_a_failing_resource_nulls_only_its_family() -> None:
    services = create_services()
    harness = build_harness(platform=FailingPath(services["platform"], "/v1/tenant-revenue"))
    body = await harness.query(
        "{ platform { finance { period } lifecycle { onboardingTasks { id } } } }", persona="operator"
    )
    assert body["data"]["platform"]["finance"] is None
    assert body["data"]["platform"]["lifecycle"]["onboardingTasks"]
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["platform", "finance"], "BACKEND_UNAVAILABLE")
    ]


async def raw(harness: GatewayHarness, path: str) -> str:
    """A reference service's own answer (what a careless gateway would pass on)."""
    transport = httpx.ASGITransport(app=harness.services["platform"])
    async with httpx.AsyncClient(transport=transport, base_url="http://platform.test") as client:
        return (await client.get(path, params={"limit": 1000})).text


async def test_no_seeded_secret_reaches_the_console(harness: GatewayHarness) -> None:
    # The reference data does hold secrets on every platform resource that has them...
    for path in (
        "/v1/nodes",
        "/v1/maas-hubs",
        "/v1/images",
        "/v1/profiles",
        "/v1/onboarding-tasks",
        "/v1/decommission-tasks",
        "/v1/ops-signals",
        "/v1/tenant-revenue",
        "/v1/operator-accounts",
    ):
        assert SECRET_MARKER in await raw(harness, path), path
    # ...and none of them reaches the operator's console.
    platform = await console(harness)
    assert SECRET_MARKER not in json.dumps(platform)
    assert "maas.internal" not in json.dumps(platform) and "pager.internal" not in json.dumps(platform)
