"""Developer downloads and API references, and scheduler guidance routing to Apps, Workloads and Access."""

from __future__ import annotations

import json
import re

from reference_services.seed import SECRET_MARKER
from tests.support import PERSONA_USERS, GatewayHarness

DEVELOPER_PAGE = """query Developer($os: DownloadOs, $arch: CpuArch) {
  developer {
    downloads(os: $os, arch: $arch) { artifact name os arch version latest sha256 sizeBytes releasedAt path }
    apiReferences { name kind route description }
  }
}"""

SCHEDULERS_PAGE = """{ schedulerGuidance {
  scheduler name title summary destination route actionLabel mappings { concept now destination route }
} }"""

# Where each destination's routes live in the console.
SECTIONS = {"APPS": ("/apps", "/launch/app/"), "WORKLOADS": ("/workloads", "/launch/compute"), "ACCESS": ("/access",)}


async def test_every_persona_sees_downloads_and_references(harness: GatewayHarness) -> None:
    bodies = {persona: await harness.query(DEVELOPER_PAGE, persona=persona) for persona in PERSONA_USERS}
    assert all("errors" not in body for body in bodies.values())
    assert SECRET_MARKER not in json.dumps(bodies)
    assert all(other == bodies["member"] for other in bodies.values())
    body = bodies["member"]
    downloads = body["data"]["developer"]["downloads"]
    assert {(d["os"], d["arch"]) for d in downloads} == {
        ("LINUX", "AMD64"),
        ("LINUX", "ARM64"),
        ("MACOS", "AMD64"),
        ("MACOS", "ARM64"),
        ("WINDOWS", "AMD64"),
    }
    assert {d["artifact"] for d in downloads} == {"CLI", "SDK"}
    for download in downloads:
        assert re.fullmatch(r"[0-9a-f]{64}", download["sha256"])
        assert download["sizeBytes"] > 0
        assert download["path"].startswith("/downloads/") and download["version"] in download["path"]
    references = body["data"]["developer"]["apiReferences"]
    assert {r["kind"] for r in references} == {"GRAPHQL", "REST", "OPENAPI"}
    assert all(r["route"].startswith("/") and r["description"] for r in references)


async def test_downloads_filter_by_os_and_arch_and_mark_the_latest(harness: GatewayHarness) -> None:
    body = await harness.query(DEVELOPER_PAGE, {"os": "MACOS", "arch": "ARM64"})
    downloads = body["data"]["developer"]["downloads"]
    assert {(d["os"], d["arch"]) for d in downloads} == {("MACOS", "ARM64")}
    cli = [d for d in downloads if d["artifact"] == "CLI"]
    assert [(d["version"], d["latest"]) for d in cli] == [("1.8.2", True), ("1.8.1", False)]
    assert [d["latest"] for d in downloads if d["artifact"] == "SDK"] == [True]
    linux = (await harness.query(DEVELOPER_PAGE, {"os": "LINUX"}))["data"]["developer"]["downloads"]
    assert {d["arch"] for d in linux} == {"AMD64", "ARM64"} and {d["os"] for d in linux} == {"LINUX"}
    windows_arm = await harness.query(DEVELOPER_PAGE, {"os": "WINDOWS", "arch": "ARM64"})
    assert windows_arm["data"]["developer"]["downloads"] == []


async def test_checksums_are_the_published_ones(harness: GatewayHarness) -> None:
    stored = harness.services["platform"].state.store.get_many("downloads", ["dl-cli-1.8.2-linux-amd64"])[0]
    body = await harness.query(DEVELOPER_PAGE, {"os": "LINUX", "arch": "AMD64"})
    newest_cli = body["data"]["developer"]["downloads"][0]
    assert (newest_cli["artifact"], newest_cli["version"]) == ("CLI", "1.8.2")
    assert newest_cli["sha256"] == stored["sha256"] and newest_cli["sizeBytes"] == stored["size_bytes"]
    assert stored["origin_url"] not in json.dumps(body) and stored["signing_key"] not in json.dumps(body)


async def test_links_that_are_not_console_routes_are_left_out(harness: GatewayHarness) -> None:
    store = harness.services["platform"].state.store
    store.upsert(
        "downloads",
        {
            "id": "dl-evil",
            "artifact": "cli",
            "name": "gpucloud CLI",
            "os": "linux",
            "arch": "amd64",
            "version": "9.9.9",
            "sha256": "0" * 64,
            "size_bytes": 1,
            "released_at": "2026-01-01T00:00:00Z",
            "path": "https://artifacts.internal/gpucloud-cli",
        },
    )
    store.upsert(
        "api_references",
        {
            "id": "api-evil",
            "name": "Internal",
            "kind": "rest",
            "route": "//api.internal/v1",
            "description": "x",
        },
    )
    body = await harness.query(DEVELOPER_PAGE)
    developer = body["data"]["developer"]
    assert "9.9.9" not in {d["version"] for d in developer["downloads"]}
    assert "Internal" not in {r["name"] for r in developer["apiReferences"]}
    assert "internal" not in json.dumps(body)


async def test_scheduler_guidance_routes_to_apps_workloads_and_access(harness: GatewayHarness) -> None:
    bodies = {persona: await harness.query(SCHEDULERS_PAGE, persona=persona) for persona in PERSONA_USERS}
    assert all("errors" not in body for body in bodies.values())
    assert all(other == bodies["member"] for other in bodies.values())
    body = bodies["member"]
    guides = body["data"]["schedulerGuidance"]
    assert {g["scheduler"] for g in guides} >= {"slurm", "kubernetes", "ray"}
    assert guides[0]["title"] == "I used Slurm"
    destinations = {g["destination"] for g in guides} | {m["destination"] for g in guides for m in g["mappings"]}
    assert destinations == {"APPS", "WORKLOADS", "ACCESS"}
    for guide in guides:
        assert guide["mappings"] and guide["actionLabel"]
        for target in (guide, *guide["mappings"]):
            assert target["route"].startswith(SECTIONS[target["destination"]]), target


async def test_scheduler_guidance_points_at_apps_that_exist(harness: GatewayHarness) -> None:
    guides = (await harness.query(SCHEDULERS_PAGE))["data"]["schedulerGuidance"]
    slugs = {r["slug"] for r in (await harness.query("{ apps { rows { slug } } }"))["data"]["apps"]["rows"]}
    app_routes = [t["route"] for g in guides for t in (g, *g["mappings"]) if t["route"].startswith("/apps/")]
    assert app_routes and all(route.removeprefix("/apps/") in slugs for route in app_routes)


async def test_developer_pages_make_one_call_per_resource_type(harness: GatewayHarness) -> None:
    await harness.query("{ viewer { persona } }")
    harness.calls()
    query = """{ developer { linux: downloads(os: LINUX) { path } mac: downloads(os: MACOS) { path }
                 apiReferences { route } } schedulerGuidance { route } }"""
    body = await harness.query(query)
    assert "errors" not in body
    calls = harness.calls()
    assert calls["platform /v1/downloads"] == 1 and calls["platform /v1/scheduler-guides"] == 1
    assert all(count == 1 for count in calls.values()), calls
