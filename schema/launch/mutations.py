"""Launch mutations: direct launches (compute, app) and the wizards' drafts (save, discard, staged submit)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from gateway.backends.access.models import Credential as CredentialModel
from gateway.backends.access.models import ServiceAccount as ServiceAccountModel
from gateway.backends.drafts import LaunchDraft as DraftModel
from gateway.backends.storage.models import Bucket as BucketModel
from gateway.backends.storage.models import Grant as GrantModel
from gateway.backends.workloads.models import Workload as WorkloadModel
from gateway.idempotency.outcome import MutationOutcome
from resolvers.launch import mutations as resolve
from resolvers.launch.inputs import LaunchInputs, StepModel
from schema.access.members import Credential, ServiceAccount
from schema.launch.steps import (
    LaunchAccessInput,
    LaunchAppSettingsInput,
    LaunchBasicsInput,
    LaunchBucketInput,
    LaunchHardwareInput,
    LaunchImageInput,
    LaunchNetworkInput,
    LaunchSharingInput,
    LaunchStorageInput,
)
from schema.launch.types import LaunchDraft, LaunchKind, LaunchStep
from schema.shared.mutations import IDEMPOTENCY_KEY_DESCRIPTION, UserError, run, user_errors
from schema.shared.permissions import Authenticated
from schema.shared.types import Info
from schema.storage.grants import StorageGrant
from schema.storage.types import Bucket

if TYPE_CHECKING:
    from schema.workloads.types import Workload


def _steps(given: Any, names: tuple[str, ...]) -> dict[str, StepModel]:
    """The step inputs present on a GraphQL input, as models."""
    found = {}
    for name in names:
        value = getattr(given, name, None)
        if value is not None and value is not strawberry.UNSET:
            found[name] = value.to_pydantic()
    return found


@strawberry.type(description="What a launch created: the workload (or bucket) and what was created inline for it.")
class LaunchResult:
    workload: Annotated[Workload, strawberry.lazy("schema.workloads.types")] | None = strawberry.field(
        description="The launched workload (null for storage launches or when refused)."
    )
    bucket: Bucket | None = strawberry.field(description="The bucket created by the launch, if any.")
    ssh_key: Credential | None = strawberry.field(description="The SSH key registered inline, if any (public only).")
    service_account: ServiceAccount | None = strawberry.field(description="The service account created inline, if any.")
    grants: list[StorageGrant] = strawberry.field(description="Grants created by a storage launch.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing (or not everything) was launched.")


def _launch_fields(outcome: MutationOutcome) -> dict[str, Any]:
    from schema.workloads.types import workload_type

    result = outcome.result

    def parse(name: str, model: Any) -> Any:
        value = result.get(name)
        return model.model_validate(value) if isinstance(value, dict) else None

    workload, bucket = parse("workload", WorkloadModel), parse("bucket", BucketModel)
    key, account = parse("sshKey", CredentialModel), parse("serviceAccount", ServiceAccountModel)
    return {
        "workload": workload_type(workload) if workload else None,
        "bucket": Bucket.of(bucket) if bucket else None,
        "ssh_key": Credential.of(key) if key else None,
        "service_account": ServiceAccount.of(account) if account else None,
        "grants": [StorageGrant.of(GrantModel.model_validate(g)) for g in result.get("grants") or []],
        "user_errors": user_errors(outcome),
    }


@strawberry.type(description="Result of launchCompute.")
class LaunchComputePayload(LaunchResult):
    """launchCompute payload."""


@strawberry.type(description="Result of launchApp.")
class LaunchAppPayload(LaunchResult):
    """launchApp payload."""


@strawberry.type(description="Result of submitLaunchDraft: what the draft launched, or each step's problems.")
class SubmitLaunchDraftPayload(LaunchResult):
    draft: LaunchDraft | None = strawberry.field(description="The draft, now submitted (null when refused).")


@strawberry.input(description="Launch a GPU machine from an image, reached over SSH.")
class LaunchComputeInput:
    basics: LaunchBasicsInput = strawberry.field(description="Project and name.")
    hardware: LaunchHardwareInput = strawberry.field(description="GPUs and region.")
    image: LaunchImageInput = strawberry.field(description="Image, command and environment.")
    access: LaunchAccessInput | None = strawberry.field(default=None, description="SSH key (required), new or old.")
    storage: LaunchStorageInput | None = strawberry.field(default=None, description="Buckets to mount.")
    network: LaunchNetworkInput | None = strawberry.field(default=None, description="Not available yet: leave out.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY_DESCRIPTION)


@strawberry.input(description="Launch an app from the catalog; hardware defaults to the app's.")
class LaunchAppInput:
    basics: LaunchBasicsInput = strawberry.field(description="Project and name.")
    app: LaunchAppSettingsInput = strawberry.field(description="Which app, and its settings.")
    hardware: LaunchHardwareInput | None = strawberry.field(default=None, description="GPUs and region (app defaults).")
    access: LaunchAccessInput | None = strawberry.field(default=None, description="SSH key and service account.")
    storage: LaunchStorageInput | None = strawberry.field(default=None, description="Buckets to mount.")
    network: LaunchNetworkInput | None = strawberry.field(default=None, description="Not available yet: leave out.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY_DESCRIPTION)


@strawberry.input(description="Start a draft (no draftId) or save steps of one; steps not given keep their inputs.")
class SaveLaunchDraftInput:
    draft_id: strawberry.ID | None = strawberry.field(default=None, description="The draft (absent: a new one).")
    kind: LaunchKind | None = strawberry.field(default=None, description="Which wizard (required for a new draft).")
    current_step: LaunchStep | None = strawberry.field(default=None, description="The step the user is now on.")
    basics: LaunchBasicsInput | None = strawberry.field(default=None, description="Project and name.")
    hardware: LaunchHardwareInput | None = strawberry.field(default=None, description="GPUs and region.")
    image: LaunchImageInput | None = strawberry.field(default=None, description="Image (compute).")
    app: LaunchAppSettingsInput | None = strawberry.field(default=None, description="App settings (app).")
    access: LaunchAccessInput | None = strawberry.field(default=None, description="SSH key and service account.")
    storage: LaunchStorageInput | None = strawberry.field(default=None, description="Buckets to mount.")
    network: LaunchNetworkInput | None = strawberry.field(default=None, description="Not available yet: leave out.")
    bucket: LaunchBucketInput | None = strawberry.field(default=None, description="The bucket (storage).")
    sharing: LaunchSharingInput | None = strawberry.field(default=None, description="Sharing (storage).")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY_DESCRIPTION)


@strawberry.input(description="A draft to discard or submit.")
class LaunchDraftActionInput:
    draft_id: strawberry.ID = strawberry.field(description="Global id of one of your drafts.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY_DESCRIPTION)


@strawberry.type(description="Result of saveLaunchDraft or discardLaunchDraft.")
class LaunchDraftPayload:
    draft: LaunchDraft | None = strawberry.field(description="The draft as saved (null when refused).")
    user_errors: list[UserError] = strawberry.field(description="Why the draft was not saved.")

    @classmethod
    def of(cls, outcome: MutationOutcome) -> LaunchDraftPayload:
        """From the mutation's outcome."""
        draft = outcome.result.get("draft")
        return cls(
            draft=LaunchDraft.of(DraftModel.model_validate(draft)) if isinstance(draft, dict) else None,
            user_errors=user_errors(outcome),
        )


STEP_NAMES = ("basics", "hardware", "image", "app", "access", "storage", "network", "bucket", "sharing")


@strawberry.type
class LaunchMutation:
    """Mutations of the launch wizards."""

    @strawberry.mutation(
        permission_classes=[Authenticated],
        description="Launch a compute workload (SSH key, buckets created inline as asked).",
    )
    async def launch_compute(
        self, info: Info, input: Annotated[LaunchComputeInput, strawberry.argument(description="What to launch.")]
    ) -> LaunchComputePayload | None:
        inputs = LaunchInputs(
            kind="compute", **_steps(input, ("basics", "hardware", "image", "access", "storage", "network"))
        )
        outcome = await run(info, input.idempotency_key, lambda key: resolve.launch(info.context, inputs, key))
        return LaunchComputePayload(**_launch_fields(outcome))

    @strawberry.mutation(
        permission_classes=[Authenticated],
        description="Launch an app from the catalog (dependencies created inline as asked).",
    )
    async def launch_app(
        self, info: Info, input: Annotated[LaunchAppInput, strawberry.argument(description="What to launch.")]
    ) -> LaunchAppPayload | None:
        inputs = LaunchInputs(
            kind="app", **_steps(input, ("basics", "app", "hardware", "access", "storage", "network"))
        )
        outcome = await run(info, input.idempotency_key, lambda key: resolve.launch(info.context, inputs, key))
        return LaunchAppPayload(**_launch_fields(outcome))

    @strawberry.mutation(
        permission_classes=[Authenticated],
        description="Start or save a launch draft; going back a step keeps every input.",
    )
    async def save_launch_draft(
        self, info: Info, input: Annotated[SaveLaunchDraftInput, strawberry.argument(description="Steps to save.")]
    ) -> LaunchDraftPayload | None:
        outcome = await run(
            info,
            input.idempotency_key,
            lambda key: resolve.save_draft(
                info.context,
                draft_id=input.draft_id,
                kind=input.kind.value if input.kind else None,
                current_step=input.current_step.value if input.current_step else None,
                steps=_steps(input, STEP_NAMES),
                key=key,
            ),
        )
        return LaunchDraftPayload.of(outcome)

    @strawberry.mutation(permission_classes=[Authenticated], description="Discard one of your open drafts.")
    async def discard_launch_draft(
        self, info: Info, input: Annotated[LaunchDraftActionInput, strawberry.argument(description="The draft.")]
    ) -> LaunchDraftPayload | None:
        outcome = await run(
            info, input.idempotency_key, lambda key: resolve.discard_draft(info.context, input.draft_id, key)
        )
        return LaunchDraftPayload.of(outcome)

    @strawberry.mutation(
        permission_classes=[Authenticated],
        description="Submit a draft: every step is validated (problems named by step), then the "
        "launch and its inline SSH key, bucket and service account are created.",
    )
    async def submit_launch_draft(
        self, info: Info, input: Annotated[LaunchDraftActionInput, strawberry.argument(description="The draft.")]
    ) -> SubmitLaunchDraftPayload | None:
        outcome = await run(
            info, input.idempotency_key, lambda key: resolve.submit_draft(info.context, input.draft_id, key)
        )
        draft = outcome.result.get("draft")
        return SubmitLaunchDraftPayload(
            draft=LaunchDraft.of(DraftModel.model_validate(draft)) if isinstance(draft, dict) else None,
            **_launch_fields(outcome),
        )
