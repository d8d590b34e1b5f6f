"""The operator side of the platform seed: sites, MAAS hubs, images, profiles, lifecycle tasks,
node activity, ops signals, finance and operator IAM.

``seed.build_world`` makes the twelve fleet nodes and the nodes being onboarded or decommissioned
(``lifecycle_nodes``) before the workloads, which ``seed_capacity`` places on them (adding ready nodes
through ``new_fleet_node``); ``seed_platform`` then enriches the fleet nodes (serial, rack, profile) and
adds everything else, so every Platform section and detail page has data. Deterministic: no random
numbers, every timestamp relative to ``world.now``. Secret-bearing fields use ``seed.secret``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from reference_services.seed import GPU_MODELS, SITES, TENANTS, World, _iso, secret

EXTRA_SITES = ({"id": "site-ash2", "name": "Ashburn 2", "region": "us-east-1"},)
SITE_DETAILS = {
    "site-ash1": ("maas-use1", "active", {"racks": 14, "power_kw": 1400, "gpu_slots": 448}),
    "site-dub1": ("maas-euw1", "active", {"racks": 10, "power_kw": 950, "gpu_slots": 320}),
    "site-ash2": ("maas-use1", "building", {"racks": 6, "power_kw": 720, "gpu_slots": 192}),
}
# (id, region, version, status, status reason, rack controllers)
HUBS = (
    ("maas-use1", "us-east-1", "3.5.3", "healthy", None, 3),
    ("maas-euw1", "eu-west-1", "3.4.6", "degraded", "Image sync to rack controller dub1-rc2 is two releases behind", 2),
)
# (id, name, os, version, kernel, status, default, released days ago)
IMAGES = (
    (
        "img-jammy-cuda124",
        "Ubuntu 22.04 LTS + CUDA 12.4",
        "ubuntu",
        "22.04.5-20260310",
        "5.15.0-131-generic",
        "active",
        True,
        48,
    ),
    (
        "img-noble-cuda126",
        "Ubuntu 24.04 LTS + CUDA 12.6",
        "ubuntu",
        "24.04.2-20260402",
        "6.8.0-52-generic",
        "testing",
        False,
        25,
    ),
    (
        "img-rocky9-cuda124",
        "Rocky Linux 9.5 + CUDA 12.4",
        "rocky",
        "9.5-20260301",
        "5.14.0-503.22.1.el9_5",
        "active",
        False,
        57,
    ),
    (
        "img-focal-cuda118",
        "Ubuntu 20.04 LTS + CUDA 11.8",
        "ubuntu",
        "20.04.6-20250114",
        "5.4.0-204-generic",
        "deprecated",
        False,
        468,
    ),
)
# (id, name, gpu model, image, status, BIOS, GPU firmware, NIC firmware, settings)
PROFILES = (
    (
        "prof-h100-sxm",
        "H100 SXM training",
        "NVIDIA H100 80GB",
        "img-jammy-cuda124",
        "active",
        "2.3.1",
        "96.00.89.00.01",
        "28.41.1000",
        ["SR-IOV on", "Above 4G decoding on", "NUMA nodes per socket: 4", "C-states off"],
    ),
    (
        "prof-a100-sxm",
        "A100 SXM general purpose",
        "NVIDIA A100 80GB",
        "img-jammy-cuda124",
        "active",
        "1.9.4",
        "92.00.45.00.06",
        "22.39.1002",
        ["SR-IOV on", "Above 4G decoding on", "NUMA nodes per socket: 2"],
    ),
    (
        "prof-l40s-pcie",
        "L40S PCIe inference",
        "NVIDIA L40S 48GB",
        "img-rocky9-cuda124",
        "active",
        "1.7.0",
        "95.02.66.00.02",
        "26.36.1010",
        ["Above 4G decoding on", "Resizable BAR on", "Power profile: performance"],
    ),
    (
        "prof-h100-noble",
        "H100 SXM (Ubuntu 24.04 pilot)",
        "NVIDIA H100 80GB",
        "img-noble-cuda126",
        "draft",
        "2.4.0",
        "96.00.99.00.01",
        "28.43.1000",
        ["SR-IOV on", "Above 4G decoding on", "NUMA nodes per socket: 4", "IOMMU on"],
    ),
)
PROFILE_BY_MODEL = {
    "NVIDIA H100 80GB": "prof-h100-sxm",
    "NVIDIA A100 80GB": "prof-a100-sxm",
    "NVIDIA L40S 48GB": "prof-l40s-pcie",
}
# (node number, site, gpu model index, decommission stage, reason, requested by, hours ago)
DECOMMISSIONS = (
    (13, "site-ash1", 1, "draining", "End of lease: A100 row C retired", "opa-olivia", 5),
    (14, "site-dub1", 1, "wiping", "Repeated NVLink errors on GPU 5; vendor RMA", "opa-devi", 30),
    (15, "site-ash1", 2, "removing", "Chassis fan failures; replaced by a newer L40S node", "opa-olivia", 54),
    (16, "site-dub1", 1, "done", "End of lease: A100 row A retired", "opa-devi", 200),
)
DECOMMISSION_STAGES = ("draining", "wiping", "removing", "done")
# (node number, site, gpu model index, onboarding stage, progress, failure, hours ago)
ONBOARDINGS = (
    (17, "site-ash2", 0, "discovered", 0.05, None, 1),
    (18, "site-ash2", 0, "commissioning", 0.35, None, 4),
    (19, "site-ash2", 0, "burn_in", 0.72, None, 20),
    (20, "site-dub1", 2, "ready", 1.0, None, 24 * 40),  # in service since long before any seeded workload
    (21, "site-ash2", 0, "failed", 0.6, "GPU 3 reported 14 uncorrectable ECC errors during burn-in", 26),
)
ONBOARDING_STAGES = ("discovered", "commissioning", "burn_in", "ready")
ONBOARDING_HOURS = 68  # discovery to ready of a node that finished onboarding
# (id, kind, severity, status, title, summary, node, site, hub, opened h ago, acked h ago, acked by, resolved h ago)
SIGNALS = (
    (
        "sig-001",
        "incident",
        "critical",
        "open",
        "Burn-in failed on a new H100 node",
        "GPU 3 reported uncorrectable ECC errors; the node cannot join the fleet.",
        "node-021",
        "site-ash2",
        None,
        6,
        None,
        None,
        None,
    ),
    (
        "sig-002",
        "alert",
        "major",
        "open",
        "PSU redundancy lost",
        "One of two power supplies reports no input; the node is in maintenance.",
        "node-006",
        "site-dub1",
        None,
        3,
        None,
        None,
        None,
    ),
    (
        "sig-003",
        "alert",
        "minor",
        "acknowledged",
        "MAAS image sync lagging",
        "Rack controller dub1-rc2 serves images two releases old.",
        None,
        "site-dub1",
        "maas-euw1",
        30,
        28,
        "opa-devi",
        None,
    ),
    (
        "sig-004",
        "incident",
        "major",
        "acknowledged",
        "Thermal throttling on GPU 2",
        "GPU 2 throttles above 83 °C under load; node cordoned pending inspection.",
        "node-004",
        "site-dub1",
        None,
        12,
        11,
        "opa-olivia",
        None,
    ),
    (
        "sig-005",
        "alert",
        "info",
        "open",
        "Power work scheduled in Ashburn 1 row B",
        "Utility maintenance window on Saturday 02:00-04:00 UTC.",
        None,
        "site-ash1",
        None,
        20,
        None,
        None,
        None,
    ),
    (
        "sig-006",
        "incident",
        "major",
        "resolved",
        "Top-of-rack switch flapping",
        "Switch ash1-c07 flapped for 12 minutes; replaced optics.",
        "node-001",
        "site-ash1",
        None,
        72,
        71,
        "opa-olivia",
        60,
    ),
)
# (id, name, description, permissions)
ROLES = (
    (
        "role-platform-admin",
        "Platform admin",
        "Full control of the platform console and lifecycle operations.",
        ["platform:read", "platform:lifecycle", "platform:config", "platform:iam"],
    ),
    (
        "role-sre",
        "Site reliability",
        "Operates nodes and acknowledges incidents.",
        ["platform:read", "platform:lifecycle", "platform:ops"],
    ),
    ("role-finance-viewer", "Finance viewer", "Reads platform finance.", ["platform:read", "platform:finance"]),
    (
        "role-break-glass",
        "Break-glass",
        "Emergency access when SSO is unavailable; use is reviewed.",
        ["platform:read", "platform:lifecycle", "platform:config", "platform:iam"],
    ),
)
# (id, kind, name, email, user id, roles, mfa, status, last used h ago, created days ago)
ACCOUNTS = (
    (
        "opa-olivia",
        "person",
        "Olivia Park",
        "olivia@gpucloud.example",
        "u-olivia",
        ["role-platform-admin", "role-sre"],
        True,
        "active",
        0.2,
        380,
    ),
    ("opa-devi", "person", "Devi Raman", "devi@gpucloud.example", None, ["role-sre"], True, "active", 9, 300),
    (
        "opa-felix",
        "person",
        "Felix Braun",
        "felix@gpucloud.example",
        None,
        ["role-finance-viewer"],
        False,
        "active",
        24 * 41,
        210,
    ),
    ("opa-bg-use1", "break_glass", "break-glass us-east-1", None, None, ["role-break-glass"], True, "sealed", 70, 500),
    (
        "opa-bg-euw1",
        "break_glass",
        "break-glass eu-west-1",
        None,
        None,
        ["role-break-glass"],
        True,
        "sealed",
        24 * 190,
        500,
    ),
    ("opa-maas-sync", "automation", "MAAS sync", None, None, ["role-sre"], False, "active", 0.1, 420),
    ("opa-health", "automation", "Node health checker", None, None, ["role-sre"], False, "active", 0.05, 420),
)
COST_PER_GPU_HOUR_CENTS = {"NVIDIA H100 80GB": 142.0, "NVIDIA A100 80GB": 88.5, "NVIDIA L40S 48GB": 41.0}


def seed_platform(world: World, nodes: list[dict[str, Any]], added: list[dict[str, Any]]) -> None:
    """Add the operator-side platform documents; ``nodes`` are the twelve fleet nodes, ``added`` the ready nodes
    the workload seed added to hold its workloads (``seed_capacity``)."""
    _seed_sites_and_hubs(world)
    _seed_images_and_profiles(world)
    for index, node in enumerate(nodes):
        node.update(_inventory(node["id"], node["site_id"], index, node["gpu_model"], world.now))
    fleet = [*nodes, *added]
    _seed_activity(world, fleet)
    _seed_lifecycle(world)
    _seed_signals(world)
    _seed_finance(world)
    _seed_iam(world)


def lifecycle_nodes(world: World) -> list[dict[str, Any]]:
    """The nodes being decommissioned or onboarded (their tasks come later, in ``seed_platform``)."""
    found = []
    for number, site_id, model, stage, *_rest in DECOMMISSIONS:
        status = "decommissioned" if stage == "done" else "decommissioning"
        found.append(_new_node(world, number, site_id, model, status, 700))
    for number, site_id, model, stage, _progress, _failure, hours in ONBOARDINGS:
        status = "ready" if stage == "ready" else "onboarding"
        found.append(_new_node(world, number, site_id, model, status, hours // 24))
    return found


def new_fleet_node(world: World, model: str) -> dict[str, Any]:
    """One more ready node of a GPU model, numbered after every other node (in service for 120 days)."""
    number = max(int(n["id"][5:]) for n in world.domains["platform"]["nodes"]) + 1
    index = next(i for i, g in enumerate(GPU_MODELS) if g["model"] == model)
    return _new_node(world, number, SITES[number % 2]["id"], index, "ready", 120)


def _site(site_id: str) -> dict[str, Any]:
    return next(s for s in (*SITES, *EXTRA_SITES) if s["id"] == site_id)


def _seed_sites_and_hubs(world: World) -> None:
    for hub_id, region, version, status, reason, controllers in HUBS:
        world.add(
            "platform",
            "maas-hubs",
            {
                "id": hub_id,
                "name": f"MAAS {region}",
                "region": region,
                "version": version,
                "status": status,
                "status_reason": reason,
                "rack_controllers": controllers,
                "last_sync_at": _iso(world.now - timedelta(minutes=4 if status == "healthy" else 95)),
                "api_endpoint": f"https://{hub_id}.maas.internal:5240/MAAS/{secret('maasurl', hub_id)}",
                "api_key": secret("maaskey", hub_id),
            },
        )
    for site in (*SITES, *EXTRA_SITES):
        hub_id, status, capacity = SITE_DETAILS[site["id"]]
        world.add(
            "platform",
            "sites",
            {
                **site,
                "maas_hub_id": hub_id,
                "status": status,
                "capacity": capacity,
                "created_at": _iso(world.now - timedelta(days=30 if status == "building" else 600)),
            },
        )


def _checksum(*parts: str) -> str:
    return "sha256:" + hashlib.sha256(":".join(parts).encode()).hexdigest()


def _seed_images_and_profiles(world: World) -> None:
    for image_id, name, os_name, version, kernel, status, default, days in IMAGES:
        world.add(
            "platform",
            "images",
            {
                "id": image_id,
                "name": name,
                "os": os_name,
                "version": version,
                "kernel": kernel,
                "status": status,
                "is_default": default,
                "checksum": _checksum(image_id, version),
                "released_at": _iso(world.now - timedelta(days=days)),
                "signing_key": secret("imgsign", image_id),
            },
        )
    for profile_id, name, model, image_id, status, bios, gpu_fw, nic_fw, settings in PROFILES:
        world.add(
            "platform",
            "profiles",
            {
                "id": profile_id,
                "name": name,
                "gpu_model": model,
                "image_id": image_id,
                "status": status,
                "bios_version": bios,
                "gpu_firmware": gpu_fw,
                "nic_firmware": nic_fw,
                "settings": settings,
                "updated_at": _iso(world.now - timedelta(days=len(name))),
                "bmc_admin_password": secret("bmcadmin", profile_id),
            },
        )


def _inventory(node_id: str, site_id: str, index: int, gpu_model: str, now: datetime) -> dict[str, Any]:
    """Operator inventory fields of a node (also added to the twelve fleet nodes)."""
    return {
        "serial": f"SN-{site_id[5:].upper()}-{int(node_id[5:]) * 7919 % 100000:05d}",
        "rack": f"{site_id[5:]}-r{index % 4 + 1:02d}",
        "profile_id": PROFILE_BY_MODEL[gpu_model],
        "firmware_version": next(p[6] for p in PROFILES if p[0] == PROFILE_BY_MODEL[gpu_model]),
        "last_health_check_at": _iso(now - timedelta(minutes=7 + index * 3)),
    }


def _new_node(world: World, number: int, site_id: str, model_index: int, status: str, days: int) -> dict[str, Any]:
    site, gpu = _site(site_id), GPU_MODELS[model_index]
    node_id = f"node-{number:03d}"
    doc = {
        "id": node_id,
        "hostname": f"gpu-{site['region'][:2]}{number:03d}",
        "site_id": site_id,
        "region": site["region"],
        "gpu_model": gpu["model"],
        "gpu_count": 8,
        "gpu_memory_gib": gpu["memory_gib"],
        "status": status,
        "created_at": _iso(world.now - timedelta(days=days)),
        "bmc_endpoint": f"https://10.30.{number}.5/{secret('bmc', number)}",
        "bmc_password": secret("bmcpw", number),
        "kubeconfig": secret("kubeconfig", number),
        **_inventory(node_id, site_id, number, gpu["model"], world.now),
    }
    return world.add("platform", "nodes", doc)


def _steps(
    order: tuple[str, ...],
    stage: str,
    start: datetime,
    now: datetime,
    *,
    failed_at: str | None = None,
    failure: str | None = None,
) -> list[dict[str, Any]]:
    """Task steps in order: done before the current stage, current (or failed), then pending."""
    current = failed_at or stage
    reached = order.index(current) if current in order else len(order) - 1
    span = (now - start) / (reached + 1)
    steps = []
    for position, name in enumerate(order):
        began = start + span * position
        if position < reached or (stage in {"done", "ready"} and position == reached):
            steps.append(
                {
                    "name": name,
                    "status": "done",
                    "started_at": _iso(began),
                    "finished_at": _iso(began + span),
                    "message": None,
                }
            )
        elif position == reached:
            steps.append(
                {
                    "name": name,
                    "status": "failed" if failed_at else "current",
                    "started_at": _iso(began),
                    "finished_at": _iso(now) if failed_at else None,
                    "message": failure,
                }
            )
        else:
            steps.append({"name": name, "status": "pending", "started_at": None, "finished_at": None, "message": None})
    return steps


def _task_activity(world: World, node: dict[str, Any], steps: list[dict[str, Any]], kind: str, actor: str) -> None:
    """Activity of a node under a lifecycle task: one event per step started, finished or failed."""
    outcomes = {"done": "succeeded", "current": "in_progress", "failed": "failed"}
    for position, step in enumerate(s for s in steps if s["started_at"]):
        label = step["name"].replace("_", "-")
        message = {
            "done": f"{label} finished",
            "current": f"{label} in progress",
            "failed": f"{label} failed: {step['message']}",
        }[step["status"]]
        world.add(
            "platform",
            "node-activity",
            {
                "id": f"act-{node['id'][5:]}-{position}",
                "node_id": node["id"],
                "site_id": node["site_id"],
                "type": kind,
                "outcome": outcomes[step["status"]],
                "actor_id": actor,
                "message": message[0].upper() + message[1:],
                "at": step["finished_at"] or step["started_at"],
            },
        )


def _seed_lifecycle(world: World) -> None:
    nodes = {n["id"]: n for n in world.domains["platform"]["nodes"]}
    for number, site_id, _model, stage, reason, requested_by, hours in DECOMMISSIONS:
        node = nodes[f"node-{number:03d}"]
        started = world.now - timedelta(hours=hours)
        task = world.add(
            "platform",
            "decommission-tasks",
            {
                "id": f"dc-{number - 12:03d}",
                "node_id": node["id"],
                "site_id": site_id,
                "reason": reason,
                "stage": stage,
                "requested_by": requested_by,
                "requested_at": _iso(started),
                "updated_at": _iso(world.now - timedelta(minutes=number)),
                "completed_at": _iso(started + timedelta(hours=20)) if stage == "done" else None,
                "steps": _steps(
                    DECOMMISSION_STAGES, stage, started, started + timedelta(hours=20) if stage == "done" else world.now
                ),
                "wipe_certificate_key": secret("wipecert", number),
            },
        )
        _task_activity(world, node, task["steps"], "decommission", requested_by)
    for number, site_id, _model, stage, progress, failure, hours in ONBOARDINGS:
        node = nodes[f"node-{number:03d}"]
        started = world.now - timedelta(hours=hours)
        finished = started + timedelta(hours=ONBOARDING_HOURS) if stage == "ready" else world.now
        task = world.add(
            "platform",
            "onboarding-tasks",
            {
                "id": f"ob-{number - 16:03d}",
                "node_id": node["id"],
                "serial": node["serial"],
                "hostname": node["hostname"],
                "site_id": site_id,
                "profile_id": node["profile_id"],
                "stage": stage,
                "progress": progress,
                "failure_reason": failure,
                "started_at": _iso(started),
                "updated_at": _iso(finished),
                "completed_at": _iso(finished) if stage == "ready" else None,
                "steps": _steps(
                    ONBOARDING_STAGES,
                    stage,
                    started,
                    finished,
                    failed_at="burn_in" if stage == "failed" else None,
                    failure=failure,
                ),
                "ipmi_bootstrap_password": secret("ipmiboot", number),
            },
        )
        _task_activity(world, node, task["steps"], "onboarding", "opa-maas-sync")


# Activity per node status: (type, outcome, actor, message, hours ago)
_ACTIVITY = {
    "ready": [
        ("health_check", "succeeded", "opa-health", "Health check passed (GPU, NVLink, disk)", 1),
        ("firmware", "succeeded", "opa-olivia", "GPU firmware updated to the profile version", 24 * 9),
        ("uncordon", "succeeded", "opa-olivia", "Returned to service after firmware update", 24 * 9 - 1),
    ],
    "cordoned": [
        ("cordon", "succeeded", "opa-olivia", "Cordoned: thermal throttling under investigation", 11),
        ("health_check", "failed", "opa-health", "GPU 2 temperature above 83 °C under load", 12),
    ],
    "draining": [
        ("drain", "in_progress", "opa-devi", "Draining for a memory DIMM replacement", 2),
        ("cordon", "succeeded", "opa-devi", "Cordoned before maintenance", 3),
    ],
    "maintenance": [
        ("firmware", "in_progress", "opa-devi", "BMC firmware update scheduled during maintenance", 1),
        ("health_check", "failed", "opa-health", "PSU 2 reports no input power", 3),
        ("cordon", "succeeded", "opa-health", "Cordoned automatically after a failed health check", 3),
    ],
}


def _seed_activity(world: World, nodes: list[dict[str, Any]]) -> None:
    for node in nodes:
        for position, (kind, outcome, actor, message, hours) in enumerate(_ACTIVITY[node["status"]]):
            world.add(
                "platform",
                "node-activity",
                {
                    "id": f"act-{node['id'][5:]}-{position}",
                    "node_id": node["id"],
                    "site_id": node["site_id"],
                    "type": kind,
                    "outcome": outcome,
                    "actor_id": actor,
                    "message": message,
                    "at": _iso(world.now - timedelta(hours=hours, minutes=int(node["id"][5:]))),
                },
            )


def _seed_signals(world: World) -> None:
    for sid, kind, severity, status, title, summary, node, site, hub, opened, acked, by, resolved in SIGNALS:
        world.add(
            "platform",
            "ops-signals",
            {
                "id": sid,
                "kind": kind,
                "severity": severity,
                "status": status,
                "title": title,
                "summary": summary,
                "node_id": node,
                "site_id": site,
                "maas_hub_id": hub,
                "opened_at": _iso(world.now - timedelta(hours=opened)),
                "acknowledged_at": _iso(world.now - timedelta(hours=acked)) if acked is not None else None,
                "acknowledged_by": by,
                "resolved_at": _iso(world.now - timedelta(hours=resolved)) if resolved is not None else None,
                "runbook_route": f"/docs/runbooks/{title.lower().split()[0]}",
                "pager_webhook_url": f"https://pager.internal/hooks/{secret('pager', sid)}",
            },
        )


def _seed_finance(world: World) -> None:
    """Finance rows per month: the figures of each (revenue, GPU-hours, fleet use) are derived when read
    (``economics``, ``billing``); stored are the keys and the cost of a GPU-hour, a fact of the platform."""
    month_start = world.now.replace(day=1, hour=0, minute=0, second=0)
    previous_start = (month_start - timedelta(days=1)).replace(day=1)
    for period in (previous_start.strftime("%Y-%m"), month_start.strftime("%Y-%m")):
        for gpu in GPU_MODELS:
            world.add(
                "platform",
                "gpu-economics",
                {
                    "id": f"eco-{gpu['model'].split()[1].lower()}-{period}",
                    "gpu_model": gpu["model"],
                    "period": period,
                    "cost_per_gpu_hour_cents": COST_PER_GPU_HOUR_CENTS[gpu["model"]],
                },
            )
        for tenant in TENANTS:  # revenue and GPU-hours are the tenant's own usage, derived when read (billing)
            world.add(
                "platform",
                "tenant-revenue",
                {
                    "id": f"rev-{tenant['id']}-{period}",
                    "tenant_id": tenant["id"],
                    "period": period,
                    "gpu_hours_by_model": [{"gpu_model": g["model"]} for g in GPU_MODELS],
                    "billing_account_ref": secret("billingacct", tenant["id"]),
                },
            )


def _seed_iam(world: World) -> None:
    for role_id, name, description, permissions in ROLES:
        world.add(
            "platform",
            "platform-roles",
            {
                "id": role_id,
                "name": name,
                "description": description,
                "permissions": permissions,
            },
        )
    for account_id, kind, name, email, user_id, roles, mfa, status, used_hours, created_days in ACCOUNTS:
        world.add(
            "platform",
            "operator-accounts",
            {
                "id": account_id,
                "kind": kind,
                "display_name": name,
                "email": email,
                "user_id": user_id,
                "role_ids": roles,
                "mfa_enabled": mfa,
                "status": status,
                "last_used_at": _iso(world.now - timedelta(hours=used_hours)),
                "created_at": _iso(world.now - timedelta(days=created_days)),
                "password_hash": secret("oppw", account_id),
                "recovery_codes": [secret("recovery", account_id, i) for i in range(3)],
            },
        )
