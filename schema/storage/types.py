"""Storage types: provider-neutral buckets, capability objects, detail tabs and the root fields."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from gateway.backends.storage import models as backend
from gateway.ids import encode_global_id
from resolvers.shared import shapes
from resolvers.storage import queries as resolve
from resolvers.storage.access import access_of
from resolvers.storage.grants import grantee_project
from schema.access.scoping import null_when
from schema.access.types import Project
from schema.shared.types import Availability, BigInt, Info, Node

if TYPE_CHECKING:
    from schema.storage.grants import GrantPermission, StorageGrant
    from schema.workloads.types import Workload


@strawberry.enum(description="Storage provider behind a bucket; pages use capabilities, not vendor fields.")
class StorageProviderKind(Enum):
    WEKA = strawberry.enum_value("weka", description="WEKA.")
    VAST = strawberry.enum_value("vast", description="VAST Data.")


@strawberry.type(description="A capability of a storage provider and whether it has been validated.")
class ProviderCapability:
    name: str = strawberry.field(description="quota, snapshots, object_listing, lifecycle_rules, direct_credentials.")
    supported: bool = strawberry.field(description="The provider offers it.")
    validated: bool = strawberry.field(description="The platform has validated it; only then is it used.")
    note: str | None = strawberry.field(description="Why it is not validated, when it is not.")


@strawberry.type(description="The provider capability object of a bucket.")
class StorageProviderCapabilities:
    provider: StorageProviderKind = strawberry.field(description="Which provider.")
    display_name: str = strawberry.field(description="Provider display name.")
    capabilities: list[ProviderCapability] = strawberry.field(description="Capabilities and their validation.")


@strawberry.enum(description="How full a bucket is.")
class UsageState(Enum):
    OK = strawberry.enum_value("ok", description="Below 85% of quota.")
    NEAR_QUOTA = strawberry.enum_value("near_quota", description="At or above 85% of quota.")
    OVER_QUOTA = strawberry.enum_value("over_quota", description="At or above quota.")


@strawberry.type(description="Usage against quota.")
class StorageUsage:
    used_bytes: BigInt = strawberry.field(description="Bytes stored.")
    quota_bytes: BigInt = strawberry.field(description="Quota in bytes.")
    object_count: int = strawberry.field(description="Objects stored.")
    fraction_used: float = strawberry.field(description="Used over quota, 0 to 1 (or more when over).")
    state: UsageState = strawberry.field(description="ok, near quota or over quota.")


@strawberry.type(description="An object in a bucket.")
class BucketObject:
    key: str = strawberry.field(description="Object key.")
    size_bytes: BigInt = strawberry.field(description="Size in bytes.")
    modified_at: datetime = strawberry.field(description="Last modification.")


@strawberry.type(description="Objects tab: a listing, or why the provider cannot list yet.")
class BucketObjectsTab:
    availability: shapes.Availability = strawberry.field(
        description="Whether listing is available.", graphql_type=Availability
    )
    objects: list[BucketObject] = strawberry.field(description="Objects by key (empty when unavailable).")


@strawberry.type(description="A workload that mounts the bucket.")
class BucketMount:
    mount_path: str = strawberry.field(description="Path inside the workload.")
    read_only: bool = strawberry.field(description="True when mounted read-only.")
    workload: Annotated[Workload, strawberry.lazy("schema.workloads.types")] = strawberry.field(
        description="The mounting workload."
    )


@strawberry.enum(description="How a project reaches a bucket.")
class AudienceKind(Enum):
    OWNER = strawberry.enum_value("owner", description="The project owns the bucket.")
    GRANT = strawberry.enum_value("grant", description="The bucket is shared with the project by a grant.")


# The owner reaches its bucket without a grant: the grant's fields are null where `kind` is OWNER.
OWNER_AUDIENCE = null_when("kind", "OWNER", reason="The owning project reaches its bucket without a grant.")
OWNER_VIEWER = null_when("kind", "OWNER", reason="The viewer's project owns the bucket: no grant is involved.")


@strawberry.type(description="A project that can reach the bucket, and how.")
class AccessAudience:
    kind: AudienceKind = strawberry.field(description="Owner or grantee.")
    project: Project | None = strawberry.field(description="The project (null if no longer visible).")
    permission: Annotated[GrantPermission, strawberry.lazy("schema.storage.grants")] = strawberry.field(
        description="What the project may do: the same enum a storage grant answers with."
    )
    purpose: str | None = strawberry.field(description="What a grant shares: dataset, checkpoint or artifact.")
    granted_at: datetime | None = strawberry.field(
        description="When the grant was made (null for the owner).", directives=[OWNER_AUDIENCE]
    )
    grant: Annotated[StorageGrant, strawberry.lazy("schema.storage.grants")] | None = strawberry.field(
        default=None,
        description="The grant itself (null for the owner): revoke it with revokeStorageGrant.",
        directives=[OWNER_AUDIENCE],
    )


@strawberry.type(description="How the viewer's projects reach a bucket: as its owner, or through a grant.")
class BucketViewerAccess:
    kind: AudienceKind = strawberry.field(description="OWNER: a project of the viewer owns it; GRANT: it is shared.")
    read_only: bool = strawberry.field(description="True when the viewer's projects may only read (a READ grant).")
    purpose: str | None = strawberry.field(
        description="What the grant shares (null for the owner).", directives=[OWNER_VIEWER]
    )
    grantee_project: Project | None = strawberry.field(
        description="The viewer's project the bucket is shared with (null for the owner).", directives=[OWNER_VIEWER]
    )
    grant: Annotated[StorageGrant, strawberry.lazy("schema.storage.grants")] | None = strawberry.field(
        default=None,
        description="The grant the viewer's project reaches the bucket through (null for the owner).",
        directives=[OWNER_VIEWER],
    )


@strawberry.type(description="A lifecycle rule on a key prefix.")
class LifecycleRule:
    action: str = strawberry.field(description="expire or transition.")
    prefix: str = strawberry.field(description="Key prefix the rule applies to.")
    after_days: int = strawberry.field(description="Days after which the action applies.")


@strawberry.type(description="Lifecycle rules and whether the provider enforces them.")
class BucketLifecycleTab:
    availability: shapes.Availability = strawberry.field(
        description="Whether the configured rules are shown (they are recorded by the storage service: AVAILABLE).",
        graphql_type=Availability,
    )
    rules: list[LifecycleRule] = strawberry.field(description="Configured rules.")
    enforcement: shapes.Availability = strawberry.field(
        description="Whether the provider's enforcement of the rules is validated (UNAVAILABLE with a READ_MODEL "
        "gap until it is).",
        graphql_type=Availability,
    )


@strawberry.type(description="Something that happened to a bucket.")
class BucketEvent:
    type: str = strawberry.field(description="Event type.")
    message: str = strawberry.field(description="What happened.")
    at: datetime = strawberry.field(description="When it happened.")


@strawberry.type(description="Typed tabs of the bucket detail page. A tab whose backend fails is null with an error.")
class BucketTabs:
    model: strawberry.Private[backend.Bucket]

    @strawberry.field(description="Objects, when the provider's listing is validated.")
    async def objects(self, info: Info) -> BucketObjectsTab | None:
        tab = await resolve.objects(info.context, self.model)
        return BucketObjectsTab(
            availability=tab.availability,
            objects=[
                BucketObject(key=o.key, size_bytes=BigInt(o.size_bytes), modified_at=o.modified_at) for o in tab.objects
            ],
        )

    @strawberry.field(description="Workloads mounting the bucket that the viewer may see.")
    async def mounted_workloads(self, info: Info) -> list[BucketMount] | None:
        from schema.workloads.types import workload_type

        return [
            BucketMount(mount_path=v.mount_path, read_only=v.read_only, workload=workload_type(v.workload))
            for v in await resolve.mounted_workloads(info.context, self.model)
        ]

    @strawberry.field(description="The owning project and every project the bucket is shared with.")
    async def access_audiences(self, info: Info) -> list[AccessAudience] | None:
        return [
            AccessAudience(
                kind=AudienceKind(a.kind),
                project=Project.of(a.project) if a.project else None,
                permission=_permission(a.permission),
                purpose=a.purpose,
                granted_at=a.grant.created_at if a.grant else None,
                grant=_grant(a.grant),
            )
            for a in await resolve.access_audiences(info.context, self.model)
        ]

    @strawberry.field(description="Lifecycle rules.")
    async def lifecycle(self, info: Info) -> BucketLifecycleTab | None:
        tab = await resolve.lifecycle(info.context, self.model)
        return BucketLifecycleTab(
            availability=tab.availability,
            rules=[LifecycleRule(action=r.action, prefix=r.prefix, after_days=r.after_days) for r in tab.rules],
            enforcement=tab.enforcement,
        )

    @strawberry.field(description="Events, newest first.")
    async def events(self, info: Info) -> list[BucketEvent] | None:
        return [
            BucketEvent(type=e.type, message=e.message, at=e.at) for e in await resolve.events(info.context, self.model)
        ]


@strawberry.type(description="A provider-neutral storage bucket.")
class Bucket(Node):
    name: str = strawberry.field(description="Bucket name.")
    purpose: str = strawberry.field(description="dataset, checkpoint or artifact.")
    region: str = strawberry.field(description="Region the bucket lives in.")
    status: str = strawberry.field(description="active, provisioning, ...")
    created_at: datetime = strawberry.field(description="When the bucket was created.")
    model: strawberry.Private[backend.Bucket]

    @classmethod
    def of(cls, model: backend.Bucket) -> Bucket:
        """From the storage service's bucket."""
        return cls(
            id=strawberry.ID(encode_global_id("Bucket", model.id)),
            name=model.name,
            purpose=model.purpose,
            region=model.region,
            status=model.status,
            created_at=model.created_at,
            model=model,
        )

    @strawberry.field(description="Usage against quota.")
    def usage(self) -> StorageUsage:
        found = resolve.usage(self.model)
        return StorageUsage(
            used_bytes=BigInt(found.used_bytes),
            quota_bytes=BigInt(found.quota_bytes),
            object_count=found.object_count,
            fraction_used=round(found.fraction_used, 4),
            state=UsageState(found.state),
        )

    @strawberry.field(description="The provider capability object.")
    async def provider(self, info: Info) -> StorageProviderCapabilities | None:
        found = await resolve.provider(info.context, self.model)
        if found is None:
            return None
        return StorageProviderCapabilities(
            provider=StorageProviderKind(found.id),
            display_name=found.display_name,
            capabilities=[
                ProviderCapability(name=c.name, supported=c.supported, validated=c.validated, note=c.note)
                for c in found.capabilities
            ],
        )

    @strawberry.field(description="The project that owns the bucket.")
    async def project(self, info: Info) -> Project | None:
        found = await resolve.project(info.context, self.model)
        return Project.of(found) if found else None

    @strawberry.field(
        description="How the viewer reaches the bucket: owner (read-write) or a grant's permission and purpose; "
        "the owning project is `project`."
    )
    async def viewer_access(self, info: Info) -> BucketViewerAccess | None:
        found = await access_of(info.context, self.model)
        if found is None:
            return None
        grantee = await grantee_project(info.context, found.grant) if found.grant is not None else None
        return BucketViewerAccess(
            kind=AudienceKind(found.kind),
            read_only=found.permission == "read",
            purpose=found.grant.purpose if found.grant else None,
            grantee_project=Project.of(grantee) if grantee else None,
            grant=_grant(found.grant),
        )

    @strawberry.field(description="Typed detail tabs.")
    def tabs(self) -> BucketTabs:
        return BucketTabs(model=self.model)


@strawberry.input(description="Narrow the bucket list; every given condition must hold.")
class BucketFilter:
    project_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Only these projects.")
    providers: list[StorageProviderKind] | None = strawberry.field(default=None, description="Only these providers.")


def _permission(wire_value: str) -> GrantPermission:
    from schema.storage.grants import GrantPermission

    return GrantPermission(wire_value)


def _grant(model: backend.Grant | None) -> StorageGrant | None:
    from schema.storage.grants import StorageGrant

    return StorageGrant.of(model) if model is not None else None
