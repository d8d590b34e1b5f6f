"""The deterministic seed data set shared by the reference services.

Two tenants, five projects, one user per persona (and a second tenant's admin and member),
workloads of all four kinds in every lifecycle state, buckets on WEKA and VAST with mounts,
grants, objects and events, and GPU nodes in two regions. ``scale`` multiplies workloads and
buckets for benchmarks. Secret-bearing fields carry values containing ``SECRET_MARKER`` so tests
can prove that none of them ever leaves the gateway.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from reference_services import timeline

SECRET_MARKER = "SEEDSECRET"

KINDS = ("compute", "jupyter", "vllm", "training")
STATES = ("pending", "provisioning", "running", "stopping", "stopped", "failed", "terminating", "terminated")

TENANTS = (
    {"id": "t-acme", "name": "Acme AI Labs", "slug": "acme"},
    {"id": "t-globex", "name": "Globex Research", "slug": "globex"},
)
PROJECTS = (
    {"id": "p-vision", "tenant_id": "t-acme", "name": "Vision Models", "slug": "vision"},
    {"id": "p-llm", "tenant_id": "t-acme", "name": "LLM Serving", "slug": "llm"},
    {"id": "p-research", "tenant_id": "t-acme", "name": "Research Sandbox", "slug": "research"},
    {"id": "p-genomics", "tenant_id": "t-globex", "name": "Genomics Pipeline", "slug": "genomics"},
    {"id": "p-robotics", "tenant_id": "t-globex", "name": "Robotics Simulation", "slug": "robotics"},
)
# (id, name, email, tenant, platform roles, {project: role})
USERS = (
    ("u-olivia", "Olivia Park", "olivia@gpucloud.example", None, ["platform_operator"], {}),
    ("u-tara", "Tara Nguyen", "tara@acme.example", "t-acme", ["tenant_admin"], {}),
    ("u-priya", "Priya Shah", "priya@acme.example", "t-acme", [], {"p-llm": "admin", "p-vision": "member"}),
    ("u-marco", "Marco Rossi", "marco@acme.example", "t-acme", [], {"p-vision": "member", "p-llm": "member"}),
    ("u-gina", "Gina Okafor", "gina@globex.example", "t-globex", ["tenant_admin"], {}),
    ("u-sam", "Sam Lee", "sam@globex.example", "t-globex", [], {"p-genomics": "member"}),
)
GPU_MODELS = (
    {"model": "NVIDIA H100 80GB", "memory_gib": 80, "hourly_cents": 329},
    {"model": "NVIDIA A100 80GB", "memory_gib": 80, "hourly_cents": 189},
    {"model": "NVIDIA L40S 48GB", "memory_gib": 48, "hourly_cents": 99},
)
SITES = (
    {"id": "site-ash1", "name": "Ashburn 1", "region": "us-east-1"},
    {"id": "site-dub1", "name": "Dublin 1", "region": "eu-west-1"},
)
# Status of the twelve fleet nodes in order (GPU models cycle H100, A100, L40S): every model has a node in
# service that takes no new work (cordoned or draining), where workloads placed before stay.
NODE_STATES = (
    *("ready", "ready", "ready", "cordoned", "draining", "maintenance"),
    *("ready", "ready", "ready", "cordoned", "draining", "draining"),
)
PENDING_MIN_GPUS = 4  # seeded pending workloads ask for at least this many GPUs: more than any ready node has free
RUNNING_STATES = {"provisioning", "running", "stopping"}
SEEDED_APPS = {"jupyter": "jupyter", "vllm": "vllm", "training": "training"}  # kind -> catalog app it came from


def secret(kind: str, *parts: object) -> str:
    """A recognisable fake secret value, unique per owner."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:16]
    return f"{kind}-{SECRET_MARKER}-{digest}"


@dataclass
class World:
    """Documents per domain and resource, ready to load into the services' stores."""

    now: datetime
    domains: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)

    def add(self, domain: str, resource: str, doc: dict[str, Any]) -> dict[str, Any]:
        """Append one document and return it."""
        self.domains.setdefault(domain, {}).setdefault(resource, []).append(doc)
        return doc


# What a mount carries of its bucket, so a reader needs no second call: the public fields, never endpoints or keys.
BUCKET_SUMMARY_FIELDS = (
    "id",
    "tenant_id",
    "project_id",
    "name",
    "purpose",
    "provider",
    "region",
    "status",
    "used_bytes",
    "quota_bytes",
    "object_count",
    "created_at",
    "lifecycle_rules",
)


def bucket_summary(bucket: dict[str, Any]) -> dict[str, Any]:
    """The public fields of a bucket, as a mount of it carries them."""
    return {name: bucket[name] for name in BUCKET_SUMMARY_FIELDS if name in bucket}


def carry_bucket_summaries(world: World) -> None:
    """Every seeded mount carries its bucket's summary (taken last, once the buckets are final)."""
    storage = world.domains.get("storage", {})
    buckets = {bucket["id"]: bucket for bucket in storage.get("buckets", [])}
    for mount in storage.get("mounts", []):
        if mount["bucket_id"] in buckets:
            mount["bucket"] = bucket_summary(buckets[mount["bucket_id"]])


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def build_world(scale: int = 1, now: datetime | None = None) -> World:
    """The whole seed data set; identical for identical ``scale`` (timestamps are relative to ``now``)."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    world = World(now=(now or datetime.now(UTC)).replace(microsecond=0))
    rng = random.Random(20261127)
    _seed_access(world)
    nodes = _seed_platform(world)
    from reference_services.seed_platform import lifecycle_nodes, seed_platform  # imports this module: import late

    fleet = [*nodes, *lifecycle_nodes(world)]
    buckets = _seed_buckets(world, rng, scale)
    added = _seed_workloads(world, rng, scale, nodes, fleet, buckets)
    from reference_services.seed_billing import settle_workloads  # imports this module: import late

    settle_workloads(world)  # run fields follow the timelines
    seed_platform(world, nodes, added)
    from reference_services.seed_catalog import seed_catalog  # imports this module: import late

    seed_catalog(world, scale)
    from reference_services.seed_access_account import seed_access_account  # after workloads: derives usage

    seed_access_account(world, scale)
    carry_bucket_summaries(world)
    return world


def _seed_access(world: World) -> None:
    for tenant in TENANTS:
        world.add("access", "tenants", {**tenant, "created_at": _iso(world.now - timedelta(days=400))})
    for project in PROJECTS:
        world.add("access", "projects", {**project, "created_at": _iso(world.now - timedelta(days=300))})
    for user_id, name, email, tenant_id, roles, projects in USERS:
        world.add(
            "access",
            "users",
            {
                "id": user_id,
                "name": name,
                "email": email,
                "tenant_id": tenant_id,
                "platform_roles": roles,
                "created_at": _iso(world.now - timedelta(days=200)),
                "api_token": secret("tok", user_id),
                "password_hash": secret("pbkdf2", user_id),
            },
        )
        for project_id, role in projects.items():
            world.add(
                "access",
                "memberships",
                {
                    "id": f"m-{user_id[2:]}-{project_id[2:]}",
                    "user_id": user_id,
                    "project_id": project_id,
                    "tenant_id": tenant_id,
                    "role": role,
                    "created_at": _iso(world.now - timedelta(days=150)),
                },
            )


def _seed_platform(world: World) -> list[dict[str, Any]]:
    nodes = []
    for index in range(12):
        site = SITES[index % 2]
        gpu = GPU_MODELS[index % 3]
        nodes.append(
            world.add(
                "platform",
                "nodes",
                {
                    "id": f"node-{index + 1:03d}",
                    "hostname": f"gpu-{site['region'][:2]}{index + 1:03d}",
                    "site_id": site["id"],
                    "region": site["region"],
                    "gpu_model": gpu["model"],
                    "gpu_count": 8,
                    "gpu_memory_gib": gpu["memory_gib"],
                    "status": NODE_STATES[index],
                    "created_at": _iso(world.now - timedelta(days=500 - index)),
                    "bmc_endpoint": f"https://10.20.{index}.5/{secret('bmc', index)}",
                    "bmc_password": secret("bmcpw", index),
                    "kubeconfig": secret("kubeconfig", index),
                },
            )
        )
    return nodes


def _seed_buckets(world: World, rng: random.Random, scale: int) -> list[dict[str, Any]]:
    for provider, name, validated in (
        ("weka", "WEKA", {"quota", "snapshots", "object_listing"}),
        ("vast", "VAST Data", {"quota"}),
    ):
        capabilities = [
            {
                "name": cap,
                "supported": True,
                "validated": cap in validated,
                "note": None if cap in validated else f"{name} {cap.replace('_', ' ')} is not validated yet",
            }
            for cap in ("quota", "snapshots", "object_listing", "lifecycle_rules", "direct_credentials")
        ]
        world.add(
            "storage",
            "providers",
            {
                "id": provider,
                "display_name": name,
                "capabilities": capabilities,
                "management_endpoint": f"https://{provider}-mgmt.internal/{secret('mgmt', provider)}",
                "admin_token": secret("admin", provider),
            },
        )
    buckets: list[dict[str, Any]] = []
    purposes = ("datasets", "checkpoints", "artifacts")
    for round_index in range(scale):
        for p_index, project in enumerate(PROJECTS):
            for purpose_index, purpose in enumerate(purposes):
                number = len(buckets) + 1
                provider = "weka" if (p_index + purpose_index) % 2 == 0 else "vast"
                quota = (1 + purpose_index) * 10 * 1024**4
                suffix = f"-{round_index + 1}" if round_index else ""
                bucket = world.add(
                    "storage",
                    "buckets",
                    {
                        "id": f"bk-{number:04d}",
                        "tenant_id": project["tenant_id"],
                        "project_id": project["id"],
                        "name": f"{project['slug']}-{purpose}{suffix}",
                        "purpose": purpose.rstrip("s"),
                        "provider": provider,
                        "region": SITES[p_index % 2]["region"],
                        "status": "active" if number % 7 else "provisioning",
                        "used_bytes": int(quota * rng.uniform(0.05, 0.97)),
                        "quota_bytes": quota,
                        "object_count": rng.randint(200, 90000),
                        "created_at": _iso(world.now - timedelta(days=90 - number % 60)),
                        "lifecycle_rules": [
                            {"id": f"lr-{number}-1", "action": "expire", "prefix": "tmp/", "after_days": 7},
                            {"id": f"lr-{number}-2", "action": "transition", "prefix": "archive/", "after_days": 30},
                        ]
                        if purpose != "datasets"
                        else [],
                        "provider_endpoint": f"https://{provider}.internal:9000/{secret('endpoint', number)}",
                        "access_key_id": secret("akid", number),
                        "secret_access_key": secret("sak", number),
                    },
                )
                buckets.append(bucket)
                _seed_bucket_children(world, rng, bucket, number)
    return buckets


def _seed_bucket_children(world: World, rng: random.Random, bucket: dict[str, Any], number: int) -> None:
    if bucket["provider"] == "weka":
        for obj in range(4):
            world.add(
                "storage",
                "bucket-objects",
                {
                    "id": f"obj-{number}-{obj}",
                    "bucket_id": bucket["id"],
                    "key": f"{bucket['purpose']}/part-{obj:05d}.parquet",
                    "size_bytes": rng.randint(10**6, 10**10),
                    "modified_at": _iso(world.now - timedelta(hours=obj * 5 + 1)),
                },
            )
    admin = next(u[0] for u in USERS if u[3] == bucket["tenant_id"] and "tenant_admin" in u[4])
    for event in timeline.bucket_timeline(bucket, number, world.now, admin):
        world.add("storage", "bucket-events", event)
    tenant_projects = [p for p in PROJECTS if p["tenant_id"] == bucket["tenant_id"] and p["id"] != bucket["project_id"]]
    if bucket["purpose"] in {"dataset", "checkpoint"} and tenant_projects:
        grantee = tenant_projects[number % len(tenant_projects)]
        world.add(
            "storage",
            "grants",
            {
                "id": f"gr-{number:04d}",
                "bucket_id": bucket["id"],
                "tenant_id": bucket["tenant_id"],
                "owner_project_id": bucket["project_id"],
                "grantee_project_id": grantee["id"],
                "permission": "read" if bucket["purpose"] == "dataset" else "read_write",
                "purpose": bucket["purpose"],
                "created_at": _iso(world.now - timedelta(days=12)),
                "created_by": admin,
                "revoked_at": None,
            },
        )


def _seed_workloads(
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
