"""Apps: catalog with featured cards and compact rows, detail by slug and what a launch creates."""

from __future__ import annotations

import json
import re

from reference_services.faults import FaultSpec
from reference_services.seed import SECRET_MARKER
from tests.support import PERSONA_USERS, GatewayHarness

CATALOG_PAGE = """query Apps($category: String) {
  apps(category: $category) {
    category
    featured {
      id slug name tagline featured colour { hex token } icon { name assetPath } workloadKind route launchRoute
    }
    rows { id slug name tagline category { slug label appCount } colour { hex token } icon { name } workloadKind }
    categories { slug label appCount }
  }
}"""

APP_DETAIL = """query App($slug: String!) {
  app(slug: $slug) {
    id slug name description category { slug label } docsRoute route launchRoute workloadKind
    launch {
      workloadKind summary route
      defaults { gpuModel gpuCount image ports { name port protocol } }
      dependencies { kind required purpose manageRoute }
      defaultSku { id name gpuCount gpuModel pricePerHour { amount } }
      estimatedPricePerHour { amount currency }
    }
  }
}"""


async def test_every_persona_sees_the_catalog(harness: GatewayHarness) -> None:
    bodies = {persona: await harness.query(CATALOG_PAGE, persona=persona) for persona in PERSONA_USERS}
    assert all("errors" not in body for body in bodies.values())
    assert SECRET_MARKER not in json.dumps(bodies)
    assert all(body == bodies["member"] for body in bodies.values()), "the catalog is the same for everyone"
    catalog = bodies["member"]["data"]["apps"]
    assert len(catalog["rows"]) >= 8
    assert [a["name"].lower() for a in catalog["rows"]] == sorted(a["name"].lower() for a in catalog["rows"])
    assert 2 <= len(catalog["featured"]) < len(catalog["rows"])
    assert all(a["featured"] for a in catalog["featured"])
    assert catalog["featured"][0]["slug"] == "jupyter", "featured cards keep their rank order"
    for app in catalog["rows"]:
        assert re.fullmatch(r"#[0-9A-F]{6}", app["colour"]["hex"]) and app["colour"]["token"].startswith("app-")
        assert app["icon"]["name"]
    assert len({a["colour"]["token"] for a in catalog["rows"]}) == len(catalog["rows"]), "each app has its colour"
    assert sum(c["appCount"] for c in catalog["categories"]) == len(catalog["rows"])
    assert {a["workloadKind"] for a in catalog["rows"]} == {"COMPUTE", "JUPYTER", "VLLM", "TRAINING"}


async def test_category_filter_narrows_cards_and_rows(harness: GatewayHarness) -> None:
    catalog = (await harness.query(CATALOG_PAGE, {"category": "training"}))["data"]["apps"]
    assert catalog["category"] == "training"
    assert {a["category"]["slug"] for a in catalog["rows"]} == {"training"}
    assert len(catalog["rows"]) == next(c["appCount"] for c in catalog["categories"] if c["slug"] == "training")
    assert [a["slug"] for a in catalog["featured"]] == ["training"]
    assert len(catalog["categories"]) > 1, "chips still list every category"

    unknown = (await harness.query(CATALOG_PAGE, {"category": "quantum"}))["data"]["apps"]
    assert unknown["featured"] == [] and unknown["rows"] == []


async def test_app_detail_describes_what_launching_creates(harness: GatewayHarness) -> None:
    app = (await harness.query(APP_DETAIL, {"slug": "vllm"}))["data"]["app"]
    assert app["route"] == "/apps/vllm" and app["launchRoute"] == "/launch/app/vllm"
    launch = app["launch"]
    assert launch["workloadKind"] == "VLLM" == app["workloadKind"]
    assert launch["route"] == app["launchRoute"]
    assert launch["defaults"]["ports"] == [{"name": "api", "port": 8000, "protocol": "http"}]
    assert str(launch["defaults"]["gpuCount"]) in launch["summary"] and launch["defaults"]["image"] in launch["summary"]
    required = {d["kind"]: d for d in launch["dependencies"]}
    assert required["SERVICE_ACCOUNT"]["required"] is True
    assert required["SERVICE_ACCOUNT"]["manageRoute"] == "/access/service-accounts"
    assert required["BUCKET"]["required"] is False
    sku = launch["defaultSku"]
    assert (sku["gpuModel"], sku["gpuCount"]) == (launch["defaults"]["gpuModel"], launch["defaults"]["gpuCount"])
    assert launch["estimatedPricePerHour"]["amount"] == sku["pricePerHour"]["amount"]


async def test_compute_apps_create_compute_workloads_that_need_an_ssh_key(harness: GatewayHarness) -> None:
    catalog = (await harness.query(CATALOG_PAGE))["data"]["apps"]
    compute_apps = [a["slug"] for a in catalog["rows"] if a["workloadKind"] == "COMPUTE"]
    assert len(compute_apps) >= 3
    for slug in compute_apps:
        launch = (await harness.query(APP_DETAIL, {"slug": slug}))["data"]["app"]["launch"]
        assert launch["workloadKind"] == "COMPUTE"
        assert any(d["kind"] == "SSH_KEY" and d["required"] for d in launch["dependencies"])
        assert launch["defaultSku"] is not None


async def test_app_backed_workload_kinds_have_their_launch_app(harness: GatewayHarness) -> None:
    # Workload next steps send users to /launch/app/<kind>; each such slug must be an app.
    for kind in ("jupyter", "vllm", "training"):
        app = (await harness.query(APP_DETAIL, {"slug": kind}))["data"]["app"]
        assert app["workloadKind"] == kind.upper()


async def test_unknown_slug_is_not_found(harness: GatewayHarness) -> None:
    body = await harness.query(APP_DETAIL, {"slug": "does-not-exist"})
    assert body["data"]["app"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert body["errors"][0]["path"] == ["app"]
    empty = await harness.query(APP_DETAIL, {"slug": ""})
    assert empty["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_apps_are_nodes(harness: GatewayHarness) -> None:
    app = (await harness.query(APP_DETAIL, {"slug": "comfyui"}))["data"]["app"]
    body = await harness.query(
        "query($id: ID!) { node(id: $id) { ... on App { slug category { appCount } } } }", {"id": app["id"]}
    )
    assert body["data"]["node"] == {"slug": "comfyui", "category": {"appCount": 1}}


async def test_registry_credentials_never_leave_the_gateway(harness: GatewayHarness) -> None:
    stored = harness.services["workloads"].state.store.get_many("apps", ["app-jupyter"])[0]
    assert SECRET_MARKER in stored["registry_pull_token"]
    body = await harness.query(APP_DETAIL, {"slug": "jupyter"})
    text = json.dumps(body)
    assert SECRET_MARKER not in text and stored["build_pipeline_id"] not in text


async def test_catalog_and_detail_make_one_call_per_resource_type(harness: GatewayHarness) -> None:
    await harness.query("{ viewer { persona } }")
    harness.calls()
    query = """{ apps { featured { slug launch { defaultSku { name } } } rows { slug category { appCount } } }
                 app(slug: "training") { launch { estimatedPricePerHour { amount } } }
                 computeSkus { name } }"""
    body = await harness.query(query)
    assert "errors" not in body
    calls = harness.calls()
    assert calls["workloads /v1/apps"] == 1 and calls["platform /v1/gpu-skus"] == 1
    assert all(count == 1 for count in calls.values()), calls


async def test_a_failing_sku_catalog_costs_only_the_price_fields(harness: GatewayHarness) -> None:
    harness.services["platform"].state.faults.set(FaultSpec(down=True, paths=["/v1/gpu-skus"]))
    query = "{ apps { rows { slug launch { workloadKind defaultSku { name } estimatedPricePerHour { amount } } } } }"
    body = await harness.query(query)
    rows = body["data"]["apps"]["rows"]
    assert len(rows) >= 8 and all(r["launch"]["workloadKind"] for r in rows)
    assert all(r["launch"]["defaultSku"] is None and r["launch"]["estimatedPricePerHour"] is None for r in rows)
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BACKEND_UNAVAILABLE"}
    assert {e["path"][-1] for e in body["errors"]} == {"defaultSku", "estimatedPricePerHour"}
    assert SECRET_MARKER not in json.dumps(body)
