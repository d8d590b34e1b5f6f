"""The seed's workloads: every kind in every lifecycle state, each with one timeline (its events, metrics and
mounts are read off it), placed on the fleet now (``seed_capacity``) and in the past (``seed_history``)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from reference_services import timeline
from reference_services.seed import (
    GPU_MODELS,
    KINDS,
    PENDING_MIN_GPUS,
    PROJECTS,
    RUNNING_STATES,
    SEEDED_APPS,
    STATES,
    USERS,
    World,
    _iso,
    secret,
)


def seed_workloads(
    world: World,
    rng: random.Random,
    scale: int,
    nodes: list[dict[str, Any]],
    fleet: list[dict[str, Any]],
    buckets: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Seed the workloads, placed on ``fleet`` (the GPU model of each follows the ready ``nodes`` in turn); returns
    the ready nodes added to hold them."""
    acme = [p for p in PROJECTS if p["tenant_id"] == "t-acme"]
    globex = [p for p in PROJECTS if p["tenant_id"] == "t-globex"]
    plan: list[tuple[dict[str, Any], str, str]] = []
    for round_index in range(2 * scale):
        for k_index, kind in enumerate(KINDS):
            for s_index, state in enumerate(STATES):
                plan.append((acme[(round_index + k_index + s_index) % len(acme)], kind, state))
        for k_index, kind in enumerate(KINDS):
            plan.append((globex[(round_index + k_index) % len(globex)], kind, STATES[(round_index * 3 + k_index) % 8]))
    ready_nodes = [n for n in nodes if n["status"] == "ready"]
    from reference_services.seed_capacity import seed_placement  # imports this module: import late

    shapes = [(f"wl-{n:04d}", state, _gpu_of(n, state, ready_nodes)) for n, (_, _, state) in enumerate(plan, 1)]
    placed, waiting, added = seed_placement(world, fleet, shapes)
    timelines = _timelines(world, plan, ready_nodes, placed, [*fleet, *added])
    for number, (project, kind, state) in enumerate(plan, start=1):
        steps, node_id = timelines[f"wl-{number:04d}"]
        _seed_one_workload(world, rng, number, (project, kind, state), steps, node_id, ready_nodes, buckets, waiting)
    return added


def _created(world: World, number: int) -> datetime:
    return world.now - timedelta(hours=3 + number * 7 % 400, minutes=number % 60)


def _timelines(
    world: World,
    plan: list[tuple[dict[str, Any], str, str]],
    ready_nodes: list[dict[str, Any]],
    placed: dict[str, str],
    nodes: list[dict[str, Any]],
) -> dict[str, tuple[list[timeline.Step], str]]:
    """Each workload's timeline and node: those holding GPUs now on the node they hold, the past runs placed
    around them (``seed_history``) so no node ever held more GPUs than it has."""
    from reference_services.seed_history import Past, place_history  # imports this module: import late

    found: dict[str, tuple[list[timeline.Step], str]] = {}
    current, past = [], []
    for number, (project, _, state) in enumerate(plan, start=1):
        workload_id = f"wl-{number:04d}"
        node_id = placed.get(workload_id) or ready_nodes[number % len(ready_nodes)]["id"]
        owner = _owner_for(project["id"])
        launcher = "sa-vision-ci" if project["id"] == "p-vision" and number % 3 == 0 else owner
        steps = timeline.workload_timeline(number, state, _created(world, number), world.now, owner, launcher, node_id)
        found[workload_id] = (steps, node_id)
        gpu = _gpu_of(number, state, ready_nodes)
        if workload_id in placed:
            current.append((node_id, gpu["count"], steps))
        elif state != "pending":
            past.append(Past(workload_id, gpu["model"], gpu["count"], steps, node_id))
    for workload_id, (node_id, start, end) in place_history(nodes, world.now, current, past).items():
        steps = timeline.retimed(found[workload_id][0], start, end, world.now, node_id)
        found[workload_id] = (steps, node_id)
    return found


def _gpu_of(number: int, state: str, nodes: list[dict[str, Any]]) -> dict[str, Any]:
    """A seeded workload's GPUs: the model of the ready nodes in turn; pending ones ask for more than fits."""
    gpu = next(g for g in GPU_MODELS if g["model"] == nodes[number % len(nodes)]["gpu_model"])
    count = (1, 2, 4, 8)[number % 4]
    if state == "pending":
        count = max(count, PENDING_MIN_GPUS)
    return {"model": gpu["model"], "count": count, "memory_gib": gpu["memory_gib"], "hourly_cents": gpu["hourly_cents"]}


def _owner_for(project_id: str) -> str:
    for user_id, *_rest, projects in USERS:
        if project_id in projects:
            return user_id
    return next(u[0] for u in USERS if u[3] == next(p["tenant_id"] for p in PROJECTS if p["id"] == project_id))


def _seed_one_workload(
    world: World,
    rng: random.Random,
    number: int,
    shape: tuple[dict[str, Any], str, str],
    steps: list[timeline.Step],
    node_id: str,
    nodes: list[dict[str, Any]],
    buckets: list[dict[str, Any]],
    waiting: set[str],
) -> None:
    project, kind, state = shape
    workload_id = f"wl-{number:04d}"
    gpu = _gpu_of(number, state, nodes)
    gpu_count = gpu["count"]
    created = _created(world, number)
    path = [step.status for step in steps]
    started = created + timedelta(minutes=4) if "running" in path else None
    run_hours = (number * 13 % 90) + 1
    name_stem = {"compute": "devbox", "jupyter": "notebook", "vllm": "serve", "training": "finetune"}[kind]
    project_buckets = [b for b in buckets if b["project_id"] == project["id"]]
    doc: dict[str, Any] = {
        "id": workload_id,
        "tenant_id": project["tenant_id"],
        "project_id": project["id"],
        "owner_id": _owner_for(project["id"]),
        "kind": kind,
        "name": f"{project['slug']}-{name_stem}-{number:02d}",
        "status": state,
        "status_reason": timeline.failure_reason(number) if state == "failed" else None,
        "node_id": node_id if state in RUNNING_STATES else None,
        "gpu": {"model": gpu["model"], "count": gpu_count, "memory_gib": gpu["memory_gib"]},
        "hourly_rate_cents": gpu["hourly_cents"] * gpu_count,
        "created_at": _iso(created),
        "started_at": _iso(started) if started and state in RUNNING_STATES else None,
        "completed_run_seconds": 0 if started is None else run_hours * 3600 // (2 if state in RUNNING_STATES else 1),
        "image": {
            "compute": "nvcr.io/nvidia/pytorch:24.10-py3",
            "jupyter": "jupyter/pytorch-notebook:cuda12",
            "vllm": "vllm/vllm-openai:v0.6.3",
            "training": "nvcr.io/nvidia/nemo:24.09",
        }[kind],
        "command": {
            "compute": None,
            "jupyter": "start-notebook.sh",
            "vllm": "vllm serve",
            "training": "torchrun --nproc-per-node=8 train.py",
        }[kind],
        "env": [
            {"name": "NCCL_DEBUG", "value": "WARN", "secret": False},
            {"name": "HF_HOME", "value": "/mnt/datasets/hf", "secret": False},
            {"name": "HF_TOKEN", "value": secret("hf", workload_id), "secret": True},
            {"name": "WANDB_API_KEY", "value": secret("wandb", workload_id), "secret": False},
        ],
        "ssh": {"host": f"ssh.{project['tenant_id'][2:]}.gpucloud.example", "port": 22000 + number, "user": "ubuntu"},
        "app_slug": SEEDED_APPS.get(kind),  # the app kinds were launched from their catalog apps
        "ssh_private_key": f"fake-ssh-private-key:{secret('sshkey', workload_id)}",
        "cluster_credentials": secret("kube", workload_id),
    }
    from reference_services.seed_catalog import app_ports  # imports this module: import late

    doc["ports"] = app_ports(doc["app_slug"]) if doc["app_slug"] else []
    if kind == "jupyter":
        doc["jupyter"] = {
            "kernel": "python3 (PyTorch 2.5)",
            "idle_timeout_minutes": 60,
            "notebook_path": f"/lab/{workload_id}",
            "token": secret("jupyter", workload_id),
        }
    elif kind == "vllm":
        doc["vllm"] = {
            "model": ("meta-llama/Llama-3.1-70B-Instruct", "mistralai/Mistral-7B-Instruct-v0.3")[number % 2],
            "max_model_len": 32768,
            "tensor_parallel_size": gpu_count,
            "replicas": 1 + number % 2,
            "route": f"/serve/{project['slug']}/{workload_id}",
            "tokens_per_second": round(rng.uniform(900, 4200), 1) if state == "running" else None,
            "api_key": secret("vllmkey", workload_id),
            "internal_endpoint": f"http://10.44.{number % 250}.7:8000/{secret('ep', workload_id)}",
        }
    elif kind == "training":
        total = 10 + number % 20
        current = {"pending": 0, "provisioning": 0, "terminated": total}.get(state, number % total)
        doc["training"] = {
            "framework": ("pytorch", "nemo", "deepspeed")[number % 3],
            "epochs_total": total,
            "epoch_current": current,
            "loss": round(2.5 / (1 + current), 4) if current else None,
            "checkpoint_bucket_id": next((b["id"] for b in project_buckets if b["purpose"] == "checkpoint"), None),
            "dataset_bucket_id": next((b["id"] for b in project_buckets if b["purpose"] == "dataset"), None),
            "wandb_api_key": secret("wandb", workload_id),
        }
    if state in {"pending", "provisioning"}:
        doc["status_reason"] = timeline.waiting_reason(state, doc["gpu"], node_id, doc["image"])
    if state == "provisioning":  # the scheduler has it running once provisioned, as a launch
        from reference_services.scheduler import restart_schedule, stamp  # imports this module: import late

        placed_at = next(step.at for step in steps if step.status == "provisioning")
        doc["schedule"] = {**restart_schedule(placed_at), "place_at": stamp(placed_at)}
    if state == "pending":  # the scheduler places it when a ready node has its GPUs free
        from reference_services.seed_capacity import pending_schedule  # imports this module: import late

        doc["schedule"], doc["status_reason"] = pending_schedule(doc, created, workload_id in waiting)
    world.add("workloads", "workloads", doc)
    _seed_workload_children(world, rng, doc, steps, project_buckets)


def _seed_workload_children(
    world: World,
    rng: random.Random,
    doc: dict[str, Any],
    steps: list[timeline.Step],
    project_buckets: list[dict[str, Any]],
) -> None:
    workload_id = doc["id"]
    previous = None
    for index, step in enumerate(steps):
        world.add(
            "workloads",
            "workload-events",
            {
                "id": f"ev-{workload_id[3:]}-{index}",
                "workload_id": workload_id,
                "type": "status_changed",
                "from_status": previous,
                "to_status": step.status,
                "at": timeline.iso(step.at),
                "message": step.message + (f": {doc['status_reason']}" if step.status == "failed" else ""),
                "actor_id": step.actor_id,
            },
        )
        previous = step.status
    span = timeline.running_span(steps, world.now)
    if doc["status"] == "running" and span is not None:
        world.add(
            "workloads",
            "workload-events",
            {
                "id": f"ev-{workload_id[3:]}-a",
                "workload_id": workload_id,
                "type": "activity",
                "from_status": None,
                "to_status": None,
                "at": timeline.iso(span[0] + (span[1] - span[0]) / 2),
                "actor_id": doc["owner_id"],
                "message": "Checkpoint written" if doc["kind"] == "training" else "User session opened",
            },
        )
        samples = timeline.metric_samples(doc, span, int(workload_id[3:]))
        for sample in samples:
            world.add("workloads", "workload-metrics", sample)
        latest = samples[-1]
        doc["schedule"] = {"running_since": timeline.iso(span[0]), "sampled_at": latest["sampled_at"]}
        if doc.get("vllm"):
            doc["vllm"]["tokens_per_second"] = latest["serving"]["tokens_per_second"]
        if doc.get("training"):
            doc["training"]["epoch_current"] = latest["training"]["epoch"]
            doc["training"]["loss"] = latest["training"]["loss"]
    mountable = [b for b in project_buckets if b["purpose"] in {"dataset", "checkpoint"}]
    for index, bucket in enumerate(mountable[: 1 + int(workload_id[3:]) % 2]):
        world.add(
            "storage",
            "mounts",
            {
                "id": f"mnt-{workload_id[3:]}-{index}",
                "workload_id": workload_id,
                "bucket_id": bucket["id"],
                "tenant_id": doc["tenant_id"],
                "project_id": doc["project_id"],
                "mount_path": f"/mnt/{bucket['purpose']}s",
                "read_only": bucket["purpose"] == "dataset",
                "mount_secret": secret("mount", workload_id, bucket["id"]),
            },
        )
