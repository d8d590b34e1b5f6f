"""Workloads progress and keep their identity: the scheduler moves a launch to running on the service clock,
failures and waits carry their real reasons, metrics are current and fit the kind, and every catalog app
launches as a workload that names its app and keeps its ports."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway.ids import decode_global_id, encode_global_id
from reference_services.scheduler import PLACEMENT_DELAY, PROVISIONING_TIME, WorkloadScheduler
from reference_services.seed_catalog import APPS
from reference_services.timeline import SAMPLE_EVERY
from tests.support import GatewayHarness, build_harness

LLM = encode_global_id("Project", "p-llm")
STATES = """{ workloads(first: 100) { edges { node {
  id name kind status statusReason tabs { overview { timeline { status state } } } } } } }"""
DETAIL = """query($id: ID!) { workload(id: $id) {
  id name kind status statusReason createdAt
  app { id slug name route }
  ports { name port protocol }
  tabs {
    overview { timeline { status state at } }
    connect { methods { kind label command url availability { state } } }
    metrics {
      availability { state }
      latest {
        sampledAt gpuUtilization
        serving { tokensPerSecond latencyP50Ms latencyP95Ms }
        training { epoch step loss }
      }
      series { sampledAt serving { tokensPerSecond } training { loss step } }
    }
  }
} }"""
LAUNCH_APP = """mutation($input: LaunchAppInput!) { launchApp(input: $input) {
  workload { id kind status statusReason } userErrors { field message code } } }"""


@pytest.fixture
def harness() -> GatewayHarness:
    return build_harness()


def gid(type_name: str, local: str) -> str:
    return encode_global_id(type_name, local)


async def ok(harness: GatewayHarness, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> Any:
    body = await harness.query(query, variables, **kw)
    assert "errors" not in body, body["errors"]
    return body["data"]


def of(workload_id: str, moved: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The moves of one workload (seeded provisioning workloads move on the same ticks)."""
    return [m for m in moved if m[0] == workload_id]


async def all_workloads(harness: GatewayHarness) -> list[dict[str, Any]]:
    return [e["node"] for e in (await ok(harness, STATES, persona="operator"))["workloads"]["edges"]]


async def detail(harness: GatewayHarness, workload_id: str, persona: str = "tenant-admin") -> dict[str, Any]:
    return dict((await ok(harness, DETAIL, {"id": workload_id}, persona=persona))["workload"])


async def launch_app(harness: GatewayHarness, slug: str, name: str) -> dict[str, Any]:
    access: dict[str, Any] = {"sshKeyId": gid("Credential", "cred-priya-ws")}
    if slug == "vllm":
        access = {"serviceAccountId": gid("ServiceAccount", "sa-llm-eval")}
    storage = {"mounts": [{"bucketId": gid("Bucket", "bk-0005"), "mountPath": "/mnt/checkpoints"}]}
    given = {"basics": {"projectId": LLM, "name": name}, "app": {"appSlug": slug}, "access": access}
    if slug in {"vllm", "training", "pytorch-ddp", "ray"}:  # LLM Serving holds 18 of 20 A100s, 9 of 10 H100s
        given["hardware"] = {"gpuModel": "NVIDIA H100 80GB", "gpuCount": 1}
    if slug in {"training", "pytorch-ddp"}:
        given["storage"] = storage
    body = await harness.query(
        LAUNCH_APP, {"input": given}, persona="project-admin", headers={"Idempotency-Key": f"apps-{uuid.uuid4()}"}
    )
    assert "errors" not in body, body["errors"]
    payload = body["data"]["launchApp"]
    assert payload["userErrors"] == [], (slug, payload["userErrors"])
    return dict(payload["workload"])


def scheduler(harness: GatewayHarness) -> WorkloadScheduler:
    found = harness.services["workloads"].state.scheduler
    assert isinstance(found, WorkloadScheduler)
    return found


async def test_failed_workloads_say_whether_they_failed_provisioning_or_running_as_their_timeline_shows(
    harness: GatewayHarness,
) -> None:
    failed = [w for w in await all_workloads(harness) if w["status"] == "FAILED"]
    stages = set()
    for workload in failed:
        ran = any(step["status"] == "running" for step in workload["tabs"]["overview"]["timeline"])
        expected = "Failed while running: " if ran else "Failed during provisioning: "
        assert workload["statusReason"].startswith(expected), (workload["name"], workload["statusReason"])
        stages.add(ran)
    assert stages == {True, False}, "the seed shows both kinds of failure"


async def test_pending_and_provisioning_workloads_say_what_they_wait_for(harness: GatewayHarness) -> None:
    waiting = [w for w in await all_workloads(harness) if w["status"] in {"PENDING", "PROVISIONING"}]
    assert waiting
    for workload in waiting:
        prefix = "Waiting for capacity: " if workload["status"] == "PENDING" else "Provisioning on "
        assert (workload["statusReason"] or "").startswith(prefix), (workload["name"], workload["statusReason"])


async def test_the_latest_sample_is_the_latest_and_fits_the_kind(harness: GatewayHarness) -> None:
    now = datetime.now(UTC)
    running = [w for w in await all_workloads(harness) if w["status"] == "RUNNING"]
    kinds = {}
    for workload in running:
        found = await detail(harness, workload["id"], persona="operator")
        metrics = found["tabs"]["metrics"]
        latest = metrics["latest"]
        assert now - datetime.fromisoformat(latest["sampledAt"]) <= SAMPLE_EVERY + timedelta(minutes=1), found["name"]
        assert metrics["series"][-1]["sampledAt"] == latest["sampledAt"]
        kinds[found["kind"]] = metrics
    # wl-0039 (vision-devbox-39) was stale by 11.5 days: its latest sample is now minutes old.
    assert (await detail(harness, gid("Workload", "wl-0039")))["tabs"]["metrics"]["latest"]["sampledAt"] >= (
        now - SAMPLE_EVERY - timedelta(minutes=1)
    ).isoformat()
    vllm, training, compute = kinds["VLLM"], kinds["TRAINING"], kinds["COMPUTE"]
    assert vllm["latest"]["serving"]["tokensPerSecond"] > 0 and vllm["latest"]["serving"]["latencyP95Ms"] > 0
    assert vllm["latest"]["training"] is None and len(vllm["series"]) > 1
    losses = [s["training"]["loss"] for s in training["series"]]
    assert len(losses) > 1 and losses == sorted(losses, reverse=True), "the loss curve falls as training runs"
    assert compute["latest"]["serving"] is None and compute["latest"]["training"] is None


async def test_a_launch_becomes_running_on_the_schedulers_clock(harness: GatewayHarness) -> None:
    launched = await launch_app(harness, "comfyui", "comfy-progress")
    assert launched["status"] == "PENDING" and launched["statusReason"].startswith("Waiting for capacity")
    created = datetime.fromisoformat((await detail(harness, launched["id"]))["createdAt"])
    clock = scheduler(harness)
    local = decode_global_id(launched["id"])[1]
    assert of(local, clock.tick(created + PLACEMENT_DELAY - timedelta(seconds=1))) == []
    assert of(local, clock.tick(created + PLACEMENT_DELAY)) == [(local, "provisioning")]
    provisioning = await detail(harness, launched["id"])
    assert provisioning["status"] == "PROVISIONING" and provisioning["statusReason"].startswith("Provisioning")
    assert {m["availability"]["state"] for m in provisioning["tabs"]["connect"]["methods"]} == {"UNAVAILABLE"}
    ready = created + PLACEMENT_DELAY + PROVISIONING_TIME
    assert of(local, clock.tick(ready)) == [(local, "running")]
    assert clock.tick(ready) == []  # nothing is due twice
    running = await detail(harness, launched["id"])
    assert running["status"] == "RUNNING" and running["statusReason"] is None
    steps = {s["status"]: s for s in running["tabs"]["overview"]["timeline"]}
    assert [steps[s]["state"] for s in ("pending", "provisioning", "running")] == ["DONE", "DONE", "CURRENT"]
    assert datetime.fromisoformat(steps["running"]["at"]) == ready
    assert {m["availability"]["state"] for m in running["tabs"]["connect"]["methods"]} == {"AVAILABLE"}
    assert running["tabs"]["metrics"]["latest"]["sampledAt"] == ready.isoformat()
    # Both moves were published on the workloads service's event stream.
    items, _ = harness.services["workloads"].state.events.read(0, {"type": ["workload.status_changed"]}, 1000)
    assert [i["data"]["status"] for i in items if i["subject_id"] == local] == ["pending", "provisioning", "running"]


async def test_a_launch_that_catches_up_moves_through_every_state_in_one_tick(harness: GatewayHarness) -> None:
    launched = await launch_app(harness, "ollama", "ollama-late")
    local = decode_global_id(launched["id"])[1]
    later = datetime.now(UTC) + PLACEMENT_DELAY + PROVISIONING_TIME + SAMPLE_EVERY * 3
    assert of(local, scheduler(harness).tick(later)) == [(local, "provisioning"), (local, "running")]
    assert len((await detail(harness, launched["id"]))["tabs"]["metrics"]["series"]) == 4


async def test_a_training_launch_reports_progress_and_loss_as_time_advances(harness: GatewayHarness) -> None:
    launched = await launch_app(harness, "training", "train-progress")
    created = datetime.fromisoformat((await detail(harness, launched["id"]))["createdAt"])
    ready = created + PLACEMENT_DELAY + PROVISIONING_TIME
    scheduler(harness).tick(ready)
    scheduler(harness).tick(ready + SAMPLE_EVERY * 4)
    metrics = (await detail(harness, launched["id"]))["tabs"]["metrics"]
    steps = [s["training"]["step"] for s in metrics["series"]]
    losses = [s["training"]["loss"] for s in metrics["series"]]
    assert steps == [0, 30, 60, 90, 120] and losses == sorted(losses, reverse=True)


async def test_a_running_workload_stopped_leaves_the_schedule(harness: GatewayHarness) -> None:
    launched = await launch_app(harness, "rstudio", "rstudio-stop")
    stop = "mutation($id: ID!) { stopWorkload(input: {workloadId: $id}) { workload { status } userErrors { code } } }"
    scheduler(harness).tick(datetime.now(UTC) + PLACEMENT_DELAY)
    body = await harness.query(
        stop, {"id": launched["id"]}, persona="project-admin", headers={"Idempotency-Key": f"stop-{uuid.uuid4()}"}
    )
    assert body["data"]["stopWorkload"]["workload"]["status"] == "STOPPED"
    assert (
        of(decode_global_id(launched["id"])[1], scheduler(harness).tick(datetime.now(UTC) + timedelta(hours=1))) == []
    )


@pytest.mark.parametrize("app", [a[0] for a in APPS])
async def test_every_catalog_app_launches_as_a_workload_that_names_its_app_and_keeps_its_ports(
    harness: GatewayHarness, app: str
) -> None:
    row = next(a for a in APPS if a[0] == app)
    kind, ports = row[8], row[12]
    launched = await launch_app(harness, app, f"{app}-identity"[:40])
    found = await detail(harness, launched["id"])
    assert found["kind"] == kind.upper()
    assert found["app"] == {"id": gid("App", f"app-{app}"), "slug": app, "name": row[1], "route": f"/apps/{app}"}
    assert [(p["name"], p["port"], p["protocol"]) for p in found["ports"]] == list(ports)
    methods = found["tabs"]["connect"]["methods"]
    if kind == "compute":  # the five apps that run on a compute workload keep their own ports next to SSH
        assert methods[0]["kind"] == "ssh"
        http = [p for p in ports if p[2] == "http"]
        assert [(m["kind"], m["url"]) for m in methods if m["kind"] == "app_port"] == [
            ("app_port", f"/proxy/{decode_global_id(found['id'])[1]}/{p[1]}/") for p in http
        ]


async def test_a_launched_comfyui_keeps_its_ui_port(harness: GatewayHarness) -> None:
    launched = await launch_app(harness, "comfyui", "comfy-ui-port")
    methods = (await detail(harness, launched["id"]))["tabs"]["connect"]["methods"]
    assert [m["kind"] for m in methods] == ["ssh", "app_port"] and methods[1]["label"] == "ui (port 8188)"
    scheduler(harness).tick(datetime.now(UTC) + PLACEMENT_DELAY + PROVISIONING_TIME)
    leads = "query($id: ID!) { workload(id: $id) { primaryAction { kind label enabled route } } }"
    action = (await ok(harness, leads, {"id": launched["id"]}))["workload"]["primaryAction"]
    assert action == {
        "kind": "open_app",
        "label": "Open ui (port 8188)",
        "enabled": True,
        "route": f"/workloads/{launched['id']}#tab=connect",  # console links carry global ids
    }
    terminate = (
        "mutation($id: ID!) { terminateWorkload(input: {workloadId: $id}) { workload { primaryAction { route } } } }"
    )
    body = await harness.query(
        terminate, {"id": launched["id"]}, persona="project-admin", headers={"Idempotency-Key": f"t-{uuid.uuid4()}"}
    )
    assert body["data"]["terminateWorkload"]["workload"]["primaryAction"]["route"] == "/launch/app/comfyui"


async def test_seeded_app_workloads_name_their_app_and_plain_compute_names_none(harness: GatewayHarness) -> None:
    found = await detail(harness, gid("Workload", "wl-0039"))
    assert found["kind"] == "COMPUTE" and found["app"] is None and found["ports"] == []
    by_kind = {"JUPYTER": "jupyter", "VLLM": "vllm", "TRAINING": "training"}
    for workload in await all_workloads(harness):
        if workload["kind"] in by_kind and workload["name"].startswith("llm-"):
            named = await detail(harness, workload["id"])
            assert named["app"]["slug"] == by_kind[workload["kind"]], workload["name"]


async def test_the_loop_ticks_on_its_clock_and_stops_when_cancelled(harness: GatewayHarness) -> None:
    launched = await launch_app(harness, "vscode-server", "code-loop")
    later = datetime.now(UTC) + PLACEMENT_DELAY + PROVISIONING_TIME
    fleet = scheduler(harness).fleet  # the platform's nodes, as the services' own scheduler reads them
    loop = WorkloadScheduler(harness.services["workloads"].state.store, fleet, clock=lambda: later, interval=0)
    await loop.run(max_ticks=2)  # bounded: two passes, then it returns
    assert (await detail(harness, launched["id"]))["status"] == "RUNNING"
    loop.start()
    assert loop.running
    await loop.stop()
    assert not loop.running


async def test_a_launch_with_a_mount_audits_the_launch_and_the_mount(harness: GatewayHarness) -> None:
    launched = await launch_app(harness, "pytorch-ddp", "ddp-audited")
    audit = """query($p: ID!) { evidence(scope: PROJECT, project: $p, first: 5) { edges { node {
      action actor { displayName } target { type localId label } } } } }"""
    edges = (await ok(harness, audit, {"p": LLM}, persona="project-admin"))["evidence"]["edges"]
    newest = {(e["node"]["action"], e["node"]["target"]["localId"]) for e in edges[:2]}
    assert newest == {("workload.launched", decode_global_id(launched["id"])[1]), ("bucket.mounted", "bk-0005")}
    assert {e["node"]["actor"]["displayName"] for e in edges[:2]} == {"Priya Shah"}


async def test_seeded_provisioning_workloads_run_once_provisioned_with_their_event_and_no_stale_reason(
    harness: GatewayHarness,
) -> None:
    seeded = [w for w in await all_workloads(harness) if w["status"] == "PROVISIONING"]
    assert seeded
    clock = scheduler(harness)
    found = {w["id"]: await detail(harness, w["id"], persona="operator") for w in seeded}
    placed = {
        i: next(s for s in f["tabs"]["overview"]["timeline"] if s["status"] == "provisioning") for i, f in found.items()
    }
    # Placed moments ago (still pulling its image, as its reason says), running once provisioned.
    assert all(datetime.now(UTC) - datetime.fromisoformat(s["at"]) < PROVISIONING_TIME for s in placed.values())
    moved = clock.tick(datetime.now(UTC) + PROVISIONING_TIME)
    assert sorted(i for i, status in moved if status == "running") == sorted(decode_global_id(i)[1] for i in found)
    for workload_id, step in placed.items():
        running = await detail(harness, workload_id, persona="operator")
        assert running["status"] == "RUNNING" and running["statusReason"] is None, running["name"]
        steps = {s["status"]: s for s in running["tabs"]["overview"]["timeline"]}
        ready = datetime.fromisoformat(step["at"]) + PROVISIONING_TIME
        assert steps["running"]["state"] == "CURRENT" and datetime.fromisoformat(steps["running"]["at"]) == ready
        assert running["tabs"]["metrics"]["latest"]["sampledAt"] >= ready.isoformat()
