"""Grants (a bucket shared with another project at a permission level) and storage credential metadata."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from gateway.backends.storage import models as backend
from gateway.ids import encode_global_id
from resolvers.storage import grants as resolve
from schema.access.types import Project
from schema.shared.types import Info, Node

if TYPE_CHECKING:
    from schema.storage.types import Bucket


@strawberry.enum(description="What a grant lets the grantee project do with the bucket.")
class GrantPermission(Enum):
    READ = strawberry.enum_value("read", description="List and read objects.")
    READ_WRITE = strawberry.enum_value("read_write", description="Read, write and delete objects.")


@strawberry.type(description="A bucket shared with another project of the tenant; no provider users are created.")
class StorageGrant(Node):
    permission: GrantPermission = strawberry.field(description="What the grantee may do.")
    purpose: str = strawberry.field(description="What is shared: dataset, checkpoint or artifact.")
    created_at: datetime = strawberry.field(description="When the grant was made.")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked (null while active).")
    model: strawberry.Private[backend.Grant]

    @classmethod
    def of(cls, model: backend.Grant) -> StorageGrant:
        """From the storage service's grant."""
        return cls(
            id=strawberry.ID(encode_global_id("StorageGrant", model.id)),
            permission=GrantPermission(model.permission),
            purpose=model.purpose,
            created_at=model.created_at,
            revoked_at=model.revoked_at,
            model=model,
        )

    @strawberry.field(description="True until revoked.")
    def active(self) -> bool:
        return self.model.revoked_at is None

    @strawberry.field(description="The shared bucket (null if not visible).")
    async def bucket(self, info: Info) -> Annotated[Bucket, strawberry.lazy("schema.storage.types")] | None:
        from resolvers.storage.queries import get_buckets
        from schema.storage.types import Bucket

        (found,) = await get_buckets(info.context, [self.model.bucket_id])
        return Bucket.of(found) if found else None

    @strawberry.field(description="The project the bucket is shared with (null if not visible).")
    async def grantee_project(self, info: Info) -> Project | None:
        found = await resolve.grantee_project(info.context, self.model)
        return Project.of(found) if found else None


@strawberry.type(description="Metadata of a direct storage credential. The secret is never part of any answer.")
class StorageCredential:
    id: strawberry.ID = strawberry.field(description="Credential id.")
    permission: GrantPermission = strawberry.field(description="What the credential allows.")
    created_at: datetime | None = strawberry.field(description="When it was issued.")
