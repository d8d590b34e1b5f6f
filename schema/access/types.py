"""Access domain types: the viewer, users, projects and tenants."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from gateway.backends.access import models as backend
from gateway.ids import encode_global_id
from gateway.viewer import Viewer as ViewerModel
from resolvers.access import queries as resolve
from resolvers.shared.scope import project_role
from schema.access.scoping import OPERATOR_TENANT, null_for
from schema.access.scoping import Persona as Persona  # its home before scoping.py; importers keep it
from schema.shared.types import Info, Node


@strawberry.enum(description="A user's role in a project.")
class ProjectRole(Enum):
    MEMBER = strawberry.enum_value("member", description="Uses the project's resources.")
    ADMIN = strawberry.enum_value("admin", description="Manages the project.")


@strawberry.type(description="An organisation using the GPU cloud.")
class Tenant(Node):
    name: str = strawberry.field(description="Display name.")
    slug: str = strawberry.field(description="URL-safe short name.")
    created_at: datetime = strawberry.field(description="When the tenant was created.")

    @classmethod
    def of(cls, model: backend.Tenant) -> Tenant:
        """From the access service's tenant."""
        return cls(
            id=strawberry.ID(encode_global_id("Tenant", model.id)),
            name=model.name,
            slug=model.slug,
            created_at=model.created_at,
        )


@strawberry.type(description="A project: the unit that owns workloads and buckets.")
class Project(Node):
    name: str = strawberry.field(description="Display name.")
    slug: str = strawberry.field(description="URL-safe short name.")
    created_at: datetime = strawberry.field(description="When the project was created.")
    model: strawberry.Private[backend.Project]

    @classmethod
    def of(cls, model: backend.Project) -> Project:
        """From the access service's project."""
        return cls(
            id=strawberry.ID(encode_global_id("Project", model.id)),
            name=model.name,
            slug=model.slug,
            created_at=model.created_at,
            model=model,
        )

    @classmethod
    def maybe(cls, model: backend.Project | None) -> Project | None:
        """From the access service's project, when there is one."""
        return cls.of(model) if model else None

    @strawberry.field(description="The tenant the project belongs to.")
    async def tenant(self, info: Info) -> Tenant | None:
        (found,) = await resolve.get_tenants(info.context, [self.model.tenant_id])
        return Tenant.of(found) if found else None

    @strawberry.field(
        description="The viewer's role in this project (admin for tenant admins; null if none, as for operators)."
    )
    async def viewer_role(self, info: Info) -> ProjectRole | None:
        role = project_role(await info.context.viewer(), self.model.id)
        return ProjectRole(role) if role else None


@strawberry.type(description="A person with an account.")
class User(Node):
    name: str = strawberry.field(description="Full name.")
    email: str = strawberry.field(description="Email address.")

    @classmethod
    def of(cls, model: backend.User) -> User:
        """From the access service's user."""
        return cls(id=strawberry.ID(encode_global_id("User", model.id)), name=model.name, email=model.email)


@strawberry.type(description="Who is asking, in which persona, and what they may see.")
class Viewer:
    model: strawberry.Private[ViewerModel]

    @strawberry.field(description="The viewer's user.")
    def user(self) -> User:
        return User.of(self.model.user)

    @strawberry.field(description="The persona the viewer acts in.")
    def persona(self) -> Persona:
        return Persona(self.model.persona)

    @strawberry.field(
        description="The viewer's tenant (null for platform operators).",
        directives=[null_for(Persona.OPERATOR, reason=OPERATOR_TENANT)],
    )
    async def tenant(self, info: Info) -> Tenant | None:
        if self.model.tenant_id is None:
            return None
        (found,) = await resolve.get_tenants(info.context, [self.model.tenant_id])
        return Tenant.of(found) if found else None

    @strawberry.field(description="Projects whose resources the viewer may see, by name.")
    async def projects(self, info: Info) -> list[Project]:
        return [Project.of(p) for p in await resolve.visible_projects(info.context)]
