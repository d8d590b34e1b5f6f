"""Launch wizards: the ``LaunchDraft`` type, its steps' states and its root fields (step types live in
``schema.launch.steps``)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from gateway.backends.drafts import LaunchDraft as DraftModel
from gateway.ids import encode_global_id
from resolvers.launch import inputs as steps
from resolvers.launch import queries as resolve
from resolvers.shared import shapes
from schema.access.types import Project
from schema.launch.steps import (
    LaunchAccess,
    LaunchAppSettings,
    LaunchBasics,
    LaunchBucket,
    LaunchHardware,
    LaunchImage,
    LaunchNetwork,
    LaunchSharing,
    LaunchStorage,
)
from schema.shared.mutations import UserError, user_errors
from schema.shared.types import Availability, Info, Node
from schema.workloads.apps import App

if TYPE_CHECKING:
    from schema.storage.types import Bucket
    from schema.workloads.types import Workload


@strawberry.enum(description="Which launch wizard.")
class LaunchKind(Enum):
    COMPUTE = strawberry.enum_value("compute", description="A GPU machine from an image (SSH access).")
    APP = strawberry.enum_value("app", description="An app from the catalog (JupyterLab, vLLM, training, ...).")
    STORAGE = strawberry.enum_value("storage", description="A bucket, optionally shared with other projects.")


@strawberry.enum(description="A step of a launch wizard.")
class LaunchStep(Enum):
    BASICS = strawberry.enum_value("basics", description="Project and name.")
    APP = strawberry.enum_value("app", description="App and its settings (app launches).")
    HARDWARE = strawberry.enum_value("hardware", description="GPU model, count and region.")
    IMAGE = strawberry.enum_value("image", description="Image, command and environment (compute launches).")
    ACCESS = strawberry.enum_value("access", description="SSH key and service account, existing or new.")
    STORAGE = strawberry.enum_value("storage", description="Buckets to mount, existing or new.")
    NETWORK = strawberry.enum_value("network", description="Private network and firewall (not available yet).")
    BUCKET = strawberry.enum_value("bucket", description="Purpose, provider, region and quota (storage launches).")
    SHARING = strawberry.enum_value("sharing", description="Projects to share the bucket with (storage launches).")
    REVIEW = strawberry.enum_value("review", description="Review everything, then submit.")


@strawberry.enum(description="Where a draft is in its life.")
class LaunchDraftStatus(Enum):
    OPEN = strawberry.enum_value("open", description="Being filled in.")
    SUBMITTED = strawberry.enum_value("submitted", description="Submitted: what it launched is linked.")
    DISCARDED = strawberry.enum_value("discarded", description="Discarded by its owner.")


# ---- drafts ----


@strawberry.type(description="A step of a draft's wizard: where it is and what it still needs.")
class LaunchDraftStep:
    step: LaunchStep = strawberry.field(description="Which step.")
    title: str = strawberry.field(description="Step title.")
    position: int = strawberry.field(description="1-based position in the wizard.")
    current: bool = strawberry.field(description="True for the step the user is on.")
    complete: bool = strawberry.field(description="True when the step's inputs pass validation.")
    user_errors: list[UserError] = strawberry.field(description="What the step still needs (empty when complete).")


@strawberry.type(description="A launch wizard's draft, kept by the service that will own the launch.")
class LaunchDraft(Node):
    kind: LaunchKind = strawberry.field(description="Which wizard.")
    status: LaunchDraftStatus = strawberry.field(description="Open, submitted or discarded.")
    current_step: LaunchStep = strawberry.field(description="The step the user is on.")
    created_at: datetime = strawberry.field(description="When the draft was started.")
    updated_at: datetime = strawberry.field(description="When it was last saved.")
    submitted_at: datetime | None = strawberry.field(description="When it was submitted.")
    model: strawberry.Private[DraftModel]

    @classmethod
    def of(cls, model: DraftModel) -> LaunchDraft:
        """From the owning service's draft."""
        return cls(
            id=strawberry.ID(encode_global_id("LaunchDraft", model.id)),
            kind=LaunchKind(model.kind),
            status=LaunchDraftStatus(model.status),
            current_step=LaunchStep(model.current_step),
            created_at=model.created_at,
            updated_at=model.updated_at,
            submitted_at=model.submitted_at,
            model=model,
        )

    def _inputs(self) -> steps.LaunchInputs:
        return steps.LaunchInputs.from_draft(self.model.kind, self.model.inputs)

    def _has(self, step: str) -> bool:
        return step in steps.STEPS[self.model.kind]

    @strawberry.field(
        description="The wizard's steps in order, with what each still needs (null with an error when a service the "
        "checks read does not answer, so the rest of the draft and the page still render)."
    )
    async def steps(self, info: Info) -> list[LaunchDraftStep] | None:
        problems = await resolve.step_problems(info.context, self.model)
        order = steps.STEPS[self.model.kind]
        return [
            LaunchDraftStep(
                step=LaunchStep(name),
                title=steps.STEP_TITLES[name],
                position=index,
                current=name == self.model.current_step,
                complete=not problems.get(name),
                user_errors=user_errors(resolve.as_outcome(problems.get(name, []))),
            )
            for index, name in enumerate(order, start=1)
        ]

    @strawberry.field(description="The project the draft launches into (null until chosen or if not visible).")
    async def project(self, info: Info) -> Project | None:
        found = await resolve.project(info.context, self.model)
        return Project.of(found) if found else None

    @strawberry.field(description="The app an app launch starts (null for other wizards or until chosen).")
    async def app(self, info: Info) -> App | None:
        found = await resolve.app(info.context, self.model)
        return App.of(found) if found else None

    @strawberry.field(description="Project and name, as saved.")
    def basics(self) -> LaunchBasics:
        return LaunchBasics.from_pydantic(self._inputs().basics)

    @strawberry.field(description="GPUs and region, as saved (null for storage drafts).")
    def hardware(self) -> LaunchHardware | None:
        return LaunchHardware.from_pydantic(self._inputs().hardware) if self._has("hardware") else None

    @strawberry.field(description="Image, command and environment, as saved (compute drafts).")
    def image(self) -> LaunchImage | None:
        return LaunchImage.from_pydantic(self._inputs().image) if self._has("image") else None

    @strawberry.field(description="App settings, as saved (app drafts).")
    def app_settings(self) -> LaunchAppSettings | None:
        return LaunchAppSettings.from_pydantic(self._inputs().app) if self._has("app") else None

    @strawberry.field(description="SSH key and service account, as saved (compute and app drafts).")
    def access(self) -> LaunchAccess | None:
        return LaunchAccess.from_pydantic(self._inputs().access) if self._has("access") else None

    @strawberry.field(description="Buckets to mount, as saved (compute and app drafts).")
    def storage(self) -> LaunchStorage | None:
        return LaunchStorage.from_pydantic(self._inputs().storage) if self._has("storage") else None

    @strawberry.field(description="Network and firewall, as saved (always empty: not available yet).")
    def network(self) -> LaunchNetwork | None:
        return LaunchNetwork.from_pydantic(self._inputs().network) if self._has("network") else None

    @strawberry.field(
        description="Whether network and firewall settings can be used (not yet: FUTURE).", graphql_type=Availability
    )
    def network_availability(self) -> shapes.Availability:
        return resolve.NETWORK_AVAILABILITY

    @strawberry.field(description="The storage wizard's bucket, as saved (storage drafts).")
    def bucket(self) -> LaunchBucket | None:
        return LaunchBucket.from_pydantic(self._inputs().bucket) if self._has("bucket") else None

    @strawberry.field(description="Projects to share with, as saved (storage drafts).")
    def sharing(self) -> LaunchSharing | None:
        return LaunchSharing.from_pydantic(self._inputs().sharing) if self._has("sharing") else None

    @strawberry.field(description="The workload the submitted draft launched (null before).")
    async def launched_workload(
        self, info: Info
    ) -> Annotated[Workload, strawberry.lazy("schema.workloads.types")] | None:
        from schema.workloads.types import workload_type

        found = await resolve.launched_workload(info.context, self.model)
        return workload_type(found) if found else None

    @strawberry.field(description="The bucket the submitted storage draft created (null before).")
    async def created_bucket(self, info: Info) -> Annotated[Bucket, strawberry.lazy("schema.storage.types")] | None:
        from schema.storage.types import Bucket

        found = await resolve.created_bucket(info.context, self.model)
        return Bucket.of(found) if found else None
