"""Seed of the catalog and inbox resources: GPU SKUs, apps, developer downloads, API references,
scheduler guides and every persona's notifications.

Deterministic: everything derives from fixed tables, ``world.now`` and the workloads and buckets
already in the world (notification links point at objects the recipient can open). Secret-bearing
fields use ``seed.secret`` so tests can prove the gateway never returns them.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from reference_services.billing import LOW_BALANCE_HOURS, runway_hours
from reference_services.seed import PROJECTS, SITES, USERS, World, _iso, secret
from reference_services.seed_billing import account_figures

REGIONS = tuple(site["region"] for site in SITES)

# (id, gpu model, family, GPUs, GiB per GPU, vCPU, RAM GiB, NVMe GiB, interconnect, cents/h,
#  {region: (available count, state)})
SKUS = (
    (
        "sku-h100-8x",
        "NVIDIA H100 80GB",
        "H100",
        8,
        80,
        208,
        1800,
        30720,
        "NVLink + 3.2 Tbps InfiniBand",
        2632,
        {"us-east-1": (2, "limited"), "eu-west-1": (0, "sold_out")},
    ),
    (
        "sku-h100-1x",
        "NVIDIA H100 80GB",
        "H100",
        1,
        80,
        26,
        225,
        3840,
        "PCIe Gen5",
        329,
        {"us-east-1": (14, "available"), "eu-west-1": (3, "limited")},
    ),
    (
        "sku-a100-8x",
        "NVIDIA A100 80GB",
        "A100",
        8,
        80,
        128,
        1000,
        15360,
        "NVLink + 1.6 Tbps InfiniBand",
        1512,
        {"us-east-1": (6, "available"), "eu-west-1": (5, "available")},
    ),
    (
        "sku-a100-4x",
        "NVIDIA A100 80GB",
        "A100",
        4,
        80,
        64,
        500,
        7680,
        "NVLink",
        756,
        {"us-east-1": (9, "available"), "eu-west-1": (2, "limited")},
    ),
    (
        "sku-l40s-4x",
        "NVIDIA L40S 48GB",
        "L40S",
        4,
        48,
        48,
        384,
        7680,
        "PCIe Gen4",
        396,
        {"us-east-1": (11, "available"), "eu-west-1": (8, "available")},
    ),
    (
        "sku-l40s-1x",
        "NVIDIA L40S 48GB",
        "L40S",
        1,
        48,
        12,
        96,
        1920,
        "PCIe Gen4",
        99,
        {"us-east-1": (30, "available"), "eu-west-1": (0, "sold_out")},
    ),
)

_SSH = {"kind": "ssh_key", "required": True, "purpose": "Reach the machine over SSH."}
# (slug, name, tagline, category, label, featured rank, hex, token, kind, gpu model, GPUs, image, ports,
#  dependencies, description)
APPS = (
    (
        "jupyter",
        "JupyterLab",
        "Notebooks on a GPU in a minute",
        "notebooks",
        "Notebooks",
        1,
        "#F37726",
        "app-orange",
        "jupyter",
        "NVIDIA L40S 48GB",
        1,
        "jupyter/pytorch-notebook:cuda12",
        [("lab", 8888, "http")],
        [{"kind": "bucket", "required": False, "purpose": "Mount datasets into the notebook."}],
        "JupyterLab with PyTorch and CUDA preinstalled; opens through your console session.",
    ),
    (
        "vllm",
        "vLLM Inference",
        "Serve open models behind an OpenAI-compatible API",
        "inference",
        "Inference",
        2,
        "#7C3AED",
        "app-violet",
        "vllm",
        "NVIDIA A100 80GB",
        4,
        "vllm/vllm-openai:v0.6.3",
        [("api", 8000, "http")],
        [
            {"kind": "service_account", "required": True, "purpose": "Issue API keys for clients of the endpoint."},
            {"kind": "bucket", "required": False, "purpose": "Cache model weights between restarts."},
        ],
        "High-throughput serving with paged attention and tensor parallelism across the allocated GPUs.",
    ),
    (
        "training",
        "Training Job",
        "Fine-tune and pre-train with checkpoints to storage",
        "training",
        "Training",
        3,
        "#2563EB",
        "app-blue",
        "training",
        "NVIDIA H100 80GB",
        8,
        "nvcr.io/nvidia/nemo:24.09",
        [],
        [
            {"kind": "bucket", "required": True, "purpose": "Write checkpoints and read datasets."},
            {"kind": "ssh_key", "required": False, "purpose": "Debug a running job over SSH."},
        ],
        "Distributed training with NeMo or PyTorch; progress, loss and checkpoints appear on the workload.",
    ),
    (
        "comfyui",
        "ComfyUI",
        "Node-based image and video generation",
        "generative",
        "Generative media",
        4,
        "#10B981",
        "app-emerald",
        "compute",
        "NVIDIA L40S 48GB",
        1,
        "ghcr.io/gpucloud/comfyui:0.3.10",
        [("ui", 8188, "http")],
        [_SSH],
        "ComfyUI on a GPU machine, with the UI forwarded over your SSH session.",
    ),
    (
        "pytorch-ddp",
        "PyTorch Distributed",
        "Multi-node data-parallel training",
        "training",
        "Training",
        None,
        "#EE4C2C",
        "app-red",
        "training",
        "NVIDIA A100 80GB",
        8,
        "nvcr.io/nvidia/pytorch:24.10-py3",
        [],
        [{"kind": "bucket", "required": True, "purpose": "Write checkpoints and read datasets."}],
        "torchrun across the allocated GPUs with NCCL tuned for the interconnect.",
    ),
    (
        "ollama",
        "Ollama",
        "Run open models locally on a GPU box",
        "inference",
        "Inference",
        None,
        "#111827",
        "app-slate",
        "compute",
        "NVIDIA L40S 48GB",
        1,
        "ollama/ollama:0.4.7",
        [("api", 11434, "http")],
        [_SSH],
        "Ollama on a GPU machine; pull models and call them over an SSH tunnel.",
    ),
    (
        "vscode-server",
        "VS Code Server",
        "A GPU dev box in your editor",
        "development",
        "Development",
        None,
        "#007ACC",
        "app-sky",
        "compute",
        "NVIDIA H100 80GB",
        1,
        "ghcr.io/gpucloud/code-server:4.96",
        [("editor", 8080, "http")],
        [_SSH],
        "VS Code in the browser or through Remote-SSH, on a GPU machine.",
    ),
    (
        "ray",
        "Ray Cluster",
        "Distributed Python with a Ray head on a GPU node",
        "distributed",
        "Distributed",
        None,
        "#028CF0",
        "app-cyan",
        "compute",
        "NVIDIA A100 80GB",
        8,
        "rayproject/ray-ml:2.40.0-gpu",
        [("dashboard", 8265, "http"), ("client", 10001, "tcp")],
        [_SSH, {"kind": "bucket", "required": False, "purpose": "Share data between Ray workers."}],
        "A Ray head node with the dashboard; submit jobs with `ray job submit`.",
    ),
    (
        "rstudio",
        "RStudio Server",
        "R with GPU-accelerated packages",
        "notebooks",
        "Notebooks",
        None,
        "#75AADB",
        "app-steel",
        "compute",
        "NVIDIA L40S 48GB",
        1,
        "rocker/ml-verse:4.4.2-cuda12",
        [("ui", 8787, "http")],
        [_SSH],
        "RStudio Server with torch for R and CUDA libraries.",
    ),
)

PLATFORMS = (("linux", "amd64"), ("linux", "arm64"), ("macos", "amd64"), ("macos", "arm64"), ("windows", "amd64"))
# (artifact, product name, version, days since release, base size in bytes)
RELEASES = (
    ("cli", "gpucloud CLI", "1.8.2", 6, 24_117_248),
    ("cli", "gpucloud CLI", "1.8.1", 41, 23_986_176),
    ("sdk", "gpucloud SDK", "0.14.0", 12, 61_341_696),
)

API_REFERENCES = (
    ("graphql", "Console GraphQL API", "/graphql", "Every console page's data in one query; explore it in GraphiQL."),
    ("rest", "REST API v1", "/docs/api/rest", "Resource-oriented endpoints for scripts and CI pipelines."),
    ("openapi", "OpenAPI document", "/docs/api/openapi.json", "Machine-readable contract of the REST API."),
    ("openapi", "Swagger UI", "/docs/api/swagger", "Try REST calls in the browser against your own projects."),
    ("openapi", "Redoc reference", "/docs/api/redoc", "Readable REST reference generated from the OpenAPI document."),
)

# (scheduler, name, destination, route, action label, summary, [(concept, now, destination, route)])
SCHEDULER_GUIDES = (
    (
        "slurm",
        "Slurm",
        "workloads",
        "/workloads",
        "Open Workloads",
        "Batch jobs become training workloads and interactive allocations become compute workloads.",
        [
            ("sbatch job script", "Training Job app", "apps", "/apps/training"),
            ("srun / salloc interactive allocation", "Compute workload", "workloads", "/launch/compute"),
            ("squeue and sacct", "Workloads list and history", "workloads", "/workloads"),
            ("Partitions and accounts", "Projects and GPU entitlements", "access", "/access/entitlements"),
        ],
    ),
    (
        "kubernetes",
        "Kubernetes",
        "apps",
        "/apps",
        "Browse Apps",
        "Deployments and Jobs become app-backed workloads; namespaces and RBAC become projects and service accounts.",
        [
            ("Deployment serving a model", "vLLM Inference app", "apps", "/apps/vllm"),
            ("Job / PyTorchJob", "Training Job app", "apps", "/apps/training"),
            ("kubectl exec into a pod", "Compute workload over SSH", "workloads", "/workloads?kind=compute"),
            ("Namespace", "Project membership", "access", "/access/memberships"),
            ("ServiceAccount and RBAC", "Service accounts", "access", "/access/service-accounts"),
        ],
    ),
    (
        "ray",
        "Ray",
        "apps",
        "/apps/ray",
        "Launch a Ray cluster",
        "Ray clusters launch from the Ray app; submitted jobs run on its workload.",
        [
            ("ray up cluster.yaml", "Ray Cluster app", "apps", "/apps/ray"),
            ("ray job submit", "Jobs on the Ray workload", "workloads", "/workloads?kind=compute"),
            ("Cluster IAM credentials", "Service accounts", "access", "/access/service-accounts"),
        ],
    ),
    (
        "pbs",
        "PBS / LSF",
        "workloads",
        "/workloads",
        "Open Workloads",
        "Queued jobs map to training workloads; queues and allocations map to project entitlements.",
        [
            ("qsub / bsub", "Training Job app", "apps", "/apps/training"),
            ("qstat / bjobs", "Workloads list", "workloads", "/workloads"),
            ("Queues and allocations", "GPU entitlements", "access", "/access/entitlements"),
        ],
    ),
    (
        "jupyterhub",
        "JupyterHub",
        "apps",
        "/apps/jupyter",
        "Launch JupyterLab",
        "Each user's hub server becomes a JupyterLab workload in a project they belong to.",
        [
            ("Spawned single-user server", "JupyterLab app", "apps", "/apps/jupyter"),
            ("Hub users and groups", "Project memberships", "access", "/access/memberships"),
        ],
    ),
)

RETENTION_DAYS = {"default": 90, "t-globex": 60}


def seed_catalog(world: World, scale: int = 1) -> None:
    """Add every catalog resource and every user's notifications to the world."""
    _seed_skus(world)
    _seed_apps(world)
    _seed_developer(world)
    _seed_notifications(world, scale)


def _seed_skus(world: World) -> None:
    for sku_id, model, family, count, memory, vcpu, ram, nvme, interconnect, cents, capacity in SKUS:
        world.add(
            "platform",
            "gpu-skus",
            {
                "id": sku_id,
                "name": f"{count}x {family} {memory}GB",
                "gpu_model": model,
                "gpu_family": family,
                "gpu_count": count,
                "gpu_memory_gib": memory,
                "vcpu": vcpu,
                "ram_gib": ram,
                "local_nvme_gib": nvme,
                "interconnect": interconnect,
                "price_per_hour_cents": cents,
                "regions": [
                    {"region": region, "available_count": capacity[region][0], "state": capacity[region][1]}
                    for region in REGIONS
                ],
                "supplier_cost_cents": cents * 61 // 100,
                "internal_pool_id": f"pool-{family.lower()}-{count}x-a",
                "capacity_api_token": secret("capacity", sku_id),
            },
        )


def _seed_apps(world: World) -> None:
    for slug, name, tagline, category, label, rank, hex_, token, kind, model, gpus, image, ports, deps, text in APPS:
        world.add(
            "workloads",
            "apps",
            {
                "id": f"app-{slug}",
                "slug": slug,
                "name": name,
                "tagline": tagline,
                "description": text,
                "category": category,
                "category_label": label,
                "featured": rank is not None,
                "featured_rank": rank,
                "colour": {"hex": hex_, "token": token},
                "icon": {"name": slug, "asset_path": f"/assets/apps/{slug}.svg"},
                "workload_kind": kind,
                "launch_defaults": {
                    "gpu_model": model,
                    "gpu_count": gpus,
                    "image": image,
                    "ports": [{"name": n, "port": p, "protocol": proto} for n, p, proto in ports],
                },
                "dependencies": deps,
                "docs_path": f"/docs/apps/{slug}",
                "build_pipeline_id": f"bp-{hashlib.sha256(slug.encode()).hexdigest()[:8]}",
                "registry_pull_token": secret("regpull", slug),
            },
        )


def _seed_developer(world: World) -> None:
    for artifact, product, version, age_days, base_size in RELEASES:
        for index, (os_name, arch) in enumerate(PLATFORMS):
            extension = "zip" if os_name == "windows" else "tar.gz"
            file_name = f"gpucloud-{artifact}_{version}_{os_name}_{arch}.{extension}"
            world.add(
                "platform",
                "downloads",
                {
                    "id": f"dl-{artifact}-{version}-{os_name}-{arch}",
                    "artifact": artifact,
                    "name": product,
                    "os": os_name,
                    "arch": arch,
                    "version": version,
                    "sha256": hashlib.sha256(file_name.encode()).hexdigest(),
                    "size_bytes": base_size + index * 131_072,
                    "released_at": _iso(world.now - timedelta(days=age_days)),
                    "path": f"/downloads/{artifact}/{version}/{file_name}",
                    "origin_url": f"https://artifacts.internal/{secret('origin', file_name)}",
                    "signing_key": secret("signing", artifact, version),
                },
            )
    for order, (kind, name, route, description) in enumerate(API_REFERENCES, start=1):
        world.add(
            "platform",
            "api-references",
            {
                "id": f"api-{order}",
                "name": name,
                "kind": kind,
                "route": route,
                "description": description,
                "order": order,
                "upstream_url": f"http://api.internal:8080/{secret('upstream', order)}",
            },
        )
    for order, (scheduler, name, destination, route, label, summary, mappings) in enumerate(SCHEDULER_GUIDES, 1):
        world.add(
            "platform",
            "scheduler-guides",
            {
                "id": f"sg-{scheduler}",
                "scheduler": scheduler,
                "name": name,
                "title": f"I used {name}",
                "summary": summary,
                "destination": destination,
                "route": route,
                "action_label": label,
                "order": order,
                "mappings": [{"concept": c, "now": n, "destination": d, "route": r} for c, n, d, r in mappings],
            },
        )


def _seed_notifications(world: World, scale: int) -> None:
    for scope, days in RETENTION_DAYS.items():
        world.add(
            "account",
            "notification-settings",
            {
                "id": scope,
                "scope": "platform" if scope == "default" else "tenant",
                "tenant_id": None if scope == "default" else scope,
                "retention_days": days,
                "webhook_signing_secret": secret("webhook", scope),
            },
        )
    drafts: list[dict[str, Any]] = []
    for user_id, _name, _email, tenant_id, roles, memberships in USERS:
        retention = RETENTION_DAYS.get(tenant_id or "", RETENTION_DAYS["default"])
        items = _notifications_for(world, user_id, tenant_id, roles, memberships, scale)
        for number, (hours_ago, category, severity, title, body, link) in enumerate(items, start=1):
            created = world.now - timedelta(hours=hours_ago)
            # The newest are unread, and so are the oldest (never read, now close to expiry).
            unread = hours_ago < 30 or hours_ago >= (retention - 2) * 24
            drafts.append(
                {
                    "id": f"ntf-{user_id[2:]}-{number:03d}",
                    "user_id": user_id,
                    "tenant_id": tenant_id,
                    "category": category,
                    "severity": severity,
                    "title": title,
                    "body": body,
                    "link": link,
                    "created_at": _iso(created),
                    "read_at": None if unread else _iso(created + timedelta(hours=2)),
                    "expires_at": _iso(created + timedelta(days=retention)),
                    "source_event_id": f"evt-{hashlib.sha256(f'{user_id}{number}'.encode()).hexdigest()[:10]}",
                    "delivery_token": secret("push", user_id, number),
                }
            )
    # Stored oldest first, so the service's newest-first listing is the inbox order.
    for doc in sorted(drafts, key=lambda d: (d["created_at"], d["id"])):
        world.add("account", "notifications", doc)


def _runway_notice(world: World, tenant_id: str | None) -> list[tuple[float, str, str, str, str, str | None]]:
    """The low-balance notice, only for a tenant whose derived runway is under the low-balance threshold."""
    hours = runway_hours(account_figures(world, tenant_id)) if tenant_id else None
    if hours is None or hours >= LOW_BALANCE_HOURS:
        return []
    left = f"{round(hours / 24)} days" if hours >= 48 else f"{max(1, round(hours))} hours"
    return [
        (
            8,
            "billing",
            "critical" if hours < 24 else "warning",
            f"Balance covers about {left}",
            f"At the current hourly burn the prepaid balance runs out in about {left}.",
            "/account/billing",
        )
    ]


def _visible_projects(tenant_id: str | None, roles: list[str], memberships: dict[str, str]) -> set[str]:
    if "tenant_admin" in roles:
        return {p["id"] for p in PROJECTS if p["tenant_id"] == tenant_id}
    return set(memberships)


def _notifications_for(
    world: World, user_id: str, tenant_id: str | None, roles: list[str], memberships: dict[str, str], scale: int
) -> list[tuple[float, str, str, str, str, str | None]]:
    """(hours ago, category, severity, title, body, link) of one user's inbox, newest first."""
    retention = RETENTION_DAYS.get(tenant_id or "", RETENTION_DAYS["default"])
    projects = _visible_projects(tenant_id, roles, memberships)
    workloads = [w for w in world.domains.get("workloads", {}).get("workloads", []) if w["project_id"] in projects]
    buckets = [b for b in world.domains.get("storage", {}).get("buckets", []) if b["project_id"] in projects]
    operator = "platform_operator" in roles
    items: list[tuple[float, str, str, str, str, str | None]] = [
        (
            3,
            "system",
            "info",
            "Scheduled maintenance in eu-west-1",
            "Network maintenance on Sunday 02:00-04:00 UTC; running workloads keep running.",
            None,
        ),
        # Near the end of the retention window: the inbox shows these as expiring soon.
        (
            (retention - 2) * 24,
            "system",
            "info",
            "Platform evidence now keeps 400 days",
            "Audit evidence retention was extended for every tenant.",
            "/platform/evidence",
        )
        if operator
        else (
            (retention - 2) * 24,
            "system",
            "info",
            "New: scheduler guidance",
            "Coming from Slurm, Kubernetes or Ray? See where each concept lives now.",
            "/schedulers",
        ),
        (
            (retention - 1) * 24 + 6,
            "security",
            "info",
            "Sign-in from a new device",
            "A new browser signed in to your account. Review your sessions if this was not you.",
            "/account/sessions",
        ),
        # Past retention but not yet purged by the service: the gateway must not show it.
        (
            (retention + 3) * 24,
            "system",
            "info",
            "Welcome to the console",
            "Start with a workload or browse the app catalog.",
            "/apps",
        ),
    ]
    if operator:
        items += [
            (
                1,
                "platform",
                "critical",
                "Node gpu-eu004 is draining",
                "Health checks failed on two GPUs; workloads are being moved.",
                "/platform/nodes/node-004",
            ),
            (
                20,
                "platform",
                "warning",
                "H100 capacity sold out in eu-west-1",
                "No 8x H100 machines are available in eu-west-1.",
                "/platform/ops",
            ),
            (
                50,
                "platform",
                "success",
                "Decommission finished",
                "Node gpu-us012 was wiped and removed from inventory.",
                "/platform/lifecycle",
            ),
            (
                200,
                "platform",
                "warning",
                "MAAS site Dublin 1 sync is slow",
                "Image sync took longer than its threshold.",
                "/platform/config",
            ),
        ]
    failed = [w for w in workloads if w["status"] == "failed"]
    running = [w for w in workloads if w["status"] == "running"]
    for index, workload in enumerate(failed[:2]):
        items.append(
            (
                5 + index * 40,
                "workloads",
                "critical",
                f"{workload['name']} failed",
                workload["status_reason"] or "The workload stopped unexpectedly.",
                f"/workloads/{workload['id']}",
            )
        )
    for index, workload in enumerate(running[:2]):
        items.append(
            (
                12 + index * 60,
                "workloads",
                "success",
                f"{workload['name']} is running",
                f"{workload['gpu']['count']}x {workload['gpu']['model']} are ready.",
                f"/workloads/{workload['id']}",
            )
        )
    idle = next((w for w in running if w["kind"] == "jupyter"), None)
    if idle is not None:
        items.append(
            (
                26,
                "workloads",
                "warning",
                f"{idle['name']} has been idle for an hour",
                "Stop the notebook to stop billing its GPUs.",
                f"/workloads/{idle['id']}?tab=metrics",
            )
        )
    fullest = max(buckets, key=lambda b: b["used_bytes"] / b["quota_bytes"], default=None)
    if fullest is not None:
        share = round(100 * fullest["used_bytes"] / fullest["quota_bytes"])
        items.append(
            (
                34,
                "storage",
                "warning" if share < 95 else "critical",
                f"{fullest['name']} is {share}% full",
                "Raise the quota or add a lifecycle rule to expire temporary files.",
                f"/storage/{fullest['id']}?tab=lifecycle",
            )
        )
    if "tenant_admin" in roles:
        items += [
            *_runway_notice(world, tenant_id),
            (
                70,
                "access",
                "warning",
                "A credential expires in 5 days",
                "Rotate it before it expires to keep CI pipelines working.",
                "/access/credentials",
            ),
            (
                150,
                "access",
                "info",
                "Invitations are waiting",
                "People you invited have not accepted yet.",
                "/access/memberships",
            ),
        ]
    if "admin" in memberships.values():
        items.append(
            (
                96,
                "access",
                "info",
                "Access request for your project",
                "A teammate asked to join a project you administer.",
                "/access/memberships",
            )
        )
    if memberships:
        items.append(
            (
                300,
                "security",
                "warning",
                "Your SSH key is 11 months old",
                "Rotate keys yearly; launches keep working with the old key until you remove it.",
                "/account/security",
            )
        )
    for extra in range(20 * (scale - 1)):  # more history for benchmarks, all within retention
        items.append(
            (
                400 + extra * 7 % (retention * 24 - 500),
                "workloads",
                "info",
                "Workload status changed",
                "A workload you own changed status.",
                "/workloads",
            )
        )
    return sorted(items, key=lambda item: item[0])


def app_ports(slug: str) -> list[dict[str, Any]]:
    """The ports an app's workloads serve on, as a launch of the app records them."""
    row = next((a for a in APPS if a[0] == slug), None)
    return [] if row is None else [{"name": n, "port": p, "protocol": proto} for n, p, proto in row[12]]
