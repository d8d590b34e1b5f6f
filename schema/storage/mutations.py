"""Storage mutations: create a bucket, share it (grant, revoke), issue a direct credential (fails closed)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.idempotency.field import Idempotent
from resolvers.launch.inputs import NewBucket
from resolvers.storage import mutations as resolve
from resolvers.storage.mutations import BucketOutcome, CredentialOutcome, GrantOutcome
from schema.shared.mutations import IDEMPOTENCY_KEY_DESCRIPTION, UserError, user_errors
from schema.shared.permissions import Authenticated
from schema.shared.types import BigInt, Info, wire
from schema.storage.grants import GrantPermission, StorageCredential, StorageGrant
from schema.storage.types import Bucket, StorageProviderKind


@strawberry.input(description="A provider-neutral bucket: capabilities and quota are checked against the provider.")
class CreateBucketInput:
    project_id: strawberry.ID = strawberry.field(description="Global id of the project that will own the bucket.")
    name: str = strawberry.field(description="Bucket name (3-63 of a-z, 0-9 and '-'), unique in the tenant.")
    purpose: str = strawberry.field(description="dataset, checkpoint or artifact.")
    provider: StorageProviderKind = strawberry.field(
        description="Storage provider: the same enum a bucket's provider capability object answers with."
    )
    region: str = strawberry.field(description="Region of the bucket.")
    quota_bytes: BigInt = strawberry.field(description="Quota in bytes (1 GiB to 100 TiB, within the project's).")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY_DESCRIPTION)


@strawberry.type(description="Result of createBucket.")
class CreateBucketPayload:
    bucket: Bucket | None = strawberry.field(description="The new bucket (null when refused).")
    user_errors: list[UserError] = strawberry.field(description="Why the bucket was not created.")

    @classmethod
    def of(cls, outcome: BucketOutcome) -> CreateBucketPayload:
        """From the mutation's outcome."""
        return cls(bucket=Bucket.of(outcome.bucket) if outcome.bucket else None, user_errors=user_errors(outcome))


@strawberry.input(description="Share a bucket with another project of the tenant.")
class CreateStorageGrantInput:
    bucket_id: strawberry.ID = strawberry.field(description="Global id of the bucket (you administer its project).")
    project_id: strawberry.ID = strawberry.field(description="Global id of the project to share with.")
    permission: GrantPermission = strawberry.field(description="What the project may do.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY_DESCRIPTION)


@strawberry.input(description="A grant to revoke.")
class RevokeStorageGrantInput:
    grant_id: strawberry.ID = strawberry.field(description="Global id of the grant.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY_DESCRIPTION)


@strawberry.type(description="Result of createStorageGrant or revokeStorageGrant.")
class StorageGrantPayload:
    grant: StorageGrant | None = strawberry.field(description="The grant (null when refused).")
    bucket: Bucket | None = strawberry.field(description="The shared bucket.")
    user_errors: list[UserError] = strawberry.field(description="Why the grant was not changed.")

    @classmethod
    def of(cls, outcome: GrantOutcome) -> StorageGrantPayload:
        """From the mutation's outcome."""
        return cls(
            grant=StorageGrant.of(outcome.grant) if outcome.grant else None,
            bucket=Bucket.of(outcome.bucket) if outcome.bucket else None,
            user_errors=user_errors(outcome),
        )


@strawberry.input(description="Ask for a direct credential to a bucket (fails closed until the provider validates it).")
class IssueStorageCredentialInput:
    bucket_id: strawberry.ID = strawberry.field(description="Global id of the bucket.")
    permission: GrantPermission = strawberry.field(description="What the credential would allow.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY_DESCRIPTION)


@strawberry.type(description="Result of issueStorageCredential: metadata only, never a secret.")
class IssueStorageCredentialPayload:
    credential: StorageCredential | None = strawberry.field(description="Credential metadata (null when refused).")
    user_errors: list[UserError] = strawberry.field(
        description="Why not: CAPABILITY_NOT_VALIDATED names the provider capability that is not validated."
    )

    @classmethod
    def of(cls, outcome: CredentialOutcome) -> IssueStorageCredentialPayload:
        """From the mutation's outcome: metadata only."""
        issued = outcome.credential
        credential = None
        if issued is not None:
            credential = StorageCredential(
                id=strawberry.ID(issued.id),
                permission=GrantPermission(issued.permission),
                created_at=issued.created_at,
            )
        return cls(credential=credential, user_errors=user_errors(outcome))


@strawberry.type
class StorageMutation:
    """Storage mutations."""

    @strawberry.mutation(
        permission_classes=[Authenticated],
        extensions=[Idempotent(BucketOutcome, CreateBucketPayload.of)],
        graphql_type=CreateBucketPayload | None,
        description="Create a bucket in a project you belong to.",
    )
    async def create_bucket(
        self, info: Info, input: Annotated[CreateBucketInput, strawberry.argument(description="The bucket.")]
    ) -> BucketOutcome:
        new = NewBucket(
            name=input.name,
            purpose=input.purpose,
            provider=wire(input.provider),
            region=input.region,
            quota_bytes=input.quota_bytes,
        )
        return await resolve.create_bucket(info.context, input.project_id, new)

    @strawberry.mutation(
        permission_classes=[Authenticated],
        extensions=[Idempotent(GrantOutcome, StorageGrantPayload.of)],
        graphql_type=StorageGrantPayload | None,
        description="Share a bucket with another project at a permission level (project admins).",
    )
    async def create_storage_grant(
        self, info: Info, input: Annotated[CreateStorageGrantInput, strawberry.argument(description="The grant.")]
    ) -> GrantOutcome:
        return await resolve.create_grant(info.context, input.bucket_id, input.project_id, wire(input.permission))

    @strawberry.mutation(
        permission_classes=[Authenticated],
        extensions=[Idempotent(GrantOutcome, StorageGrantPayload.of)],
        graphql_type=StorageGrantPayload | None,
        description="Revoke a grant (project admins of the bucket's project).",
    )
    async def revoke_storage_grant(
        self, info: Info, input: Annotated[RevokeStorageGrantInput, strawberry.argument(description="The grant.")]
    ) -> GrantOutcome:
        return await resolve.revoke_grant(info.context, input.grant_id)

    @strawberry.mutation(
        permission_classes=[Authenticated],
        extensions=[Idempotent(CredentialOutcome, IssueStorageCredentialPayload.of)],
        graphql_type=IssueStorageCredentialPayload | None,
        description="Issue a direct credential to a bucket. Fails closed (a userError naming the "
        "capability) until the provider's direct_credentials capability is validated.",
    )
    async def issue_storage_credential(
        self,
        info: Info,
        input: Annotated[IssueStorageCredentialInput, strawberry.argument(description="The bucket and permission.")],
    ) -> CredentialOutcome:
        return await resolve.issue_credential(info.context, input.bucket_id, wire(input.permission))
