"""Write side of the workloads service: launches, lifecycle actions and compute/app launch drafts.

A launch creates a ``pending`` workload (with a ``status_changed`` event) from an app of the catalog or a
plain compute image, with the schedule the scheduler (``scheduler``) moves it along and, for an app, the
app's slug and ports. Lifecycle actions follow one transition table; an action the current status does not
allow is ``409 invalid_transition`` and says why. Every change appends ``status_changed`` events, so the
read side (timeline, primary action, billing) reflects it.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from reference_services import scheduler
from reference_services._commands import Command, CommandRequest, Document, Rejected
from reference_services.commands_drafts import draft_commands
from reference_services.seed import GPU_MODELS, KINDS

NAME = re.compile(r"^[a-z][a-z0-9-]{2,62}$")
GPU_COUNTS = (1, 2, 4, 8)
PRICES = {g["model"]: g for g in GPU_MODELS}
COMPUTE_STEPS = ("basics", "hardware", "image", "access", "storage", "network", "review")
APP_STEPS = ("basics", "app", "hardware", "access", "storage", "network", "review")

# action -> (statuses that allow it, status passed through, resulting status). A start, or a restart of a
# workload holding no node, queues it (pending) for the scheduler to place; a running one restarts on its node.
TRANSITIONS: dict[str, tuple[frozenset[str], str | None, str]] = {
    "stop": (frozenset({"running", "provisioning"}), "stopping", "stopped"),
    "start": (frozenset({"stopped", "failed"}), None, "pending"),
    "restart": (frozenset({"running", "failed"}), None, "provisioning"),
    "terminate": (
        frozenset({"pending", "provisioning", "running", "stopping", "stopped", "failed"}),
        "terminating",
        "terminated",
    ),
}
WHY_NOT = {
    "pending": "the workload is waiting for capacity",
    "provisioning": "the workload is still provisioning",
    "running": "the workload is already running",
    "stopping": "the workload is stopping",
    "stopped": "the workload is stopped",
    "failed": "the workload has failed",
    "terminating": "the workload is being terminated",
    "terminated": "the workload is terminated",
}
BILLING = frozenset({"provisioning", "running", "stopping"})


def _event(request: CommandRequest, workload_id: str, old: str | None, new: str, message: str, order: int = 0) -> None:
    # ``order`` milliseconds after the command: transitions of one command keep their order on the timeline.
    at = datetime.fromisoformat(request.now.replace("Z", "+00:00")) + timedelta(milliseconds=order)
    request.save(
        "workload-events",
        {
            "id": request.new_id("ev"),
            "workload_id": workload_id,
            "type": "status_changed",
            "from_status": old,
            "to_status": new,
            "at": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "message": message,
            "actor_id": request.actor_id,
        },
    )


def _app(request: CommandRequest, slug: str) -> Document:
    found = request.find("apps", {"slug": [slug]})
    if not found:
        raise Rejected(422, "unknown_app", f"no app {slug!r} in the catalog", "app_slug")
    return found[0]


def _settings(request: CommandRequest) -> dict[str, Any]:
    settings = request.mapping("settings")
    for name in ("idle_timeout_minutes", "max_model_length", "epochs"):
        request.integer_in(settings, name, field=f"settings.{name}")  # 400 for anything but an integer
    for name in ("model_name", "framework", "checkpoint_bucket_id", "dataset_bucket_id"):
        if settings.get(name) is not None and not isinstance(settings[name], str):
            raise Rejected(400, "bad_field", f"`settings.{name}` must be a string", f"settings.{name}")
    return settings


def _env(request: CommandRequest) -> list[dict[str, Any]]:
    entries = request.body.get("env") or []
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("name"), str) and isinstance(e.get("value"), str | None)
        for e in entries
    ):
        raise Rejected(400, "bad_field", "`env` is a list of {name, value} with string values", "env")
    return [{"name": e["name"], "value": e.get("value"), "secret": False} for e in entries]


def launch(request: CommandRequest) -> Document:
    """Create a pending workload from an app or a compute image."""
    tenant_id = request.text("tenant_id", max_length=128)
    project_id = request.text("project_id", max_length=128)
    name = request.text("name", max_length=64) or ""
    slug = request.text("app_slug", required=False, max_length=128)
    app = _app(request, slug) if slug else None
    kind = app["workload_kind"] if app else "compute"
    if kind not in KINDS:
        raise Rejected(422, "unknown_kind", f"cannot launch workloads of kind {kind!r}", "app_slug")
    defaults = (app or {}).get("launch_defaults") or {}
    gpu = request.mapping("gpu")
    if not isinstance(gpu.get("model"), str | None):
        raise Rejected(400, "bad_field", "`gpu.model` must be a string", "gpu.model")
    model = gpu.get("model") or defaults.get("gpu_model")
    count = request.integer_in(gpu, "count", field="gpu.count") or defaults.get("gpu_count")
    settings, env = _settings(request), _env(request)  # the body's shape first: a malformed one is 400 in any state
    image = request.text("image", required=False, max_length=512) or defaults.get("image")
    if not NAME.match(name):
        raise Rejected(422, "invalid_name", "names are 3-63 of a-z, 0-9 and -, starting with a letter", "name")
    if model not in PRICES:
        raise Rejected(422, "unknown_gpu_model", f"no GPU model {model!r}", "gpu.model")
    if count not in GPU_COUNTS:
        raise Rejected(422, "invalid_gpu_count", "GPU count must be 1, 2, 4 or 8", "gpu.count")
    if not image:
        raise Rejected(422, "image_required", "compute launches need an image", "image")
    taken = [
        w
        for w in request.find("workloads", {"project_id": [project_id]})
        if w["name"] == name and w["status"] != "terminated"
    ]
    if taken:
        raise Rejected(409, "name_taken", f"the project already has a workload named {name!r}", "name")
    price = PRICES[model]
    workload_id = request.new_id("wl")
    doc: Document = {
        "id": workload_id,
        "tenant_id": tenant_id,
        "project_id": project_id,
        "owner_id": request.text("owner_id", max_length=128),
        "kind": kind,
        "name": name,
        "status": "pending",
        "status_reason": scheduler.queued_reason({"model": model, "count": count}),
        "schedule": scheduler.launch_schedule(scheduler.parse(request.now)),
        "node_id": None,
        "gpu": {"model": model, "count": count, "memory_gib": price["memory_gib"]},
        "hourly_rate_cents": price["hourly_cents"] * count,
        "created_at": request.now,
        "started_at": None,
        "completed_run_seconds": 0,
        "image": image,
        "command": request.text("command", required=False),
        "env": env,
        "app_slug": slug,
        "ports": [dict(p) for p in defaults.get("ports") or []],  # an app keeps the ports it serves on
        "ssh_key_ids": request.strings("ssh_key_ids"),
        "service_account_id": request.text("service_account_id", required=False, max_length=128),
        "region": request.text("region", required=False, max_length=64),
        "ssh": {
            "host": f"ssh.{tenant_id.removeprefix('t-')}.gpucloud.example",
            "port": 22000 + secrets.randbelow(1000),
            "user": "ubuntu",
        }
        if kind == "compute"
        else None,
    }
    if kind == "jupyter":
        doc["jupyter"] = {
            "kernel": "python3 (PyTorch 2.5)",
            "idle_timeout_minutes": int(settings.get("idle_timeout_minutes") or 60),
            "notebook_path": f"/lab/{workload_id}",
        }
    elif kind == "vllm":
        doc["vllm"] = {
            "model": str(settings.get("model_name") or "meta-llama/Llama-3.1-8B-Instruct"),
            "max_model_len": int(settings.get("max_model_length") or 8192),
            "tensor_parallel_size": count,
            "replicas": 1,
            "route": f"/serve/{project_id.removeprefix('p-')}/{workload_id}",
            "tokens_per_second": None,
        }
    elif kind == "training":
        doc["training"] = {
            "framework": str(settings.get("framework") or "pytorch"),
            "epochs_total": int(settings.get("epochs") or 10),
            "epoch_current": 0,
            "loss": None,
            "checkpoint_bucket_id": settings.get("checkpoint_bucket_id"),
            "dataset_bucket_id": settings.get("dataset_bucket_id"),
        }
    request.save("workloads", doc)
    _event(request, workload_id, None, "pending", "Launch requested; waiting for GPU capacity")
    return doc


def _seconds_between(start: str | None, end: str) -> int:
    if not start:
        return 0
    parse = lambda value: datetime.fromisoformat(value.replace("Z", "+00:00"))  # noqa: E731
    return max(0, int((parse(end) - parse(start)).total_seconds()))


def _transition(action: str):
    allowed, via, target = TRANSITIONS[action]

    def handler(request: CommandRequest) -> Document:
        workload = request.load("workloads", request.target_id, "workload")
        status = workload["status"]
        if status not in allowed:
            raise Rejected(409, "invalid_transition", f"Cannot {action}: {WHY_NOT[status]}.", "status")
        if status in BILLING:
            workload["completed_run_seconds"] += _seconds_between(workload.get("started_at"), request.now)
        result = target if target != "provisioning" or (status in BILLING and workload.get("node_id")) else "pending"
        workload["started_at"] = request.now if result in BILLING else None
        if result not in BILLING:
            workload["node_id"] = None  # its GPUs are free for the next placement
        workload["status_reason"] = None
        workload["schedule"] = None
        if result == "provisioning":  # a restart on the node it holds
            workload["schedule"] = scheduler.restart_schedule(scheduler.parse(request.now))
            node, image = workload["node_id"], workload["image"]
            workload["status_reason"] = f"Provisioning ({action} requested) on {node}: {image}"
        elif result == "pending":
            workload["schedule"] = scheduler.start_schedule(scheduler.parse(request.now))
            workload["status_reason"] = scheduler.queued_reason(workload["gpu"])
        workload["status"] = result
        request.save("workloads", workload)
        previous = status
        for order, step in enumerate((via, result)):
            if step is not None and step != previous:
                _event(request, workload["id"], previous, step, f"Status changed to {step} ({action} requested)", order)
                previous = step
        return workload

    return handler


COMMANDS = (
    Command(
        "workloads",
        "Launch a workload (pending until placed) from an app or a compute image",
        launch,
        body={
            "tenant_id": "string",
            "project_id": "string",
            "owner_id": "string",
            "name": "string",
            "app_slug": "string",
            "gpu": "object",
            "region": "string",
            "image": "string",
            "command": "string",
            "env": "array",
            "settings": "object",
            "ssh_key_ids": "array",
            "service_account_id": "string",
        },
    ),
    *(
        Command(
            "workloads",
            f"{action.capitalize()} a workload (409 invalid_transition when its status forbids it)",
            _transition(action),
            action=action,
        )
        for action in TRANSITIONS
    ),
    *draft_commands({"compute": COMPUTE_STEPS, "app": APP_STEPS}, "ld"),
)
