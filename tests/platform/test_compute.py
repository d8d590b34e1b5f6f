"""Compute: GPU SKU cards with price and availability by region, for every persona."""

from __future__ import annotations

import json

import pytest

from reference_services.seed import SECRET_MARKER
from tests.support import PERSONA_USERS, GatewayHarness

COMPUTE_PAGE = """query Compute($region: String, $gpuModel: String) {
  computeSkus(region: $region, gpuModel: $gpuModel) {
    id name gpuModel gpuFamily gpuCount gpuMemoryGib totalGpuMemoryGib vcpu ramGib localNvmeGib interconnect
    pricePerHour { amount currency } pricePerGpuHour { amount }
    regions { region availableCount state } bestAvailability launchable launchRoute
  }
}"""


async def test_every_persona_sees_every_sku_card(harness: GatewayHarness) -> None:
    bodies = {persona: await harness.query(COMPUTE_PAGE, persona=persona) for persona in PERSONA_USERS}
    assert all("errors" not in body for body in bodies.values())
    assert SECRET_MARKER not in json.dumps(bodies)
    body = bodies["member"]
    assert all(other == body for other in bodies.values()), "the catalog is the same for everyone"
    cards = body["data"]["computeSkus"]
    assert len(cards) == 6
    for card in cards:
        assert {r["region"] for r in card["regions"]} == {"us-east-1", "eu-west-1"}
        assert card["totalGpuMemoryGib"] == card["gpuCount"] * card["gpuMemoryGib"]
        assert float(card["pricePerHour"]["amount"]) == pytest.approx(
            float(card["pricePerGpuHour"]["amount"]) * card["gpuCount"], abs=0.01
        )
        assert card["launchRoute"].startswith("/launch/compute#sku=")
    per_gpu = [float(c["pricePerGpuHour"]["amount"]) for c in cards]
    assert per_gpu == sorted(per_gpu, reverse=True), "most capable (priciest per GPU) first"
    states = {r["state"] for c in cards for r in c["regions"]}
    assert states == {"AVAILABLE", "LIMITED", "SOLD_OUT"}


async def test_region_filter_narrows_cards_and_availability(harness: GatewayHarness) -> None:
    body = await harness.query(COMPUTE_PAGE, {"region": "eu-west-1"})
    cards = body["data"]["computeSkus"]
    assert cards and all([r["region"] for r in c["regions"]] == ["eu-west-1"] for c in cards)
    assert all(c["launchRoute"].endswith("&region=eu-west-1") for c in cards)
    sold_out = [c for c in cards if c["regions"][0]["state"] == "SOLD_OUT"]
    assert sold_out, "the seed sells out some SKUs in eu-west-1"
    assert all(not c["launchable"] and c["bestAvailability"] == "SOLD_OUT" for c in sold_out)
    assert all(c["regions"][0]["availableCount"] == 0 for c in sold_out)
    # The same SKU is launchable where another region has capacity.
    everywhere = {c["id"]: c for c in (await harness.query(COMPUTE_PAGE))["data"]["computeSkus"]}
    assert any(everywhere[c["id"]]["launchable"] for c in sold_out)

    unknown = await harness.query(COMPUTE_PAGE, {"region": "mars-north-1"})
    assert unknown["data"]["computeSkus"] == []


async def test_gpu_model_filter_takes_model_or_family_ignoring_case(harness: GatewayHarness) -> None:
    by_family = (await harness.query(COMPUTE_PAGE, {"gpuModel": "h100"}))["data"]["computeSkus"]
    by_model = (await harness.query(COMPUTE_PAGE, {"gpuModel": "NVIDIA H100 80GB"}))["data"]["computeSkus"]
    assert [c["name"] for c in by_family] == ["8x H100 80GB", "1x H100 80GB"]
    assert by_model == by_family
    both = await harness.query(COMPUTE_PAGE, {"gpuModel": "L40S", "region": "us-east-1"})
    assert {c["gpuFamily"] for c in both["data"]["computeSkus"]} == {"L40S"}
    assert (await harness.query(COMPUTE_PAGE, {"gpuModel": "TPU v5"}))["data"]["computeSkus"] == []


async def test_bad_filter_values_are_rejected(harness: GatewayHarness) -> None:
    for variables in ({"region": ""}, {"gpuModel": "x" * 65}):
        body = await harness.query(COMPUTE_PAGE, variables)
        assert body["data"]["computeSkus"] is None
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_internal_sku_fields_stay_behind_the_allow_list(harness: GatewayHarness) -> None:
    stored = harness.services["platform"].state.store.get_many("gpu_skus", ["sku-h100-8x"])[0]
    assert {"supplier_cost_cents", "internal_pool_id", "capacity_api_token"} <= set(stored)
    body = await harness.query(COMPUTE_PAGE)
    text = json.dumps(body)
    assert stored["internal_pool_id"] not in text and stored["capacity_api_token"] not in text
    fields = await harness.query('{ __type(name: "ComputeSku") { fields { name } } }')
    names = {f["name"].lower() for f in fields["data"]["__type"]["fields"]}
    assert not any(word in name for name in names for word in ("supplier", "pool", "token", "cost"))


async def test_sku_cards_are_nodes(harness: GatewayHarness) -> None:
    card = (await harness.query(COMPUTE_PAGE))["data"]["computeSkus"][0]
    body = await harness.query(
        "query($id: ID!) { node(id: $id) { id ... on ComputeSku { name regions { region } } } }", {"id": card["id"]}
    )
    assert body["data"]["node"]["name"] == card["name"]
    assert len(body["data"]["node"]["regions"]) == 2


async def test_compute_page_makes_one_call_per_resource_type(harness: GatewayHarness) -> None:
    await harness.query("{ viewer { persona } }")
    harness.calls()
    query = '{ a: computeSkus(region: "us-east-1") { name } b: computeSkus(gpuModel: "A100") { name } }'
    body = await harness.query(query)
    assert "errors" not in body
    calls = harness.calls()
    assert calls["platform /v1/gpu-skus"] == 1
    assert all(count == 1 for count in calls.values()), calls
