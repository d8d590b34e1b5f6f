"""Access writes: register an SSH public key, create a service account.

SSH keys are public keys only: the gateway parses the key (refusing private keys), the access service
stores it with its fingerprint, and the answer carries the fingerprint, never key material. Service
accounts are created by project admins (tenant admins are admins of every project). Each returns its typed
outcome, which is what gets replayed.
"""

from __future__ import annotations

from gateway.backends.access.models import Credential, ServiceAccount
from gateway.context import RequestContext
from gateway.errors import CommandRejected
from gateway.idempotency.outcome import MutationOutcome
from gateway.idempotency.runner import current_key
from resolvers.access.ssh_keys import parse_public_key
from resolvers.launch.plan import KEY_NAME, WORKLOAD_NAME
from resolvers.shared.mutations import acting_viewer, error, refused, reject_if
from resolvers.shared.scope import local_id, not_found


class SshKeyOutcome(MutationOutcome):
    """createSshKey: the registered key's metadata and fingerprint (never key material)."""

    ssh_key: Credential | None = None


class ServiceAccountOutcome(MutationOutcome):
    """createServiceAccount: the new service account."""

    service_account: ServiceAccount | None = None


async def create_ssh_key(ctx: RequestContext, name: str, public_key: str) -> SshKeyOutcome:
    """Register one of the viewer's SSH public keys."""
    viewer = await ctx.viewer()
    errors = []
    if not KEY_NAME.match(name):
        errors.append(
            error("Key names are letters, digits, '.', '_' and '-' (at most 63).", "INVALID", "input", "name")
        )
    parsed = parse_public_key(public_key)
    if isinstance(parsed, str):
        errors.append(error(parsed, "INVALID", "input", "publicKey"))
    reject_if(errors)
    assert not isinstance(parsed, str)
    try:
        credential = await ctx.backends.access.register_ssh_key(
            tenant_id=viewer.tenant_id,
            owner_id=viewer.user.id,
            name=name,
            public_key=parsed.canonical,
            key=current_key(),
            actor=viewer.user.id,
        )
    except CommandRejected as rejection:
        return refused(SshKeyOutcome, rejection, {"name": ("input", "name"), "public_key": ("input", "publicKey")})
    return SshKeyOutcome(ssh_key=credential)


async def create_service_account(
    ctx: RequestContext, project_global_id: str, name: str, description: str | None
) -> ServiceAccountOutcome:
    """A service account in a project the viewer administers."""
    project_id = local_id(project_global_id, "Project", "projectId")
    viewer = await acting_viewer(ctx, project_id, admin=True, action="create service accounts")
    project = await ctx.loaders.access.projects.load(project_id)
    if project is None:
        raise not_found("project")
    errors = []
    if not WORKLOAD_NAME.match(name):
        errors.append(error("Names are 3-63 of a-z, 0-9 and '-', starting with a letter.", "INVALID", "input", "name"))
    if description is not None and len(description) > 500:
        errors.append(error("The description is at most 500 characters.", "INVALID", "input", "description"))
    reject_if(errors)
    try:
        account = await ctx.backends.access.create_service_account(
            tenant_id=project.tenant_id,
            project_id=project.id,
            name=name,
            description=description or "",
            key=current_key(),
            actor=viewer.user.id,
        )
    except CommandRejected as rejection:
        return refused(ServiceAccountOutcome, rejection, {"name": ("input", "name")})
    return ServiceAccountOutcome(service_account=account)
