"""The launch wizards' steps and the inputs of each step, as plain models (JSON in drafts, typed here).

Three wizards: compute, app and storage. Every field is optional so a draft can hold a half-filled step;
validation (``resolvers.launch.validation``) says what a step still needs. Ids are the API's global ids, kept as
sent so a draft replays exactly what the user chose.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

LaunchKind = Literal["compute", "app", "storage"]
STEPS: dict[str, tuple[str, ...]] = {
    "compute": ("basics", "hardware", "image", "access", "storage", "network", "review"),
    "app": ("basics", "app", "hardware", "access", "storage", "network", "review"),
    "storage": ("basics", "bucket", "sharing", "review"),
}
STEP_TITLES = {
    "basics": "Project and name",
    "hardware": "GPUs and region",
    "image": "Image and command",
    "app": "App settings",
    "access": "SSH key and service account",
    "storage": "Buckets to mount",
    "network": "Network and firewall",
    "review": "Review and launch",
    "bucket": "Provider, region and quota",
    "sharing": "Share with other projects",
}
# Which service keeps a kind's drafts.
DRAFT_DOMAIN = {"compute": "workloads", "app": "workloads", "storage": "storage"}


class StepModel(BaseModel):
    """Base of every step's inputs: unknown fields are refused, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _enum_as_wire_value(cls, value: Any) -> Any:
        """GraphQL enums (provider, permission) arrive as members; drafts store their wire value."""
        return value.value if isinstance(value, Enum) else value


class EnvVar(StepModel):
    """One environment variable of a compute launch (non-secret)."""

    name: str = Field(description="Variable name (A-Z, 0-9, _); names that look like secrets are refused.")
    value: str | None = Field(default=None, description="Value (plain text: not for secrets).")


class BasicsStep(StepModel):
    """Where the launch goes and what it is called."""

    project_id: str | None = Field(default=None, description="Global id of the project the launch belongs to.")
    name: str | None = Field(default=None, description="Name of the workload or bucket (3-63 of a-z, 0-9 and '-').")


class HardwareStep(StepModel):
    """Which GPUs, how many, where."""

    gpu_model: str | None = Field(
        default=None,
        description="GPU model, as in the compute catalog (apps default to their own).",
    )
    gpu_count: int | None = Field(
        default=None,
        description="GPUs per workload; the catalog lists the shapes each model comes in.",
    )
    region: str | None = Field(default=None, description="Region to run in (default: the first region with capacity).")


class ImageStep(StepModel):
    """What a compute workload runs."""

    image: str | None = Field(default=None, description="Container image reference.")
    command: str | None = Field(default=None, description="Command to run (the image's default when empty).")
    env: list[EnvVar] = Field(default_factory=list, description="Environment variables (no secrets).")


class AppStep(StepModel):
    """Which app, and its own settings."""

    app_slug: str | None = Field(default=None, description="Slug of the app in the catalog.")
    model_name: str | None = Field(default=None, description="vLLM: the model to serve.")
    max_model_length: int | None = Field(
        default=None,
        description="vLLM: maximum context length in tokens (512-131072).",
    )
    framework: str | None = Field(default=None, description="Training: pytorch, nemo or deepspeed.")
    epochs: int | None = Field(default=None, description="Training: epochs to run (1-1000).")
    idle_timeout_minutes: int | None = Field(
        default=None,
        description="JupyterLab: minutes of inactivity before the notebook stops (5-1440).",
    )


class NewSshKey(StepModel):
    """An SSH public key to register as part of the launch."""

    name: str | None = Field(default=None, description="Name of the key.")
    public_key: str | None = Field(
        default=None,
        description="OpenSSH public key (the .pub file); private keys are refused.",
    )


class NewServiceAccount(StepModel):
    """A service account to create in the launch's project as part of the launch."""

    name: str | None = Field(default=None, description="Service account name (3-63 of a-z, 0-9 and '-').")
    description: str | None = Field(default=None, description="What the service account is for.")


class AccessStep(StepModel):
    """How the launch is reached: an SSH key and a service account, existing or created inline."""

    ssh_key_id: str | None = Field(default=None, description="Global id of one of your registered SSH keys.")
    new_ssh_key: NewSshKey | None = Field(
        default=None,
        description="Or: an SSH public key to register as part of the launch.",
    )
    service_account_id: str | None = Field(
        default=None,
        description="Global id of a service account of the launch's project.",
    )
    new_service_account: NewServiceAccount | None = Field(
        default=None,
        description="Or: a service account to create in the project with the launch (project admins).",
    )


class MountChoice(StepModel):
    """An existing bucket to mount."""

    bucket_id: str | None = Field(
        default=None,
        description="Global id of a bucket the project owns or has been granted.",
    )
    mount_path: str | None = Field(default=None, description="Where the bucket appears in the workload (under /mnt/).")
    read_only: bool = Field(default=False, description="Mount read-only (always so for read grants).")


class NewBucket(StepModel):
    """A bucket to create as part of the launch (and mount, for workloads)."""

    name: str | None = Field(default=None, description="Bucket name (3-63 of a-z, 0-9 and '-').")
    purpose: str | None = Field(default=None, description="dataset, checkpoint or artifact.")
    provider: str | None = Field(
        default=None,
        description="Storage provider (WEKA, VAST); its capabilities decide what is possible.",
    )
    region: str | None = Field(default=None, description="Region of the bucket.")
    quota_bytes: int | None = Field(default=None, description="Quota in bytes (1 GiB to 100 TiB).")
    mount_path: str | None = Field(default=None, description="Where the new bucket is mounted (workload launches).")
    read_only: bool = Field(default=False, description="Mount the new bucket read-only.")


class StorageStep(StepModel):
    """Buckets to mount: existing ones and at most one created inline."""

    mounts: list[MountChoice] = Field(default_factory=list, description="Existing buckets to mount.")
    new_bucket: NewBucket | None = Field(
        default=None,
        description="A bucket to create and mount as part of the launch.",
    )


class FirewallRule(StepModel):
    """An inbound firewall rule (not available yet)."""

    port: int | None = Field(default=None, description="Port to open (not available yet).")
    protocol: str | None = Field(default=None, description="tcp or udp (not available yet).")
    source: str | None = Field(default=None, description="Source CIDR (not available yet).")


class NetworkStep(StepModel):
    """Private network and firewall: future product, any value set is refused with NOT_YET_AVAILABLE."""

    private_network_id: str | None = Field(
        default=None,
        description="Private network to attach (not available yet: leave empty).",
    )
    firewall_rules: list[FirewallRule] = Field(
        default_factory=list,
        description="Inbound firewall rules (not available yet: leave empty).",
    )

    def is_set(self) -> bool:
        """True when the user asked for anything here."""
        return self.private_network_id is not None or bool(self.firewall_rules)


class BucketStep(StepModel):
    """The storage wizard's bucket: purpose, provider, region and quota."""

    purpose: str | None = Field(default=None, description="dataset, checkpoint or artifact.")
    provider: str | None = Field(
        default=None,
        description="Storage provider (WEKA, VAST); its capabilities decide what is possible.",
    )
    region: str | None = Field(default=None, description="Region of the bucket.")
    quota_bytes: int | None = Field(default=None, description="Quota in bytes (1 GiB to 100 TiB).")


class GrantChoice(StepModel):
    """Share the new bucket with a project at a permission level."""

    project_id: str | None = Field(default=None, description="Global id of the project to share with (same tenant).")
    permission: str | None = Field(default=None, description="READ or READ_WRITE.")


class SharingStep(StepModel):
    """Projects to share the new bucket with."""

    grants: list[GrantChoice] = Field(default_factory=list, description="Projects to share the new bucket with.")


class ReviewStep(StepModel):
    """The review step has no inputs of its own."""


STEP_MODELS: dict[str, type[StepModel]] = {
    "basics": BasicsStep,
    "hardware": HardwareStep,
    "image": ImageStep,
    "app": AppStep,
    "access": AccessStep,
    "storage": StorageStep,
    "network": NetworkStep,
    "bucket": BucketStep,
    "sharing": SharingStep,
    "review": ReviewStep,
}


class LaunchInputs(BaseModel):
    """Every step's inputs of one launch (steps the kind does not have stay empty)."""

    model_config = ConfigDict(frozen=True)

    kind: LaunchKind
    basics: BasicsStep = Field(default_factory=BasicsStep)
    hardware: HardwareStep = Field(default_factory=HardwareStep)
    image: ImageStep = Field(default_factory=ImageStep)
    app: AppStep = Field(default_factory=AppStep)
    access: AccessStep = Field(default_factory=AccessStep)
    storage: StorageStep = Field(default_factory=StorageStep)
    network: NetworkStep = Field(default_factory=NetworkStep)
    bucket: BucketStep = Field(default_factory=BucketStep)
    sharing: SharingStep = Field(default_factory=SharingStep)

    def step(self, name: str) -> StepModel:
        """The inputs of one step."""
        return ReviewStep() if name == "review" else getattr(self, name)

    @classmethod
    def from_draft(cls, kind: LaunchKind, inputs: dict[str, Any]) -> LaunchInputs:
        """From a draft's ``inputs`` (unknown steps and fields are ignored, not fatal)."""
        steps: dict[str, Any] = {}
        for name in STEPS[kind]:
            raw = inputs.get(name)
            if name == "review" or not isinstance(raw, dict):
                continue
            model = STEP_MODELS[name]
            known = {k: v for k, v in raw.items() if k in model.model_fields}
            try:
                steps[name] = model.model_validate(known)
            except ValueError:
                continue  # a step whose stored shape no longer fits starts empty again
        return cls(kind=kind, **steps)
