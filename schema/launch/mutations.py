"""Launch mutations: direct launches (compute, app) and the wizards' drafts (save, discard, staged submit)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry

from gateway.idempotency.field import Idempotent
from resolvers.launch import mutations as resolve
from resolvers.launch.execution import LaunchOutcome
from resolvers.launch.inputs import LaunchInputs, StepModel
from resolvers.launch.inputs import LaunchKind as LaunchKindValue
from resolvers.launch.mutations import DraftOutcome
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
from schema.shared.mutations import IDEMPOTENCY_KEY_DESCRIPTION, UserError, user_errors
from schema.shared.permissions import Authenticated
from schema.shared.types import Info, wire
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


def _launch_fields(outcome: LaunchOutcome) -> dict[str, Any]:
    """The fields every launch payload shares, from the launch's outcome."""
    from schema.workloads.types import workload_type

    return {
        "workload": workload_type(outcome.workload) if outcome.workload else None,
        "bucket": Bucket.of(outcome.bucket) if outcome.bucket else None,
        "ssh_key": Credential.of(outcome.ssh_key) if outcome.ssh_key else None,
        "service_account": ServiceAccount.of(outcome.service_account) if outcome.service_account else None,
        "grants": [StorageGrant.of(g) for g in outcome.grants],
        "user_errors": user_errors(outcome),
    }


@strawberry.type(description="Result of launchCompute.")
class LaunchComputePayload(LaunchResult):
    """launchCompute payload."""

    @classmethod
    def of(cls, outcome: LaunchOutcome) -> LaunchComputePayload:
        """From the mutation's outcome."""
        return cls(**_launch_fields(outcome))


@strawberry.type(description="Result of launchApp.")
class LaunchAppPayload(LaunchResult):
    """launchApp payload."""

    @classmethod
    def of(cls, outcome: LaunchOutcome) -> LaunchAppPayload:
        """From the mutation's outcome."""
        return cls(**_launch_fields(outcome))


@strawberry.type(description="Result of submitLaunchDraft: what the draft launched, or each step's problems.")
class SubmitLaunchDraftPayload(LaunchResult):
    draft: LaunchDraft | None = strawberry.field(description="The draft, now submitted (null when refused).")

    @classmethod
    def of(cls, outcome: LaunchOutcome) -> SubmitLaunchDraftPayload:
        """From the mutation's outcome."""
        return cls(draft=LaunchDraft.of(outcome.draft) if outcome.draft else None, **_launch_fields(outcome))


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
    def of(cls, outcome: DraftOutcome) -> LaunchDraftPayload:
        """From the mutation's outcome."""
        return cls(draft=LaunchDraft.of(outcome.draft) if outcome.draft else None, user_errors=user_errors(outcome))


STEP_NAMES = ("basics", "hardware", "image", "app", "access", "storage", "network", "bucket", "sharing")


@strawberry.type
class LaunchMutation:
    """Mutations of the launch wizards."""

    @strawberry.mutation(
        permission_classes=[Authenticated],
        extensions=[Idempotent(LaunchOutcome, LaunchComputePayload.of)],
        graphql_type=LaunchComputePayload | None,
        description="Launch a compute workload (SSH key, buckets created inline as asked).",
    )
    async def launch_compute(
        self, info: Info, input: Annotated[LaunchComputeInput, strawberry.argument(description="What to launch.")]
    ) -> LaunchOutcome:
        inputs = LaunchInputs(
            kind="compute", **_steps(input, ("basics", "hardware", "image", "access", "storage", "network"))
        )
        return await resolve.launch(info.context, inputs)

    @strawberry.mutation(
        permission_classes=[Authenticated],
        extensions=[Idempotent(LaunchOutcome, LaunchAppPayload.of)],
        graphql_type=LaunchAppPayload | None,
        description="Launch an app from the catalog (dependencies created inline as asked).",
    )
    async def launch_app(
        self, info: Info, input: Annotated[LaunchAppInput, strawberry.argument(description="What to launch.")]
    ) -> LaunchOutcome:
        inputs = LaunchInputs(
            kind="app", **_steps(input, ("basics", "app", "hardware", "access", "storage", "network"))
        )
        return await resolve.launch(info.context, inputs)

    @strawberry.mutation(
        permission_classes=[Authenticated],
        extensions=[Idempotent(DraftOutcome, LaunchDraftPayload.of)],
        graphql_type=LaunchDraftPayload | None,
        description="Start or save a launch draft; going back a step keeps every input.",
    )
    async def save_launch_draft(
        self, info: Info, input: Annotated[SaveLaunchDraftInput, strawberry.argument(description="Steps to save.")]
    ) -> DraftOutcome:
        return await resolve.save_draft(
            info.context,
            draft_id=input.draft_id,
            kind=cast(LaunchKindValue, input.kind.value) if input.kind else None,
            current_step=wire(input.current_step) if input.current_step else None,
            steps=_steps(input, STEP_NAMES),
        )

    @strawberry.mutation(
        permission_classes=[Authenticated],
        extensions=[Idempotent(DraftOutcome, LaunchDraftPayload.of)],
        graphql_type=LaunchDraftPayload | None,
        description="Discard one of your open drafts.",
    )
    async def discard_launch_draft(
        self, info: Info, input: Annotated[LaunchDraftActionInput, strawberry.argument(description="The draft.")]
    ) -> DraftOutcome:
        return await resolve.discard_draft(info.context, input.draft_id)

    @strawberry.mutation(
        permission_classes=[Authenticated],
        extensions=[Idempotent(LaunchOutcome, SubmitLaunchDraftPayload.of)],
        graphql_type=SubmitLaunchDraftPayload | None,
        description="Submit a draft: every step is validated (problems named by step), then the "
        "launch and its inline SSH key, bucket and service account are created.",
    )
    async def submit_launch_draft(
        self, info: Info, input: Annotated[LaunchDraftActionInput, strawberry.argument(description="The draft.")]
    ) -> LaunchOutcome:
        return await resolve.submit_draft(info.context, input.draft_id)
