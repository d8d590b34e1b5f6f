"""Access mutations: register an SSH public key, create a service account."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.backends.access.models import Credential as CredentialModel
from gateway.backends.access.models import ServiceAccount as ServiceAccountModel
from resolvers.access import mutations as resolve
from schema.access.members import Credential, ServiceAccount
from schema.shared.mutations import IDEMPOTENCY_KEY_DESCRIPTION, UserError, run, user_errors
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


@strawberry.type
class AccessMutation:
    """Access mutations."""

    @strawberry.mutation(
        permission_classes=[Authenticated],
        description="Register an SSH public key; answers its fingerprint, never key material.",
    )
    async def create_ssh_key(
        self, info: Info, input: Annotated[CreateSshKeyInput, strawberry.argument(description="The key.")]
    ) -> CreateSshKeyPayload | None:
        outcome = await run(
            info,
            input.idempotency_key,
            lambda key: resolve.create_ssh_key(info.context, input.name, input.public_key, key),
        )
        found = outcome.result.get("sshKey")
        return CreateSshKeyPayload(
            ssh_key=Credential.of(CredentialModel.model_validate(found)) if isinstance(found, dict) else None,
            user_errors=user_errors(outcome),
        )

    @strawberry.mutation(
        permission_classes=[Authenticated], description="Create a service account in a project (project admins)."
    )
    async def create_service_account(
        self, info: Info, input: Annotated[CreateServiceAccountInput, strawberry.argument(description="The account.")]
    ) -> CreateServiceAccountPayload | None:
        outcome = await run(
            info,
            input.idempotency_key,
            lambda key: resolve.create_service_account(
                info.context, input.project_id, input.name, input.description, key
            ),
        )
        found = outcome.result.get("serviceAccount")
        return CreateServiceAccountPayload(
            service_account=ServiceAccount.of(ServiceAccountModel.model_validate(found))
            if isinstance(found, dict)
            else None,
            user_errors=user_errors(outcome),
        )
