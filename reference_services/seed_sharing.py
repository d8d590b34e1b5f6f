"""Seed of the sharing and launch paths the base seed leaves unexercised: a revoked grant, a grantee's workload
mounting a bucket shared with its project, and launch drafts part-way through each wizard.

- research-artifacts (p-research) was shared with p-llm and the grant revoked: p-llm sees nothing of it.
- a running p-llm workload mounts research-datasets (p-research's, shared READ with p-llm) read-only.
- u-marco and u-priya each have a compute draft (at the hardware step) that registers a new SSH key and asks for
  a new service account (u-marco, a member, is refused it: only project admins create service accounts), a
  JupyterLab draft (p-llm) that mounts the shared research-datasets read-only plus a new scratch bucket, and a
  storage draft (p-llm) at the sharing step.
- u-tara (tenant admin) has a compute, a JupyterLab and a storage draft for p-research, filled in up to review.

Draft inputs are kept as the gateway saves them: each step's fields, with global ids (base64 of ``Type:id``).
"""

from __future__ import annotations

import base64
import hashlib
import struct
from datetime import timedelta
from typing import Any

from reference_services.seed import World, _iso, secret

REVOKED_GRANT_ID = "gr-revoked-0001"
GRANTEE_MOUNT_ID = "mnt-shared-0001"


def global_id(type_name: str, local_id: str) -> str:
    """The gateway's global id of a seeded object (what its API and saved draft inputs carry)."""
    return base64.b64encode(f"{type_name}:{local_id}".encode()).decode()


def public_key(comment: str) -> str:
    """A well-formed OpenSSH ed25519 public key, derived from ``comment`` so the seed stays deterministic."""
    blob = struct.pack(">I", 11) + b"ssh-ed25519" + struct.pack(">I", 32) + hashlib.sha256(comment.encode()).digest()
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}"


def seed_sharing(world: World) -> None:
    """Add the revoked grant, the grantee's mount and the launch drafts to a built world."""
    buckets = {b["name"]: b for b in world.domains["storage"]["buckets"]}
    _revoked_grant(world, buckets["research-artifacts"], "p-llm")
    _grantee_mount(world, buckets["research-datasets"], "p-llm")
    _drafts(world, buckets["research-datasets"])
    _tenant_admin_drafts(world)


def _revoked_grant(world: World, bucket: dict[str, Any], grantee: str) -> None:
    created, revoked = world.now - timedelta(days=20), world.now - timedelta(days=3)
    world.add(
        "storage",
        "grants",
        {
            "id": REVOKED_GRANT_ID,
            "bucket_id": bucket["id"],
            "tenant_id": bucket["tenant_id"],
            "owner_project_id": bucket["project_id"],
            "grantee_project_id": grantee,
            "permission": "read",
            "purpose": bucket["purpose"],
            "created_at": _iso(created),
            "created_by": "u-tara",
            "revoked_at": _iso(revoked),
        },
    )
    for suffix, kind, message, at in (
        ("shared", "grant_created", f"Shared with {grantee} (read)", created),
        ("revoked", "grant_revoked", f"Grant to {grantee} revoked", revoked),
    ):
        world.add(
            "storage",
            "bucket-events",
            {
                "id": f"bev-{REVOKED_GRANT_ID}-{suffix}",
                "bucket_id": bucket["id"],
                "type": kind,
                "message": message,
                "at": _iso(at),
                "actor_id": "u-tara",
            },
        )


def _grantee_mount(world: World, bucket: dict[str, Any], grantee: str) -> None:
    running = sorted(
        (w for w in world.domains["workloads"]["workloads"] if w["project_id"] == grantee and w["status"] == "running"),
        key=lambda w: w["id"],
    )
    if not running:
        raise ValueError(f"the seed has no running workload in {grantee} to mount a shared bucket into")
    workload = running[0]
    world.add(
        "storage",
        "mounts",
        {
            "id": GRANTEE_MOUNT_ID,
            "workload_id": workload["id"],
            "bucket_id": bucket["id"],
            "tenant_id": bucket["tenant_id"],
            "project_id": grantee,
            "mount_path": f"/mnt/shared/{bucket['name']}",
            "read_only": True,  # a READ grant mounts read-only
            "mount_secret": secret("mount", workload["id"], bucket["id"]),
        },
    )


def _draft(
    world: World, draft_id: str, owner: str, project: str, kind: str, steps: tuple[str, ...], **fields: Any
) -> dict[str, Any]:
    at = _iso(world.now - timedelta(hours=fields.pop("hours_ago")))
    return {
        "id": draft_id,
        "tenant_id": "t-acme",
        "owner_id": owner,
        "project_id": project,
        "app_slug": fields.pop("app_slug", None),
        "kind": kind,
        "steps": list(steps),
        "current_step": fields.pop("current_step"),
        "inputs": fields.pop("inputs"),
        "status": "open",
        "created_at": at,
        "updated_at": at,
        "submitted_at": None,
        "result": None,
    }


def _drafts(world: World, shared: dict[str, Any]) -> None:
    """A compute, a JupyterLab and a storage draft each for u-marco and u-priya, part-way through."""
    compute_steps = ("basics", "hardware", "image", "access", "storage", "network", "review")
    app_steps = ("basics", "app", "hardware", "access", "storage", "network", "review")
    vision, llm = global_id("Project", "p-vision"), global_id("Project", "p-llm")
    shared_mount = {"bucket_id": global_id("Bucket", shared["id"]), "mount_path": "/mnt/research", "read_only": True}
    own = {b["project_id"]: b for b in reversed(world.domains["storage"]["buckets"]) if b["purpose"] == "dataset"}
    for owner, short, project, hours in (("u-marco", "marco", "p-vision", 26), ("u-priya", "priya", "p-llm", 30)):
        own_mount = {"bucket_id": global_id("Bucket", own[project]["id"]), "mount_path": "/mnt/data", "read_only": True}
        world.add(
            "workloads",
            "launch-drafts",
            _draft(
                world,
                f"ld-seed-{short}-compute",
                owner,
                project,
                "compute",
                compute_steps,
                hours_ago=hours,
                current_step="hardware",
                inputs={
                    "basics": {"project_id": global_id("Project", project), "name": f"{short}-ablation"},
                    "hardware": {"gpu_model": "NVIDIA H100 80GB", "gpu_count": 2, "region": "us-east-1"},
                    "image": {"image": "nvcr.io/nvidia/pytorch:24.10-py3", "env": [{"name": "EPOCHS", "value": "5"}]},
                    "access": {
                        "new_ssh_key": {"name": f"{short}-workstation", "public_key": public_key(f"{short}@ws")},
                        "new_service_account": {
                            "name": f"{short}-ablation-runner",
                            "description": "Uploads ablation checkpoints",
                        },
                    },
                    "storage": {"mounts": [own_mount]},
                },
            ),
        )
        world.add(
            "workloads",
            "launch-drafts",
            _draft(
                world,
                f"ld-seed-{short}-jupyter",
                owner,
                "p-llm",
                "app",
                app_steps,
                hours_ago=hours - 23,
                app_slug="jupyter",
                current_step="storage",
                inputs={
                    "basics": {"project_id": llm, "name": f"{short}-research-notebook"},
                    "app": {"app_slug": "jupyter"},
                    "storage": {  # research-datasets, shared READ with p-llm, plus a scratch bucket of its own
                        "mounts": [shared_mount],
                        "new_bucket": {
                            "name": f"{short}-notebook-scratch",
                            "purpose": "artifact",
                            "provider": "weka",
                            "region": "us-east-1",
                            "quota_bytes": 100 * 2**30,
                            "mount_path": "/mnt/scratch",
                            "read_only": False,
                        },
                    },
                },
            ),
        )
        world.add(
            "storage",
            "launch-drafts",
            _draft(
                world,
                f"sd-seed-{short}-bucket",
                owner,
                "p-llm",
                "storage",
                ("basics", "bucket", "sharing", "review"),
                hours_ago=hours - 21,
                current_step="sharing",
                inputs={
                    "basics": {"project_id": llm, "name": f"{short}-eval-sets"},
                    "bucket": {"purpose": "dataset", "provider": "weka", "region": "us-east-1"},
                    "sharing": {"grants": [{"project_id": vision, "permission": "read"}]},
                },
            ),
        )


def _tenant_admin_drafts(world: World) -> None:
    """u-tara (tenant admin, no project role) has a compute, a JupyterLab and a storage draft for Research
    Sandbox, each filled in up to the step before review."""
    research, vision = global_id("Project", "p-research"), global_id("Project", "p-vision")
    datasets = next(b for b in world.domains["storage"]["buckets"] if b["name"] == "research-datasets")
    mount = {"bucket_id": global_id("Bucket", datasets["id"]), "mount_path": "/mnt/data", "read_only": True}
    access = {
        "new_ssh_key": {"name": "tara-laptop", "public_key": public_key("tara@laptop")},
        "new_service_account": {"name": "tara-cost-report", "description": "Exports the weekly cost report"},
    }
    scratch = {
        "name": "tara-scratch",
        "purpose": "artifact",
        "provider": "vast",
        "region": "us-east-1",
        "quota_bytes": 50 * 2**30,
        "mount_path": "/mnt/scratch",
        "read_only": False,
    }
    compute_steps = ("basics", "hardware", "image", "access", "storage", "network", "review")
    app_steps = ("basics", "app", "hardware", "access", "storage", "network", "review")
    hardware = {"gpu_model": "NVIDIA L40S 48GB", "gpu_count": 1, "region": "us-east-1"}
    compute = {
        "basics": {"project_id": research, "name": "tara-baseline"},
        "hardware": hardware,
        "image": {"image": "nvcr.io/nvidia/pytorch:24.10-py3", "env": [{"name": "SEED", "value": "7"}]},
        "access": access,
        "storage": {"mounts": [mount], "new_bucket": scratch},
    }
    app = {
        "basics": {"project_id": research, "name": "tara-cost-review"},
        "app": {"app_slug": "jupyter"},
        "hardware": hardware,
        "access": access,
        "storage": {"mounts": [mount], "new_bucket": {**scratch, "name": "tara-notebook-scratch"}},
    }
    storage = {
        "basics": {"project_id": research, "name": "tara-shared-eval"},
        "bucket": {"purpose": "dataset", "provider": "weka", "region": "us-east-1"},
        "sharing": {"grants": [{"project_id": vision, "permission": "read"}]},
    }
    for domain, draft in (
        (
            "workloads",
            _draft(
                world,
                "ld-seed-tara-compute",
                "u-tara",
                "p-research",
                "compute",
                compute_steps,
                hours_ago=5,
                current_step="network",
                inputs=compute,
            ),
        ),
        (
            "workloads",
            _draft(
                world,
                "ld-seed-tara-jupyter",
                "u-tara",
                "p-research",
                "app",
                app_steps,
                hours_ago=4,
                current_step="network",
                inputs=app,
                app_slug="jupyter",
            ),
        ),
        (
            "storage",
            _draft(
                world,
                "sd-seed-tara-bucket",
                "u-tara",
                "p-research",
                "storage",
                ("basics", "bucket", "sharing", "review"),
                hours_ago=3,
                current_step="sharing",
                inputs=storage,
            ),
        ),
    ):
        world.add(domain, "launch-drafts", draft)
