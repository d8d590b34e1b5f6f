"""Carry out a validated launch: inline creations first, then the workload (or bucket), mounts, grants.

Everything runs under the mutation field's one idempotency key (``current_key``): each backend call gets a
sub-key derived from it (``<key>:ssh-key``, ``<key>:workload``, ``<key>:mount:0`` ...), so a retry after a
crash at any point replays what was already done in each service and creates only what is missing.
Independent creations in different services run concurrently. A service's business refusal ends the launch
with a userError at the input path of what it refused. The typed ``LaunchOutcome`` (every created object)
is what gets replayed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar

from gateway.backends.access.models import Credential, ServiceAccount
from gateway.backends.drafts import LaunchDraft
from gateway.backends.storage.models import Bucket, Grant, Mount
from gateway.backends.workloads.models import Workload
from gateway.context import RequestContext
from gateway.errors import CommandRejected
from gateway.idempotency.outcome import MutationOutcome
from gateway.idempotency.runner import current_key
from resolvers.launch.plan import LaunchPlan
from resolvers.shared.mutations import refused

Result = TypeVar("Result")


class LaunchOutcome(MutationOutcome):
    """launchCompute, launchApp and submitLaunchDraft: what the launch created (and the submitted draft)."""

    workload: Workload | None = None
    ssh_key: Credential | None = None
    service_account: ServiceAccount | None = None
    bucket: Bucket | None = None
    mounts: tuple[Mount, ...] = ()
    grants: tuple[Grant, ...] = ()
    draft: LaunchDraft | None = None

    def created_ids(self) -> dict[str, str]:
        """Ids of the created objects a submitted draft links to (the workload, key, account, bucket)."""
        created = {
            "workload": self.workload,
            "sshKey": self.ssh_key,
            "serviceAccount": self.service_account,
            "bucket": self.bucket,
        }
        return {name: found.id for name, found in created.items() if found is not None}


class _Refusal(Exception):
    """A service refused a step: the launch ends with this outcome."""

    def __init__(self, outcome: LaunchOutcome) -> None:
        super().__init__("refused")
        self.outcome = outcome


async def _step(call: Awaitable[Result], fields: Mapping[str, tuple[str, ...]]) -> Result:
    """One backend command; a business refusal becomes the launch's outcome, at these input paths."""
    try:
        return await call
    except CommandRejected as rejection:
        raise _Refusal(refused(LaunchOutcome, rejection, fields)) from None


async def _optional(call: Awaitable[Result] | None) -> Result | None:
    """The call's result, or None when there is nothing to call."""
    return await call if call is not None else None


async def _all(*calls: Awaitable[Any]) -> list[Any]:
    """Run concurrently, let every call finish, then raise the first failure (if any)."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return list(results)


async def execute(
    ctx: RequestContext, plan: LaunchPlan, root: tuple[str, ...], draft: LaunchDraft | None = None
) -> LaunchOutcome:
    """Create what the plan says (and mark the draft submitted); the outcome holds every created object."""
    key = current_key()
    try:
        if plan.kind == "storage":
            outcome = await _storage(ctx, plan, key, root)
        else:
            outcome = await _workload(ctx, plan, key, root)
        if draft is not None:
            ids = outcome.created_ids()
            ids["submission_key"] = key  # a retry under the same key may submit again (and gets replays)
            client = ctx.backends.workloads if plan.kind != "storage" else ctx.backends.storage
            submitted = await _step(
                client.submit_draft(draft.id, result=ids, key=f"{key}:draft", actor=plan.viewer.user.id), {}
            )
            outcome = outcome.model_copy(update={"draft": submitted})
    except _Refusal as refusal:
        return refusal.outcome
    return outcome


async def _workload(ctx: RequestContext, plan: LaunchPlan, key: str, root: tuple[str, ...]) -> LaunchOutcome:
    """The inline SSH key, service account and bucket (concurrently), then the workload and its mounts."""
    backends, actor, tenant = ctx.backends, plan.viewer.user.id, plan.project.tenant_id
    new_key: Awaitable[Credential] | None = None
    new_account: Awaitable[ServiceAccount] | None = None
    new_bucket: Awaitable[Bucket] | None = None
    if plan.new_ssh_key is not None:
        name, public_key = plan.new_ssh_key
        new_key = _step(
            backends.access.register_ssh_key(
                tenant_id=tenant,
                owner_id=actor,
                name=name,
                public_key=public_key.canonical,
                key=f"{key}:ssh-key",
                actor=actor,
            ),
            {"name": (*root, "access", "newSshKey", "name"), "public_key": (*root, "access", "newSshKey", "publicKey")},
        )
    if plan.new_service_account is not None:
        name, description = plan.new_service_account
        new_account = _step(
            backends.access.create_service_account(
                tenant_id=tenant,
                project_id=plan.project.id,
                name=name,
                description=description,
                key=f"{key}:service-account",
                actor=actor,
            ),
            {"name": (*root, "access", "newServiceAccount", "name")},
        )
    if plan.new_bucket is not None:
        new_bucket = _create_bucket(ctx, plan, key, (*root, "storage", "newBucket"))
    ssh_key: Credential | None
    service_account: ServiceAccount | None
    bucket: Bucket | None
    ssh_key, service_account, bucket = await _all(_optional(new_key), _optional(new_account), _optional(new_bucket))
    mounts = list(plan.mounts)
    if bucket is not None and plan.new_bucket is not None:
        mounts.append((bucket.id, plan.new_bucket.mount_path or "", plan.new_bucket.read_only))
    settings = dict(plan.settings)
    if plan.app is not None and plan.app.workload_kind == "training":
        purposes = await _purposes(ctx, [m[0] for m in mounts], bucket)
        settings.setdefault("dataset_bucket_id", next((b for b, p in purposes if p == "dataset"), None))
        settings.setdefault("checkpoint_bucket_id", next((b for b, p in purposes if p == "checkpoint"), None))
    workload = await _step(
        backends.workloads.create_workload(
            tenant_id=tenant,
            project_id=plan.project.id,
            owner_id=actor,
            name=plan.name,
            app_slug=plan.app.slug if plan.app else None,
            gpu_model=plan.gpu_model,
            gpu_count=plan.gpu_count,
            region=plan.region,
            image=plan.image,
            command_line=plan.command,
            env=plan.env,
            settings=settings,
            ssh_key_ids=[ssh_key.id] if ssh_key is not None else plan.ssh_key_ids,
            service_account_id=service_account.id if service_account is not None else plan.service_account_id,
            key=f"{key}:workload",
            actor=actor,
        ),
        {
            "name": (*root, "basics", "name"),
            "gpu.model": (*root, "hardware", "gpuModel"),
            "gpu.count": (*root, "hardware", "gpuCount"),
            "image": (*root, "image", "image"),
            "app_slug": (*root, "app", "appSlug"),
        },
    )
    mounted: list[Mount] = await _all(
        *(
            _step(
                backends.storage.create_mount(
                    workload_id=workload.id,
                    bucket_id=bucket_id,
                    project_id=plan.project.id,
                    mount_path=path,
                    read_only=read_only,
                    key=f"{key}:mount:{index}",
                    actor=actor,
                ),
                {"mount_path": (*root, "storage", "mounts", str(index), "mountPath")},
            )
            for index, (bucket_id, path, read_only) in enumerate(mounts)
        )
    )
    return LaunchOutcome(
        workload=workload,
        ssh_key=ssh_key,
        service_account=service_account,
        bucket=bucket,
        mounts=tuple(mounted),
    )


async def _purposes(ctx: RequestContext, bucket_ids: list[str], created: Bucket | None) -> list[tuple[str, str]]:
    """(bucket id, purpose) of the mounted buckets, the one created inline included."""
    found = await ctx.loaders.storage.buckets.load_many(bucket_ids)
    pairs = [(b.id, b.purpose) for b in found if b is not None]
    return pairs + ([(created.id, created.purpose)] if created is not None else [])


async def _create_bucket(
    ctx: RequestContext, plan: LaunchPlan, key: str, path: tuple[str, ...], name_path: tuple[str, ...] | None = None
) -> Bucket:
    """The plan's new bucket, under ``<key>:bucket``; refusals point at ``path`` (the name at ``name_path``)."""
    new = plan.new_bucket
    assert new is not None
    assert new.name and new.purpose and new.provider and new.region and new.quota_bytes  # validated
    return await _step(
        ctx.backends.storage.create_bucket(
            tenant_id=plan.project.tenant_id,
            project_id=plan.project.id,
            name=new.name,
            purpose=new.purpose,
            provider=new.provider,
            region=new.region,
            quota_bytes=new.quota_bytes,
            key=f"{key}:bucket",
            actor=plan.viewer.user.id,
        ),
        {
            "name": name_path or (*path, "name"),
            "purpose": (*path, "purpose"),
            "provider": (*path, "provider"),
            "quota_bytes": (*path, "quotaBytes"),
            "lifecycle_rules": path,
        },
    )


async def _storage(ctx: RequestContext, plan: LaunchPlan, key: str, root: tuple[str, ...]) -> LaunchOutcome:
    """The storage wizard's bucket, then its grants (concurrently)."""
    bucket = await _create_bucket(ctx, plan, key, (*root, "bucket"), (*root, "basics", "name"))
    grants: list[Grant] = await _all(
        *(
            _step(
                ctx.backends.storage.create_grant(
                    bucket_id=bucket.id,
                    grantee_project_id=project_id,
                    permission=permission,
                    key=f"{key}:grant:{index}",
                    actor=plan.viewer.user.id,
                ),
                {
                    "grantee_project_id": (*root, "sharing", "grants", str(index), "projectId"),
                    "permission": (*root, "sharing", "grants", str(index), "permission"),
                },
            )
            for index, (project_id, permission) in enumerate(plan.grants)
        )
    )
    return LaunchOutcome(bucket=bucket, grants=tuple(grants))
