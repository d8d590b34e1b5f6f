"""Carry out a validated launch: inline creations first, then the workload (or bucket), mounts, grants.

Everything runs under the mutation's one idempotency key: each backend call gets a sub-key derived from it
(``<key>:ssh-key``, ``<key>:workload``, ``<key>:mount:0`` ...), so a retry after a crash at any point replays
what was already done in each service and creates only what is missing. Independent creations in different
services run concurrently. A service's business refusal ends the launch with a userError at the input path
of what it refused.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar

from gateway.backends._commands import command, command_path
from gateway.backends.access.models import Credential, ServiceAccount
from gateway.backends.drafts import LaunchDraft
from gateway.backends.storage.models import Bucket, Grant, Mount
from gateway.backends.workloads.models import Workload
from gateway.context import RequestContext
from gateway.errors import CommandRejected
from gateway.idempotency.outcome import MutationOutcome
from resolvers.launch.plan import LaunchPlan
from resolvers.shared.mutations import refused

Result = TypeVar("Result")


class _Refusal(Exception):
    def __init__(self, outcome: MutationOutcome) -> None:
        super().__init__("refused")
        self.outcome = outcome


async def _step(call: Awaitable[Result], fields: Mapping[str, tuple[str, ...]]) -> Result:
    """One backend command; a business refusal becomes the launch's outcome, at these input paths."""
    try:
        return await call
    except CommandRejected as rejection:
        raise _Refusal(refused(rejection, fields)) from None


async def _all(*calls: Awaitable[Any]) -> list[Any]:
    """Run concurrently, let every call finish, then raise the first failure (if any)."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return list(results)


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json") if model is not None else None


async def execute(
    ctx: RequestContext, plan: LaunchPlan, key: str, root: tuple[str, ...], draft: LaunchDraft | None = None
) -> MutationOutcome:
    """Create what the plan says; the outcome's result holds every created object's snapshot."""
    try:
        if plan.kind == "storage":
            result = await _storage(ctx, plan, key, root)
        else:
            result = await _workload(ctx, plan, key, root)
        if draft is not None:
            ids = {name: value["id"] for name, value in result.items() if isinstance(value, dict)}
            ids["submission_key"] = key  # a retry under the same key may submit again (and gets replays)
            submitted = await _step(
                command(
                    ctx.backends.workloads if plan.kind != "storage" else ctx.backends.storage,
                    command_path("launch-drafts", draft.id, "submit"),
                    {"result": ids},
                    LaunchDraft,
                    key=f"{key}:draft",
                    actor_id=plan.viewer.user.id,
                ),
                {},
            )
            result["draft"] = _dump(submitted)
    except _Refusal as refusal:
        return refusal.outcome
    return MutationOutcome(result=result)


async def _workload(ctx: RequestContext, plan: LaunchPlan, key: str, root: tuple[str, ...]) -> dict[str, Any]:
    backends, actor, tenant = ctx.backends, plan.viewer.user.id, plan.project.tenant_id
    calls: dict[str, Awaitable[Any]] = {}
    if plan.new_ssh_key is not None:
        name, public_key = plan.new_ssh_key
        calls["sshKey"] = _step(
            command(
                backends.access,
                command_path("credentials"),
                {
                    "tenant_id": tenant,
                    "owner_id": actor,
                    "kind": "ssh_key",
                    "name": name,
                    "public_key": public_key.canonical,
                },
                Credential,
                key=f"{key}:ssh-key",
                actor_id=actor,
            ),
            {"name": (*root, "access", "newSshKey", "name"), "public_key": (*root, "access", "newSshKey", "publicKey")},
        )
    if plan.new_service_account is not None:
        name, description = plan.new_service_account
        calls["serviceAccount"] = _step(
            command(
                backends.access,
                command_path("service-accounts"),
                {"tenant_id": tenant, "project_id": plan.project.id, "name": name, "description": description},
                ServiceAccount,
                key=f"{key}:service-account",
                actor_id=actor,
            ),
            {"name": (*root, "access", "newServiceAccount", "name")},
        )
    if plan.new_bucket is not None:
        calls["bucket"] = _create_bucket(ctx, plan, key, (*root, "storage", "newBucket"))
    created = dict(zip(calls, await _all(*calls.values()), strict=True))
    mounts = list(plan.mounts)
    if "bucket" in created and plan.new_bucket is not None:
        mounts.append((created["bucket"].id, plan.new_bucket.mount_path or "", plan.new_bucket.read_only))
    settings = dict(plan.settings)
    if plan.app is not None and plan.app.workload_kind == "training":
        purposes = await _purposes(ctx, [m[0] for m in mounts], created.get("bucket"))
        settings.setdefault("dataset_bucket_id", next((b for b, p in purposes if p == "dataset"), None))
        settings.setdefault("checkpoint_bucket_id", next((b for b, p in purposes if p == "checkpoint"), None))
    body = {
        "tenant_id": tenant,
        "project_id": plan.project.id,
        "owner_id": actor,
        "name": plan.name,
        "app_slug": plan.app.slug if plan.app else None,
        "gpu": {"model": plan.gpu_model, "count": plan.gpu_count},
        "region": plan.region,
        "image": plan.image,
        "command": plan.command,
        "env": plan.env,
        "settings": settings,
        "ssh_key_ids": [created["sshKey"].id] if "sshKey" in created else plan.ssh_key_ids,
        "service_account_id": created["serviceAccount"].id if "serviceAccount" in created else plan.service_account_id,
    }
    workload = await _step(
        command(backends.workloads, command_path("workloads"), body, Workload, key=f"{key}:workload", actor_id=actor),
        {
            "name": (*root, "basics", "name"),
            "gpu.model": (*root, "hardware", "gpuModel"),
            "gpu.count": (*root, "hardware", "gpuCount"),
            "image": (*root, "image", "image"),
            "app_slug": (*root, "app", "appSlug"),
        },
    )
    mounted = await _all(
        *(
            _step(
                command(
                    backends.storage,
                    command_path("mounts"),
                    {
                        "workload_id": workload.id,
                        "bucket_id": bucket_id,
                        "project_id": plan.project.id,
                        "mount_path": path,
                        "read_only": read_only,
                    },
                    Mount,
                    key=f"{key}:mount:{index}",
                    actor_id=actor,
                ),
                {"mount_path": (*root, "storage", "mounts", str(index), "mountPath")},
            )
            for index, (bucket_id, path, read_only) in enumerate(mounts)
        )
    )
    return {
        "workload": _dump(workload),
        "sshKey": _dump(created.get("sshKey")),
        "serviceAccount": _dump(created.get("serviceAccount")),
        "bucket": _dump(created.get("bucket")),
        "mounts": [_dump(m) for m in mounted],
    }


async def _purposes(ctx: RequestContext, bucket_ids: list[str], created: Bucket | None) -> list[tuple[str, str]]:
    found = await ctx.loaders.storage.buckets.load_many(bucket_ids)
    pairs = [(b.id, b.purpose) for b in found if b is not None]
    return pairs + ([(created.id, created.purpose)] if created is not None else [])


async def _create_bucket(
    ctx: RequestContext, plan: LaunchPlan, key: str, path: tuple[str, ...], name_path: tuple[str, ...] | None = None
) -> Bucket:
    new = plan.new_bucket
    assert new is not None
    return await _step(
        command(
            ctx.backends.storage,
            command_path("buckets"),
            {
                "tenant_id": plan.project.tenant_id,
                "project_id": plan.project.id,
                "name": new.name,
                "purpose": new.purpose,
                "provider": new.provider,
                "region": new.region,
                "quota_bytes": new.quota_bytes,
            },
            Bucket,
            key=f"{key}:bucket",
            actor_id=plan.viewer.user.id,
        ),
        {
            "name": name_path or (*path, "name"),
            "purpose": (*path, "purpose"),
            "provider": (*path, "provider"),
            "quota_bytes": (*path, "quotaBytes"),
            "lifecycle_rules": path,
        },
    )


async def _storage(ctx: RequestContext, plan: LaunchPlan, key: str, root: tuple[str, ...]) -> dict[str, Any]:
    bucket = await _create_bucket(ctx, plan, key, (*root, "bucket"), (*root, "basics", "name"))
    grants = await _all(
        *(
            _step(
                command(
                    ctx.backends.storage,
                    command_path("grants"),
                    {"bucket_id": bucket.id, "grantee_project_id": project_id, "permission": permission},
                    Grant,
                    key=f"{key}:grant:{index}",
                    actor_id=plan.viewer.user.id,
                ),
                {
                    "grantee_project_id": (*root, "sharing", "grants", str(index), "projectId"),
                    "permission": (*root, "sharing", "grants", str(index), "permission"),
                },
            )
            for index, (project_id, permission) in enumerate(plan.grants)
        )
    )
    return {"bucket": _dump(bucket), "grants": [_dump(g) for g in grants]}
