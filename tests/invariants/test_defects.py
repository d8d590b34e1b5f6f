"""The money and quota defects of issue 13, each through the gateway as the console sees it.

Every figure is derived by the reference services from facts (rates, status timelines, credits, limits, bucket
usage) on their clock, so pages agree with each other and move when an action changes the facts.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from gateway.ids import decode_global_id, encode_global_id
from tests.idempotency_support import LLM, compute_input, key
from tests.invariants.pages import (
    BILLING_PAGE,
    FINANCE_PAGE,
    FIXED_NOW,
    NOTIFICATIONS_PAGE,
    PROJECT_PAGE,
    TENANT_PAGE,
    clock_of,
    data,
    fixed_harness,
    money,
    mutation,
    project_entitlement,
    workload_rows,
)
from tests.support import GatewayHarness

TIB = 1024**4
CENT = Decimal("0.01")


@pytest.fixture
def harness() -> GatewayHarness:
    return fixed_harness()


def _local(global_id: str) -> str:
    return decode_global_id(global_id)[1]


async def _act(harness: GatewayHarness, action: str, workload_id: str, persona: str) -> dict[str, Any]:
    name = f"{action}Workload"
    found = await data(
        harness,
        mutation(f"workloads/{name[0].upper()}{name[1:]}"),
        persona,
        input={"workloadId": workload_id, "idempotencyKey": key("act")},
    )
    payload: dict[str, Any] = found[name]
    return payload


async def test_stopping_a_workload_takes_its_rate_off_the_burn_on_every_page(harness: GatewayHarness) -> None:
    rows = await workload_rows(harness, "member")
    running = next(r for r in rows if r["status"] == "RUNNING" and _local(r["project"]["id"]) == "p-vision")
    before = await data(harness, TENANT_PAGE, "tenant-admin")
    stopped = await _act(harness, "stop", running["id"], "member")
    assert stopped["userErrors"] == []
    after_overview = (await data(harness, TENANT_PAGE, "tenant-admin"))["tenantOverview"]
    after_billing = (await data(harness, BILLING_PAGE, "tenant-admin"))["account"]["billing"]
    rate = money(running["cost"]["hourly"])
    burn_before = money(before["tenantOverview"]["spend"]["hourlyBurn"])
    assert money(after_overview["spend"]["hourlyBurn"]) == burn_before - rate
    assert money(after_billing["hourlyBurn"]) == burn_before - rate
    assert money(after_overview["workloads"]["hourlyCost"]) == burn_before - rate
    # ... and the burn is what the billing rows cost now.
    billing_rows = [r for r in await workload_rows(harness, "tenant-admin") if r["cost"]["billing"]]
    assert money(after_billing["hourlyBurn"]) == sum((money(r["cost"]["hourly"]) for r in billing_rows), Decimal(0))


async def test_gpus_in_use_equal_the_quota_use_of_the_same_project_and_move_together(harness: GatewayHarness) -> None:
    def held(page: dict[str, Any]) -> tuple[int, int]:
        overview = page["projectOverview"]
        quota_used = sum(q["used"] for q in project_entitlement(overview, "p-vision")["gpuQuotas"])
        return overview["workloads"]["gpusInUse"], quota_used

    vision = encode_global_id("Project", "p-vision")
    in_use, quota_used = held(await data(harness, PROJECT_PAGE, "member", project=vision))
    assert in_use == quota_used > 0
    rows = await workload_rows(harness, "member")
    running = next(r for r in rows if r["status"] == "RUNNING" and _local(r["project"]["id"]) == "p-vision")
    assert (await _act(harness, "stop", running["id"], "member"))["userErrors"] == []
    assert held(await data(harness, PROJECT_PAGE, "member", project=vision)) == (
        in_use - running["gpu"]["count"],
        quota_used - running["gpu"]["count"],
    )


@pytest.mark.parametrize("persona", ["tenant-admin", "other-tenant-admin"])
async def test_no_workload_has_accrued_more_than_its_rate_times_its_age(harness: GatewayHarness, persona: str) -> None:
    rows = await workload_rows(harness, persona)
    assert rows
    over = [
        r["name"]
        for r in rows
        if money(r["cost"]["accrued"]) > money(r["cost"]["hourly"]) * Decimal(r["ageSeconds"]) / 3600 + CENT
    ]
    assert over == []
    assert any(money(r["cost"]["accrued"]) > 0 for r in rows)


async def test_a_projects_month_to_date_covers_what_its_workloads_of_this_month_accrued(
    harness: GatewayHarness,
) -> None:
    vision = encode_global_id("Project", "p-vision")
    spend = (await data(harness, PROJECT_PAGE, "member", project=vision))["projectOverview"]["spend"]
    month = FIXED_NOW.strftime("%Y-%m")
    this_month = [
        r
        for r in await workload_rows(harness, "member")
        if _local(r["project"]["id"]) == "p-vision" and r["createdAt"].startswith(month)
    ]
    assert this_month, "the seed has Vision workloads created this month"
    accrued = sum((money(r["cost"]["accrued"]) for r in this_month), Decimal(0))
    assert money(spend["monthToDate"]) >= accrued > 0


async def test_platform_revenue_of_a_tenant_is_its_month_to_date_and_moves_with_it(harness: GatewayHarness) -> None:
    async def figures() -> tuple[Decimal, Decimal, Decimal]:
        finance = (await data(harness, FINANCE_PAGE, "operator"))["platform"]["finance"]
        revenue = next(t for t in finance["tenants"] if t["tenant"]["name"] == "Acme AI Labs")["revenue"]
        billing = (await data(harness, BILLING_PAGE, "tenant-admin"))["account"]["billing"]
        return money(revenue), money(billing["monthToDate"]), money(billing["hourlyBurn"])

    revenue, month_to_date, burn = await figures()
    assert revenue == month_to_date > 0
    assert (revenue, month_to_date, burn) == await figures(), "nothing happened: nothing moves"
    clock_of(harness).advance(timedelta(hours=1))
    later_revenue, later_month_to_date, _ = await figures()
    assert later_revenue == later_month_to_date == month_to_date + burn  # an hour of the burn, to the cent


async def test_the_low_balance_notice_goes_only_to_the_tenant_whose_runway_is_short(harness: GatewayHarness) -> None:
    async def notice(persona: str) -> list[str]:
        nodes = (await data(harness, NOTIFICATIONS_PAGE, persona, first=100))["notifications"]["nodes"]
        return [n["title"] for n in nodes if n["category"] == "BILLING" and n["title"].startswith("Balance covers")]

    acme_runway = (await data(harness, BILLING_PAGE, "tenant-admin"))["account"]["billing"]["runway"]
    globex_runway = (await data(harness, BILLING_PAGE, "other-tenant-admin"))["account"]["billing"]["runway"]
    assert acme_runway["state"] == "OK" and await notice("tenant-admin") == []
    assert globex_runway["state"] == "LOW"
    (title,) = await notice("other-tenant-admin")
    hours = re.fullmatch(r"Balance covers about (\d+) hours", title)
    assert hours and int(hours[1]) == round(globex_runway["hoursRemaining"])


async def test_a_bucket_beyond_the_storage_entitlement_is_refused_with_the_pages_numbers(
    harness: GatewayHarness,
) -> None:
    overview = (await data(harness, PROJECT_PAGE, "u-priya", project=LLM))["projectOverview"]
    storage = project_entitlement(overview, "p-llm")["storage"]
    percent = round(100 * int(storage["usedBytes"]) / int(storage["quotaBytes"]))
    assert percent == 92
    asked = {"projectId": LLM, "name": "llm-huge", "purpose": "dataset", "provider": "WEKA", "region": "us-east-1"}
    body = await data(
        harness,
        mutation("storage/CreateBucket"),
        "u-priya",
        input={**asked, "quotaBytes": 10 * TIB, "idempotencyKey": key("big")},
    )
    payload = body["createBucket"]
    assert payload["bucket"] is None
    (refusal,) = payload["userErrors"]
    assert refusal["code"] == "QUOTA_EXCEEDED" and refusal["field"] == ["input", "quotaBytes"]
    used, limit = int(storage["usedBytes"]) / TIB, int(storage["quotaBytes"]) / TIB
    assert f"limit {limit:.1f} TiB, in use {used:.1f} TiB ({percent}%)" in refusal["message"]
    assert "LLM Serving" in refusal["message"]
    titles = [i["title"] for i in overview["attention"]]
    assert f"Storage quota of LLM Serving at {percent}%" in titles
    # What fits is still accepted, and the use does not move until the bucket stores something.
    fits = await data(
        harness,
        mutation("storage/CreateBucket"),
        "u-priya",
        input={**asked, "quotaBytes": TIB, "idempotencyKey": key("fits")},
    )
    assert fits["createBucket"]["userErrors"] == []


async def test_a_launch_beyond_the_gpu_entitlement_is_refused_with_the_pages_numbers(harness: GatewayHarness) -> None:
    overview = (await data(harness, PROJECT_PAGE, "u-priya", project=LLM))["projectOverview"]
    a100 = next(q for q in project_entitlement(overview, "p-llm")["gpuQuotas"] if q["gpuModel"] == "NVIDIA A100 80GB")
    assert a100["used"] + 8 > a100["limit"] > a100["used"]
    given = compute_input(
        "llm-big-train",
        basics={"projectId": LLM, "name": "llm-big-train"},
        hardware={"gpuModel": "NVIDIA A100 80GB", "gpuCount": 8, "region": "us-east-1"},
        access={"sshKeyId": encode_global_id("Credential", "cred-priya-ws")},
    )
    body = await data(harness, mutation("launch/LaunchCompute"), "u-priya", input={**given, "idempotencyKey": key("q")})
    payload = body["launchCompute"]
    assert payload["workload"] is None
    (refusal,) = payload["userErrors"]
    assert refusal["code"] == "QUOTA_EXCEEDED" and refusal["field"] == ["input", "hardware", "gpuCount"]
    assert f"limit {a100['limit']}, in use {a100['used']}; this launch needs 8 more" in refusal["message"]
    assert any(i["title"].startswith("NVIDIA A100 80GB GPU quota of LLM Serving") for i in overview["attention"])
    # Nothing was created: the quota use is unchanged.
    again = (await data(harness, PROJECT_PAGE, "u-priya", project=LLM))["projectOverview"]
    assert project_entitlement(again, "p-llm")["gpuQuotas"] == project_entitlement(overview, "p-llm")["gpuQuotas"]


async def test_the_service_itself_refuses_starting_a_workload_beyond_the_quota(harness: GatewayHarness) -> None:
    # The wizard checks before launching; a start goes straight to the service, which enforces the same quota.
    overview = (await data(harness, PROJECT_PAGE, "u-priya", project=LLM))["projectOverview"]
    quotas = {q["gpuModel"]: q for q in project_entitlement(overview, "p-llm")["gpuQuotas"]}
    rows = await workload_rows(harness, "u-priya")
    startable = [
        r
        for r in rows
        if _local(r["project"]["id"]) == "p-llm"
        and r["status"] == "STOPPED"
        and quotas[r["gpu"]["model"]]["used"] + r["gpu"]["count"] > quotas[r["gpu"]["model"]]["limit"]
    ]
    assert startable, "the seed has a stopped LLM workload that no longer fits in its quota"
    workload = startable[0]
    payload = await _act(harness, "start", workload["id"], "u-priya")
    assert payload["workload"] is None
    (refusal,) = payload["userErrors"]
    quota = quotas[workload["gpu"]["model"]]
    assert refusal["code"] == "QUOTA_EXCEEDED"
    assert (
        f"limit {quota['limit']}, in use {quota['used']}; starting it needs {workload['gpu']['count']} more"
        in (refusal["message"])
    )


async def test_a_launch_holds_its_gpus_on_every_page_at_once_and_a_terminate_gives_them_back(
    harness: GatewayHarness,
) -> None:
    research = encode_global_id("Project", "p-research")

    async def held() -> tuple[int, int, int]:
        tenant = (await data(harness, TENANT_PAGE, "tenant-admin"))["tenantOverview"]
        project = (await data(harness, PROJECT_PAGE, "tenant-admin", project=research))["projectOverview"]
        h100 = next(q for q in project_entitlement(tenant, "p-research")["gpuQuotas"] if "H100" in q["gpuModel"])
        return tenant["workloads"]["gpusInUse"], project["workloads"]["gpusInUse"], h100["used"]

    before = await held()
    given = compute_input(
        "tour-box",
        basics={"projectId": research, "name": "tour-box"},
        access={"sshKeyId": encode_global_id("Credential", "cred-tara-ssh")},
    )
    body = await data(
        harness, mutation("launch/LaunchCompute"), "tenant-admin", input={**given, "idempotencyKey": key("t")}
    )
    launched = body["launchCompute"]
    assert launched["userErrors"] == [] and launched["workload"]["status"] == "PENDING"
    assert await held() == tuple(n + 1 for n in before)
    terminated = await _act(harness, "terminate", launched["workload"]["id"], "tenant-admin")
    assert terminated["userErrors"] == []
    assert await held() == before
