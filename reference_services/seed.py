"""The deterministic seed data set shared by the reference services.

Two tenants, five projects, one user per persona (and a second tenant's admin and member),
workloads of all four kinds in every lifecycle state, buckets on WEKA and VAST with mounts,
grants, objects and events, and GPU nodes in two regions. ``scale`` multiplies workloads and
buckets for benchmarks. Secret-bearing fields carry values containing ``SECRET_MARKER`` so tests
can prove that none of them ever leaves the gateway.

This module holds the seed's constants, the ``World`` and the access and node seeds; the storage
(``seed_storage``), the workloads (``seed_workloads``, placed by ``seed_capacity`` and ``seed_history``), the
platform, catalog, billing, audit and sharing seeds live in their own modules.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

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
    from reference_services.seed_storage import carry_bucket_summaries, seed_buckets  # import this module: late
    from reference_services.seed_workloads import seed_workloads

    buckets = seed_buckets(world, rng, scale)
    added = seed_workloads(world, rng, scale, nodes, fleet, buckets)
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
