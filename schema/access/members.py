"""Access object types: memberships, admins, service accounts and credential metadata."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from gateway.backends.access import models as backend
from gateway.backends.access import models as models
from gateway.ids import encode_global_id
from resolvers.access import queries as access_queries
from resolvers.access import sections
from resolvers.access.scope import AccessScope, access_scope
from resolvers.shared.now import Now, then
from schema.access.scoping import Persona, no_items_for
from schema.access.types import Project, ProjectRole, User
from schema.shared.types import Info, Node


def _project(scope: AccessScope, project_id: str | None) -> Project | None:
    found = next((p for p in scope.viewer.projects if p.id == project_id), None)
    return Project.of(found) if found else None


@strawberry.type(description="A user's role in a project.")
class Membership:
    id: strawberry.ID = strawberry.field(description="Opaque global ID of the membership.")
    role: ProjectRole = strawberry.field(description="Member or admin.")
    created_at: datetime = strawberry.field(description="When the user joined the project.")
    viewer_can_manage: bool = strawberry.field(description="True when the viewer may change or remove it.")
    model: strawberry.Private[backend.Membership]
    scope: strawberry.Private[AccessScope]

    @classmethod
    def of(cls, model: backend.Membership, scope: AccessScope) -> Membership:
        """From the access service's membership."""
        return cls(
            id=strawberry.ID(encode_global_id("Membership", model.id)),
            role=ProjectRole(model.role),
            created_at=model.created_at,
            viewer_can_manage=scope.manages_project(model.project_id),
            model=model,
            scope=scope,
        )

    @strawberry.field(description="The project.")
    def project(self) -> Project | None:
        return _project(self.scope, self.model.project_id)

    @strawberry.field(description="The member (from the tenant's users; one call for every row).")
    async def user(self, info: Info) -> User | None:
        found = await sections.member_user(info.context, self.scope, self.model)
        return User.of(found) if found else None


@strawberry.type(description="Someone who can change access: a tenant admin or a project admin.")
class AccessAdmin:
    user: User = strawberry.field(description="The admin.")
    tenant_admin: bool = strawberry.field(description="True for tenant admins (they manage every project).")
    projects: list[Project] = strawberry.field(
        description="Projects in view the user administers (a tenant admin: every project of their tenant in view)."
    )

    @classmethod
    def of(cls, admin: sections.Admin, scope: AccessScope) -> AccessAdmin:
        """From the resolvers' admin."""
        projects = [p for p in (_project(scope, pid) for pid in admin.project_ids) if p is not None]
        return cls(user=User.of(admin.user), tenant_admin=admin.tenant_admin, projects=projects)


@strawberry.type(description="A non-human identity of a project, used by pipelines and serving clients.")
class ServiceAccount(Node):
    name: str = strawberry.field(description="Name, unique in the project.")
    description: str = strawberry.field(description="What it is for.")
    created_at: datetime = strawberry.field(description="When it was created.")
    last_used_at: datetime | None = strawberry.field(description="When one of its keys was last used (null: never).")
    disabled: bool = strawberry.field(description="Disabled accounts cannot authenticate.")
    viewer_can_manage: bool = strawberry.field(description="True when the viewer may change it or issue keys.")
    model: strawberry.Private[models.ServiceAccount]
    scope: strawberry.Private[AccessScope | None]

    @classmethod
    def of(cls, model: models.ServiceAccount, scope: AccessScope | None = None) -> ServiceAccount:
        """From the access service's service account."""
        return cls(
            id=strawberry.ID(encode_global_id("ServiceAccount", model.id)),
            name=model.name,
            description=model.description,
            created_at=model.created_at,
            last_used_at=model.last_used_at,
            disabled=model.disabled,
            viewer_can_manage=bool(scope and scope.manages_project(model.project_id)),
            model=model,
            scope=scope,
        )

    @strawberry.field(description="The project it belongs to.", graphql_type=Project | None)
    def project(self, info: Info) -> Now[Project | None]:
        return then(access_queries.viewer_project(info.context, self.model.project_id), Project.maybe)

    @strawberry.field(
        description="Its keys the viewer may see (metadata only).",
        directives=[
            no_items_for(
                Persona.MEMBER,
                reason="A service account's keys go to those who manage its project; a member manages none.",
            )
        ],
    )
    async def keys(self, info: Info) -> list[Credential]:
        scope = self.scope or await _default_scope(info)
        return [Credential.of(c, scope) for c in await sections.service_account_keys(info.context, scope, self.model)]


async def _default_scope(info: Info) -> AccessScope:
    """The viewer's scope, for objects reached through ``node`` rather than a section."""
    return await access_scope(info.context)


@strawberry.enum(description="What a credential is.")
class CredentialKind(Enum):
    API_KEY = strawberry.enum_value("api_key", description="A personal API key for the CLI and API.")
    SSH_KEY = strawberry.enum_value("ssh_key", description="A public SSH key for compute workloads.")
    SERVICE_ACCOUNT_KEY = strawberry.enum_value("service_account_key", description="A key of a service account.")


@strawberry.enum(description="Where a credential is in its life.")
class CredentialStatus(Enum):
    ACTIVE = strawberry.enum_value("active", description="Usable, not expiring within 14 days.")
    EXPIRING_SOON = strawberry.enum_value("expiring_soon", description="Usable, expires within 14 days.")
    EXPIRED = strawberry.enum_value("expired", description="Past its expiry; no longer accepted.")
    REVOKED = strawberry.enum_value("revoked", description="Revoked; no longer accepted.")


@strawberry.enum(description="Who holds a credential.")
class CredentialOwnerKind(Enum):
    USER = strawberry.enum_value("user", description="A person.")
    SERVICE_ACCOUNT = strawberry.enum_value("service_account", description="A service account.")


@strawberry.type(description="The holder of a credential.")
class CredentialOwner:
    kind: CredentialOwnerKind = strawberry.field(description="User or service account.")
    user: User | None = strawberry.field(description="The user, for user credentials.")
    service_account: ServiceAccount | None = strawberry.field(description="The service account, for its keys.")


@strawberry.type(description="Credential metadata: how to recognise a key and when it expires. Never key material.")
class Credential(Node):
    name: str = strawberry.field(description="Name given at creation.")
    kind: CredentialKind = strawberry.field(description="API key, SSH key or service-account key.")
    status: CredentialStatus = strawberry.field(description="Active, expiring soon, expired or revoked.")
    prefix: str | None = strawberry.field(description="Public prefix of an API key (null for SSH keys).")
    last_four: str | None = strawberry.field(description="Last four characters, to recognise the key.")
    fingerprint: str | None = strawberry.field(description="SHA256 fingerprint of an SSH public key.")
    created_at: datetime = strawberry.field(description="When it was created.")
    last_used_at: datetime | None = strawberry.field(description="When it was last used (null: never).")
    expires_at: datetime | None = strawberry.field(description="When it expires (null: it does not).")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked (null: it was not).")
    viewer_can_manage: bool = strawberry.field(description="True when the viewer may rotate or revoke it.")
    model: strawberry.Private[models.Credential]
    scope: strawberry.Private[AccessScope | None]

    @classmethod
    def of(cls, model: models.Credential, scope: AccessScope | None = None) -> Credential:
        """From the access service's credential metadata."""
        own = scope is not None and model.owner_type == "user" and model.owner_id == scope.viewer.user.id
        manages = own or (scope is not None and scope.manages_project(model.project_id))
        return cls(
            id=strawberry.ID(encode_global_id("Credential", model.id)),
            name=model.name,
            kind=CredentialKind(model.kind),
            status=CredentialStatus(sections.credential_status(model)),
            prefix=model.prefix,
            last_four=model.last_four,
            fingerprint=model.fingerprint,
            created_at=model.created_at,
            last_used_at=model.last_used_at,
            expires_at=model.expires_at,
            revoked_at=model.revoked_at,
            viewer_can_manage=bool(manages),
            model=model,
            scope=scope,
        )

    @strawberry.field(
        description="The project the credential is bound to (null for personal SSH and API keys).",
        graphql_type=Project | None,
    )
    def project(self, info: Info) -> Now[Project | None]:
        return then(access_queries.viewer_project(info.context, self.model.project_id), Project.maybe)

    @strawberry.field(description="Who holds it.")
    async def owner(self, info: Info) -> CredentialOwner:
        scope = self.scope or await _default_scope(info)
        found = await sections.credential_owner(info.context, scope, self.model)
        return CredentialOwner(
            kind=CredentialOwnerKind(found.kind),
            user=User.of(found.user) if found.user else None,
            service_account=ServiceAccount.of(found.service_account, scope) if found.service_account else None,
        )
