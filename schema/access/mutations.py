"""Access mutations: register an SSH public key, create a service account."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.idempotency.field import Idempotent
from resolvers.access import mutations as resolve
from resolvers.access.mutations import ServiceAccountOutcome, SshKeyOutcome
from schema.access.members import Credential, ServiceAccount
from schema.shared.mutations import IDEMPOTENCY_KEY_DESCRIPTION, UserError, user_errors
from schema.shared.permissions import Authenticated
from schema.shared.types import Info


@strawberry.input(description="An SSH public key to register on your account.")
class CreateSshKeyInput:
    name: str = strawberry.field(description="Name of the key (letters, digits, '.', '_' and '-').")
    public_key: str = strawberry.field(description="OpenSSH public key (the .pub file). Private keys are refused.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY_DESCRIPTION)


@strawberry.type(description="Result of createSshKey: the key's metadata and fingerprint, never key material.")
class CreateSshKeyPayload:
    ssh_key: Credential | None = strawberry.field(description="The registered key (null when refused).")
    user_errors: list[UserError] = strawberry.field(description="Why the key was not registered.")

    @classmethod
    def of(cls, outcome: SshKeyOutcome) -> CreateSshKeyPayload:
        """From the mutation's outcome."""
        return cls(
            ssh_key=Credential.of(outcome.ssh_key) if outcome.ssh_key else None, user_errors=user_errors(outcome)
        )


@strawberry.input(description="A service account to create in a project you administer.")
class CreateServiceAccountInput:
    project_id: strawberry.ID = strawberry.field(description="Global id of the project.")
    name: str = strawberry.field(description="Name (3-63 of a-z, 0-9 and '-'), unique in the project.")
    description: str | None = strawberry.field(default=None, description="What the account is for.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY_DESCRIPTION)


@strawberry.type(description="Result of createServiceAccount.")
class CreateServiceAccountPayload:
    service_account: ServiceAccount | None = strawberry.field(description="The new account (null when refused).")
    user_errors: list[UserError] = strawberry.field(description="Why the account was not created.")

    @classmethod
    def of(cls, outcome: ServiceAccountOutcome) -> CreateServiceAccountPayload:
        """From the mutation's outcome."""
        return cls(
            service_account=ServiceAccount.of(outcome.service_account) if outcome.service_account else None,
            user_errors=user_errors(outcome),
        )


@strawberry.type
class AccessMutation:
    """Access mutations."""

    @strawberry.mutation(
        permission_classes=[Authenticated],
        extensions=[Idempotent(SshKeyOutcome, CreateSshKeyPayload.of)],
        graphql_type=CreateSshKeyPayload | None,
        description="Register an SSH public key; answers its fingerprint, never key material.",
    )
    async def create_ssh_key(
        self, info: Info, input: Annotated[CreateSshKeyInput, strawberry.argument(description="The key.")]
    ) -> SshKeyOutcome:
        return await resolve.create_ssh_key(info.context, input.name, input.public_key)

    @strawberry.mutation(
        permission_classes=[Authenticated],
        extensions=[Idempotent(ServiceAccountOutcome, CreateServiceAccountPayload.of)],
        graphql_type=CreateServiceAccountPayload | None,
        description="Create a service account in a project (project admins).",
    )
    async def create_service_account(
        self, info: Info, input: Annotated[CreateServiceAccountInput, strawberry.argument(description="The account.")]
    ) -> ServiceAccountOutcome:
        return await resolve.create_service_account(info.context, input.project_id, input.name, input.description)
