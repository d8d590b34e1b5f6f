"""Access governance types: entitlements, connectivity, SSO integrations, invites, policies, overview."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from gateway.backends.access import models as models
from gateway.ids import encode_global_id
from resolvers.access import queries as access_resolvers
from resolvers.access import sections
from resolvers.access.overview import AccessCounts as CountsModel
from resolvers.access.scope import AccessScope
from resolvers.shared import shapes
from schema.access.types import Project, Tenant, User
from schema.shared.types import Availability, BigInt, Info, Node


def _project(scope: AccessScope, project_id: str | None) -> Project | None:
    found = next((p for p in scope.viewer.projects if p.id == project_id), None)
    return Project.of(found) if found else None


async def _tenant(info: Info, tenant_id: str) -> Tenant | None:
    found = await access_resolvers.tenant(info.context, tenant_id)
    return Tenant.of(found) if found else None


@strawberry.enum(description="How close usage is to a quota.")
class QuotaState(Enum):
    OK = strawberry.enum_value("ok", description="Below 85% of the limit.")
    NEAR_LIMIT = strawberry.enum_value("near_limit", description="At 85% of the limit or more.")
    AT_LIMIT = strawberry.enum_value("at_limit", description="At or over the limit: launches needing more are denied.")


@strawberry.type(description="GPUs of one model that may be held at once, against how many are held.")
class GpuQuota:
    gpu_model: str = strawberry.field(description="GPU model.")
    limit: int = strawberry.field(description="GPUs allowed at once.")
    used: int = strawberry.field(description="GPUs held by provisioning, running and stopping workloads.")
    fraction_used: float = strawberry.field(description="Used over limit (0 when there is no limit).")
    state: QuotaState = strawberry.field(description="OK, near or at the limit.")


@strawberry.type(description="Storage that may be used, against how much is used.")
class StorageQuota:
    quota_bytes: BigInt = strawberry.field(description="Bytes allowed.")
    used_bytes: BigInt = strawberry.field(description="Bytes stored in the buckets.")
    fraction_used: float = strawberry.field(description="Used over quota (0 when there is no quota).")
    state: QuotaState = strawberry.field(description="OK, near or at the limit.")


@strawberry.type(description="A product feature and whether it is enabled.")
class EntitledFeature:
    name: str = strawberry.field(description="Feature name, e.g. vllm_serving, multi_node_training, sso.")
    enabled: bool = strawberry.field(description="True when enabled.")


@strawberry.type(description="Quotas and features of a tenant (tenant-wide) or of one project, with usage.")
class Entitlement:
    gpu_quotas: list[GpuQuota] = strawberry.field(description="GPU quotas by model.")
    storage: StorageQuota = strawberry.field(description="Storage quota.")
    features: list[EntitledFeature] = strawberry.field(description="Features and whether they are enabled.")
    updated_at: datetime = strawberry.field(description="When the entitlement last changed.")
    project: Project | None = strawberry.field(description="The project (null for the tenant-wide entitlement).")
    model: strawberry.Private[models.Entitlement]

    @classmethod
    def of(cls, model: models.Entitlement, scope: AccessScope) -> Entitlement:
        """From the access service's entitlement."""

        def fraction(used: int, limit: int) -> float:
            return round(used / limit, 4) if limit > 0 else 0.0

        return cls(
            gpu_quotas=[
                GpuQuota(
                    gpu_model=q.gpu_model,
                    limit=q.limit,
                    used=q.used,
                    fraction_used=fraction(q.used, q.limit),
                    state=QuotaState(sections.usage_state(q.used, q.limit)),
                )
                for q in model.gpu_quotas
            ],
            storage=StorageQuota(
                quota_bytes=BigInt(model.storage_quota_bytes),
                used_bytes=BigInt(model.storage_used_bytes),
                fraction_used=fraction(model.storage_used_bytes, model.storage_quota_bytes),
                state=QuotaState(sections.usage_state(model.storage_used_bytes, model.storage_quota_bytes)),
            ),
            features=[EntitledFeature(name=f.name, enabled=f.enabled) for f in model.features],
            updated_at=model.updated_at,
            project=_project(scope, model.project_id),
            model=model,
        )

    @strawberry.field(description="True for the tenant-wide entitlement.")
    def tenant_wide(self) -> bool:
        return self.model.project_id is None

    @strawberry.field(description="The tenant.")
    async def tenant(self, info: Info) -> Tenant | None:
        return await _tenant(info, self.model.tenant_id)


@strawberry.type(description="A public SSH gateway through which compute workloads are reached.")
class SshGateway:
    region: str = strawberry.field(description="Region served.")
    hostname: str = strawberry.field(description="Public hostname.")
    port_range: str = strawberry.field(description="Ports forwarded to workloads.")
    status: str = strawberry.field(description="active, degraded or maintenance.")
    host_key_fingerprint: str | None = strawberry.field(description="SHA256 fingerprint of the gateway's host key.")
    created_at: datetime = strawberry.field(description="When the endpoint was set up.")


@strawberry.type(description="How workloads are reached: real SSH gateways, and the future network and firewall state.")
class Connectivity:
    network: shapes.Availability = strawberry.field(
        description="Private networks: future product, with a stable link.", graphql_type=Availability
    )
    firewall: shapes.Availability = strawberry.field(
        description="Firewall rules: future product, with a stable link.", graphql_type=Availability
    )
    ssh_gateways: list[SshGateway] = strawberry.field(description="SSH gateway endpoints of the tenants in view.")


@strawberry.enum(description="Single sign-on protocol.")
class SsoProtocol(Enum):
    SAML = strawberry.enum_value("saml", description="SAML 2.0.")
    OIDC = strawberry.enum_value("oidc", description="OpenID Connect.")


@strawberry.enum(description="Health of an SSO integration.")
class SsoStatus(Enum):
    ACTIVE = strawberry.enum_value("active", description="Signing in and syncing.")
    DEGRADED = strawberry.enum_value("degraded", description="Failing to sync or sign in; see statusReason.")
    DISABLED = strawberry.enum_value("disabled", description="Turned off.")


@strawberry.type(description="A single sign-on integration of a tenant. No endpoints, secrets or keys.")
class SsoIntegration(Node):
    display_name: str = strawberry.field(description="Name shown on the sign-in page.")
    provider: str = strawberry.field(description="Identity provider, e.g. okta, microsoft_entra_id.")
    protocol: SsoProtocol = strawberry.field(description="SAML or OIDC.")
    status: SsoStatus = strawberry.field(description="Active, degraded or disabled.")
    status_reason: str | None = strawberry.field(description="Why it is degraded or disabled.")
    domains: list[str] = strawberry.field(description="Email domains that sign in through it.")
    last_sync_at: datetime | None = strawberry.field(description="Last directory sync.")
    users_synced: int = strawberry.field(description="Users provisioned by the last sync.")
    created_at: datetime = strawberry.field(description="When it was set up.")
    model: strawberry.Private[models.IdentityProvider]

    @classmethod
    def of(cls, model: models.IdentityProvider) -> SsoIntegration:
        """From the access service's identity provider."""
        return cls(
            id=strawberry.ID(encode_global_id("SsoIntegration", model.id)),
            display_name=model.display_name,
            provider=model.provider,
            protocol=SsoProtocol(model.protocol),
            status=SsoStatus(model.status),
            status_reason=model.status_reason,
            domains=model.domains,
            last_sync_at=model.last_sync_at,
            users_synced=model.users_synced,
            created_at=model.created_at,
            model=model,
        )

    @strawberry.field(description="True when the viewer may change it (tenant admins).")
    async def viewer_can_manage(self, info: Info) -> bool:
        return (await info.context.viewer()).persona == "tenant_admin"

    @strawberry.field(description="The tenant.")
    async def tenant(self, info: Info) -> Tenant | None:
        return await _tenant(info, self.model.tenant_id)


@strawberry.enum(description="The role an invite grants.")
class InviteRole(Enum):
    MEMBER = strawberry.enum_value("member", description="Project member.")
    ADMIN = strawberry.enum_value("admin", description="Project admin.")
    TENANT_ADMIN = strawberry.enum_value("tenant_admin", description="Tenant admin.")


@strawberry.enum(description="Where an invite is in its life.")
class InviteStatus(Enum):
    PENDING = strawberry.enum_value("pending", description="Waiting for the invitee.")
    EXPIRING = strawberry.enum_value("expiring", description="Expires within 48 hours.")
    EXPIRED = strawberry.enum_value("expired", description="Expired without being accepted.")


@strawberry.type(description="A pending invitation to a project or to the tenant. No invite token.")
class PendingInvite:
    id: strawberry.ID = strawberry.field(description="Opaque global ID of the invite.")
    email: str = strawberry.field(description="Who is invited.")
    role: InviteRole = strawberry.field(description="The role it grants.")
    status: InviteStatus = strawberry.field(description="Pending, expiring or expired.")
    created_at: datetime = strawberry.field(description="When it was sent.")
    expires_at: datetime = strawberry.field(description="When it expires.")
    project: Project | None = strawberry.field(description="The project (null for a tenant-level invite).")
    viewer_can_manage: bool = strawberry.field(description="True when the viewer may resend or cancel it.")
    model: strawberry.Private[models.Invite]
    scope: strawberry.Private[AccessScope]

    @classmethod
    def of(cls, model: models.Invite, scope: AccessScope) -> PendingInvite:
        """From the access service's invite."""
        return cls(
            id=strawberry.ID(encode_global_id("Invite", model.id)),
            email=model.email,
            role=InviteRole(model.role),
            status=InviteStatus(sections.invite_status(model)),
            created_at=model.created_at,
            expires_at=model.expires_at,
            project=_project(scope, model.project_id),
            viewer_can_manage=scope.manages_project(model.project_id),
            model=model,
            scope=scope,
        )

    @strawberry.field(description="Who sent it.")
    async def invited_by(self, info: Info) -> User | None:
        if self.model.invited_by is None:
            return None
        found = (await sections.tenant_users(info.context, self.scope)).get(self.model.invited_by)
        return User.of(found) if found else None


@strawberry.type(description="Security and governance policies of a tenant.")
class TenantPolicies:
    mfa_required: bool = strawberry.field(description="Every user must sign in with a second factor.")
    max_session_hours: int = strawberry.field(description="Longest a console session lasts.")
    idle_timeout_minutes: int = strawberry.field(description="Idle time after which a session ends.")
    allowed_regions: list[str] = strawberry.field(description="Regions workloads and buckets may be placed in.")
    ip_allowlist_enabled: bool = strawberry.field(description="Sign-ins are limited to allow-listed networks.")
    credential_max_lifetime_days: int | None = strawberry.field(description="Longest lifetime of a new key.")
    updated_at: datetime = strawberry.field(description="When the policies last changed.")
    model: strawberry.Private[models.TenantPolicy]

    @classmethod
    def of(cls, model: models.TenantPolicy) -> TenantPolicies:
        """From the access service's policy document."""
        return cls(
            mfa_required=model.mfa_required,
            max_session_hours=model.max_session_hours,
            idle_timeout_minutes=model.idle_timeout_minutes,
            allowed_regions=model.allowed_regions,
            ip_allowlist_enabled=model.ip_allowlist_enabled,
            credential_max_lifetime_days=model.credential_max_lifetime_days,
            updated_at=model.updated_at,
            model=model,
        )

    @strawberry.field(description="The tenant.")
    async def tenant(self, info: Info) -> Tenant | None:
        return await _tenant(info, self.model.tenant_id)


@strawberry.type(description="How much of each access object is in view.")
class AccessCounts:
    projects: int = strawberry.field(description="Projects in view.")
    members: int = strawberry.field(description="Distinct users with a membership in those projects.")
    admins: int = strawberry.field(description="Tenant admins and the project admins of the projects in view.")
    service_accounts: int = strawberry.field(description="Enabled service accounts.")
    disabled_service_accounts: int = strawberry.field(description="Disabled service accounts.")
    credentials: int = strawberry.field(description="Usable credentials in view.")
    credentials_expiring_soon: int = strawberry.field(description="Usable credentials expiring within 14 days.")
    pending_invites: int = strawberry.field(description="Invites not yet expired that the viewer manages.")
    sso_integrations: int = strawberry.field(description="SSO integrations.")
    sso_degraded: int = strawberry.field(description="SSO integrations that are degraded.")

    @classmethod
    def of(cls, model: CountsModel) -> AccessCounts:
        """From the resolvers' counts."""
        return cls(**{name: getattr(model, name) for name in CountsModel.__dataclass_fields__})
