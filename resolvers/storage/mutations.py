"""Storage writes: bucket create, grants (create, revoke) and direct credential issuance.

Bucket create is provider-neutral: purpose, provider, region and quota are checked against the provider's
capability object before the storage service (which checks again, with the project's quota) is called.
Grants need project admin on the bucket's project and share with projects of the same tenant; no provider
users are created. Credential issuance fails closed with a userError naming the capability that is not
validated, and never returns a secret. Each returns its typed outcome, which is what gets replayed.
"""

from __future__ import annotations

from gateway.backends.storage.models import Bucket, Grant, IssuedCredential
from gateway.context import RequestContext
from gateway.errors import CommandRejected, Forbidden
from gateway.idempotency.outcome import MutationOutcome
from gateway.idempotency.runner import current_key
from resolvers.launch.inputs import NewBucket
from resolvers.launch.plan import PERMISSIONS, Problems
from resolvers.launch.validation_storage import check_new_bucket
from resolvers.shared.mutations import acting_viewer, error, refused, reject_if
from resolvers.shared.scope import local_id, not_found
from resolvers.storage.grants import get_grants
from resolvers.storage.queries import get_bucket, provider

BUCKET_FIELDS = {
    "name": ("input", "name"),
    "purpose": ("input", "purpose"),
    "provider": ("input", "provider"),
    "quota_bytes": ("input", "quotaBytes"),
    "region": ("input", "region"),
}


class BucketOutcome(MutationOutcome):
    """createBucket: the new bucket."""

    bucket: Bucket | None = None


class GrantOutcome(MutationOutcome):
    """createStorageGrant and revokeStorageGrant: the grant and the shared bucket."""

    grant: Grant | None = None
    bucket: Bucket | None = None


class CredentialOutcome(MutationOutcome):
    """issueStorageCredential: the credential's metadata (never a secret) and its bucket."""

    credential: IssuedCredential | None = None
    bucket: Bucket | None = None


async def create_bucket(ctx: RequestContext, project_global_id: str, new: NewBucket) -> BucketOutcome:
    """A bucket in a project the viewer is a member of."""
    project_id = local_id(project_global_id, "Project", "projectId")
    viewer = await acting_viewer(ctx, project_id, action="create buckets")
    project = await ctx.loaders.access.projects.load(project_id)
    if project is None:
        raise not_found("project")
    problems = Problems(("input",), flat=True)
    await check_new_bucket(ctx, new, problems, "bucket", ())
    reject_if(problems.all())
    assert new.name and new.purpose and new.provider and new.region and new.quota_bytes  # checked just above
    try:
        bucket = await ctx.backends.storage.create_bucket(
            tenant_id=project.tenant_id,
            project_id=project.id,
            name=new.name,
            purpose=new.purpose,
            provider=new.provider,
            region=new.region,
            quota_bytes=new.quota_bytes,
            key=current_key(),
            actor=viewer.user.id,
        )
    except CommandRejected as rejection:
        return refused(BucketOutcome, rejection, BUCKET_FIELDS)
    return BucketOutcome(bucket=bucket)


async def create_grant(
    ctx: RequestContext, bucket_global_id: str, project_global_id: str, permission: str
) -> GrantOutcome:
    """Share a bucket with another project of the tenant (project admins of the bucket's project)."""
    bucket = await get_bucket(ctx, local_id(bucket_global_id, "Bucket", "bucketId"))
    viewer = await acting_viewer(ctx, bucket.project_id, admin=True, action="share buckets")
    grantee = local_id(project_global_id, "Project", "projectId")
    if not viewer.can_see_project(grantee):
        raise not_found("project")
    errors = []
    if grantee == bucket.project_id:
        errors.append(error("The owning project has full access already.", "INVALID", "input", "projectId"))
    if permission not in PERMISSIONS:
        errors.append(error("Permission is read or read_write.", "INVALID", "input", "permission"))
    reject_if(errors)
    try:
        grant = await ctx.backends.storage.create_grant(
            bucket_id=bucket.id,
            grantee_project_id=grantee,
            permission=permission,
            key=current_key(),
            actor=viewer.user.id,
        )
    except CommandRejected as rejection:
        fields = {"grantee_project_id": ("input", "projectId"), "permission": ("input", "permission")}
        return refused(GrantOutcome, rejection, fields)
    return GrantOutcome(grant=grant, bucket=bucket)


async def revoke_grant(ctx: RequestContext, grant_global_id: str) -> GrantOutcome:
    """End a grant (project admins of the bucket's project)."""
    grant_id = local_id(grant_global_id, "StorageGrant", "grantId")
    (grant,) = await get_grants(ctx, [grant_id])  # None when missing or out of scope: one answer for both
    if grant is None:
        raise not_found("grant")
    if not (await ctx.viewer()).can_see_project(grant.owner_project_id):  # seen through its grantee project only
        raise Forbidden("Only admins of the bucket's project (or tenant admins) can revoke grants.")
    bucket = await get_bucket(ctx, grant.bucket_id)
    viewer = await acting_viewer(ctx, bucket.project_id, admin=True, action="revoke grants")
    # No state check here: a retry whose first answer was lost finds the grant revoked; the service replays it.
    try:
        revoked = await ctx.backends.storage.revoke_grant(grant.id, key=current_key(), actor=viewer.user.id)
    except CommandRejected as rejection:
        return refused(GrantOutcome, rejection, {"revoked_at": ("input", "grantId")})
    return GrantOutcome(grant=revoked, bucket=bucket)


async def issue_credential(ctx: RequestContext, bucket_global_id: str, permission: str) -> CredentialOutcome:
    """Fails closed until the provider's ``direct_credentials`` capability is validated; never a secret."""
    bucket = await get_bucket(ctx, local_id(bucket_global_id, "Bucket", "bucketId"))
    viewer = await acting_viewer(ctx, bucket.project_id, admin=True, action="issue storage credentials")
    if permission not in PERMISSIONS:
        reject_if([error("Permission is read or read_write.", "INVALID", "input", "permission")])
    found = await provider(ctx, bucket)
    capability = next((c for c in (found.capabilities if found else []) if c.name == "direct_credentials"), None)
    if capability is None or not (capability.supported and capability.validated):
        name = found.display_name if found else bucket.provider
        note = capability.note if capability and capability.note else f"{name} direct credentials are not validated"
        reject_if(
            [
                error(
                    f"{note}: credentials fail closed until the provider's direct_credentials capability is "
                    "validated. Mount the bucket into a workload instead.",
                    "CAPABILITY_NOT_VALIDATED",
                    "input",
                    "bucketId",
                )
            ]
        )
    try:
        issued = await ctx.backends.storage.issue_credential(
            bucket.id, permission=permission, key=current_key(), actor=viewer.user.id
        )
    except CommandRejected as rejection:
        return refused(CredentialOutcome, rejection, {"direct_credentials": ("input", "bucketId")})
    return CredentialOutcome(credential=issued, bucket=bucket)
