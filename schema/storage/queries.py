"""Root query fields of Storage."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.shared.scope import local_id, project_ids_argument
from resolvers.shared.shapes import DEFAULT_FIRST
from resolvers.storage import queries as resolve
from resolvers.storage.providers import storage_providers
from schema.shared.permissions import Authenticated
from schema.shared.types import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, Info, connection, wire
from schema.storage.providers import KNOWN, capabilities_of
from schema.storage.types import Bucket, BucketFilter, StorageProviderCapabilities


@strawberry.type
class StorageQuery:
    """Root fields of the storage domain."""

    @strawberry.field(
        permission_classes=[Authenticated],
        description="Buckets the viewer may see, newest first (null with an error on failure).",
    )
    async def buckets(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = DEFAULT_FIRST,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        filter: Annotated[
            BucketFilter | None, strawberry.argument(description="Only buckets matching every given condition.")
        ] = None,
    ) -> Connection[Bucket] | None:
        given = filter or BucketFilter()
        page = await resolve.list_buckets(
            info.context,
            first=first,
            after=after,
            project_ids=project_ids_argument(given.project_ids, "filter.projectIds"),
            providers=[wire(p) for p in given.providers] if given.providers else None,
        )
        return connection(page, Bucket.of)

    @strawberry.field(
        permission_classes=[Authenticated], description="One bucket by global id (NOT_FOUND if missing or not visible)."
    )
    async def bucket(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="Global id of a bucket.")]
    ) -> Bucket | None:
        return Bucket.of(await resolve.get_bucket(info.context, local_id(id, "Bucket")))


@strawberry.type
class StorageProvidersQuery:
    """The `storageProviders` root field."""

    @strawberry.field(
        permission_classes=[Authenticated],
        description="Storage providers a bucket can be created on, with their capabilities and whether each is "
        "validated (the storage wizard's provider step); null with an error on failure.",
    )
    async def storage_providers(self, info: Info) -> list[StorageProviderCapabilities] | None:
        return [capabilities_of(p) for p in await storage_providers(info.context) if p.id in KNOWN]
