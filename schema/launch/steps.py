"""The launch wizards' step types: each step's inputs as GraphQL input types (mutations) and, read back
from drafts, as output types. Generated from ``resolvers.launch.inputs``'s models, so the wizard, the drafts
and the direct launches share one definition of every field.
"""

from __future__ import annotations

import strawberry
from strawberry.experimental import pydantic as from_model

from resolvers.launch import inputs as steps
from schema.shared.types import BigInt
from schema.storage.grants import GrantPermission
from schema.storage.types import StorageProviderKind

# ---- step inputs (mutations) ----


@from_model.input(model=steps.EnvVar, name="LaunchEnvVarInput", description="An environment variable (no secrets).")
class LaunchEnvVarInput:
    name: strawberry.auto
    value: strawberry.auto


@from_model.input(model=steps.BasicsStep, name="LaunchBasicsInput", description="Project and name of a launch.")
class LaunchBasicsInput:
    project_id: strawberry.ID | None = None
    name: strawberry.auto


@from_model.input(model=steps.HardwareStep, name="LaunchHardwareInput", description="GPUs and region of a launch.")
class LaunchHardwareInput:
    gpu_model: strawberry.auto
    gpu_count: strawberry.auto
    region: strawberry.auto


@from_model.input(model=steps.ImageStep, name="LaunchImageInput", description="What a compute launch runs.")
class LaunchImageInput:
    image: strawberry.auto
    command: strawberry.auto
    env: strawberry.auto


@from_model.input(model=steps.AppStep, name="LaunchAppSettingsInput", description="The app and its own settings.")
class LaunchAppSettingsInput:
    app_slug: strawberry.auto
    model_name: strawberry.auto
    max_model_length: strawberry.auto
    framework: strawberry.auto
    epochs: strawberry.auto
    idle_timeout_minutes: strawberry.auto


@from_model.input(model=steps.NewSshKey, name="LaunchNewSshKeyInput", description="An SSH public key to register.")
class LaunchNewSshKeyInput:
    name: strawberry.auto
    public_key: strawberry.auto


@from_model.input(
    model=steps.NewServiceAccount,
    name="LaunchNewServiceAccountInput",
    description="A service account to create with the launch.",
)
class LaunchNewServiceAccountInput:
    name: strawberry.auto
    description: strawberry.auto


@from_model.input(
    model=steps.AccessStep,
    name="LaunchAccessInput",
    description="SSH key and service account of a launch, existing or created inline.",
)
class LaunchAccessInput:
    ssh_key_id: strawberry.ID | None = None
    new_ssh_key: strawberry.auto
    service_account_id: strawberry.ID | None = None
    new_service_account: strawberry.auto


@from_model.input(model=steps.MountChoice, name="LaunchMountInput", description="An existing bucket to mount.")
class LaunchMountInput:
    bucket_id: strawberry.ID | None = None
    mount_path: strawberry.auto
    read_only: strawberry.auto


@from_model.input(model=steps.NewBucket, name="LaunchNewBucketInput", description="A bucket to create with the launch.")
class LaunchNewBucketInput:
    name: strawberry.auto
    purpose: strawberry.auto
    provider: StorageProviderKind | None = None
    region: strawberry.auto
    quota_bytes: BigInt | None = None
    mount_path: strawberry.auto
    read_only: strawberry.auto


@from_model.input(model=steps.StorageStep, name="LaunchStorageInput", description="Buckets a launch mounts.")
class LaunchStorageInput:
    mounts: strawberry.auto
    new_bucket: strawberry.auto


@from_model.input(
    model=steps.FirewallRule,
    name="LaunchFirewallRuleInput",
    description="An inbound firewall rule (not available yet).",
)
class LaunchFirewallRuleInput:
    port: strawberry.auto
    protocol: strawberry.auto
    source: strawberry.auto


@from_model.input(
    model=steps.NetworkStep,
    name="LaunchNetworkInput",
    description="Network and firewall: not available yet; setting anything is a NOT_YET_AVAILABLE error.",
)
class LaunchNetworkInput:
    private_network_id: strawberry.ID | None = None
    firewall_rules: strawberry.auto


@from_model.input(model=steps.BucketStep, name="LaunchBucketInput", description="The storage wizard's bucket.")
class LaunchBucketInput:
    purpose: strawberry.auto
    provider: StorageProviderKind | None = None
    region: strawberry.auto
    quota_bytes: BigInt | None = None


@from_model.input(model=steps.GrantChoice, name="LaunchGrantInput", description="Share the new bucket with a project.")
class LaunchGrantInput:
    project_id: strawberry.ID | None = None
    permission: GrantPermission | None = None


@from_model.input(model=steps.SharingStep, name="LaunchSharingInput", description="Projects to share the bucket with.")
class LaunchSharingInput:
    grants: strawberry.auto


# ---- step inputs as saved in drafts (reads) ----


@from_model.type(model=steps.EnvVar, name="LaunchEnvVar", description="An environment variable of a draft.")
class LaunchEnvVar:
    name: strawberry.auto
    value: strawberry.auto


@from_model.type(model=steps.BasicsStep, name="LaunchBasics", description="Project and name, as saved.")
class LaunchBasics:
    project_id: strawberry.ID | None
    name: strawberry.auto


@from_model.type(model=steps.HardwareStep, name="LaunchHardware", description="GPUs and region, as saved.")
class LaunchHardware:
    gpu_model: strawberry.auto
    gpu_count: strawberry.auto
    region: strawberry.auto


@from_model.type(model=steps.ImageStep, name="LaunchImage", description="Image, command and environment, as saved.")
class LaunchImage:
    image: strawberry.auto
    command: strawberry.auto
    env: strawberry.auto


@from_model.type(model=steps.AppStep, name="LaunchAppSettings", description="App and settings, as saved.")
class LaunchAppSettings:
    app_slug: strawberry.auto
    model_name: strawberry.auto
    max_model_length: strawberry.auto
    framework: strawberry.auto
    epochs: strawberry.auto
    idle_timeout_minutes: strawberry.auto


@from_model.type(model=steps.NewSshKey, name="LaunchNewSshKey", description="An SSH public key to register, as saved.")
class LaunchNewSshKey:
    name: strawberry.auto
    public_key: strawberry.auto


@from_model.type(
    model=steps.NewServiceAccount, name="LaunchNewServiceAccount", description="A service account to create, as saved."
)
class LaunchNewServiceAccount:
    name: strawberry.auto
    description: strawberry.auto


@from_model.type(model=steps.AccessStep, name="LaunchAccess", description="SSH key and service account, as saved.")
class LaunchAccess:
    ssh_key_id: strawberry.ID | None
    new_ssh_key: strawberry.auto
    service_account_id: strawberry.ID | None
    new_service_account: strawberry.auto


@from_model.type(model=steps.MountChoice, name="LaunchMount", description="A bucket to mount, as saved.")
class LaunchMount:
    bucket_id: strawberry.ID | None
    mount_path: strawberry.auto
    read_only: strawberry.auto


@from_model.type(model=steps.NewBucket, name="LaunchNewBucket", description="A bucket to create, as saved.")
class LaunchNewBucket:
    name: strawberry.auto
    purpose: strawberry.auto
    provider: StorageProviderKind | None
    region: strawberry.auto
    quota_bytes: BigInt | None
    mount_path: strawberry.auto
    read_only: strawberry.auto


@from_model.type(model=steps.StorageStep, name="LaunchStorage", description="Buckets to mount, as saved.")
class LaunchStorage:
    mounts: strawberry.auto
    new_bucket: strawberry.auto


@from_model.type(model=steps.FirewallRule, name="LaunchFirewallRule", description="A firewall rule, as saved.")
class LaunchFirewallRule:
    port: strawberry.auto
    protocol: strawberry.auto
    source: strawberry.auto


@from_model.type(model=steps.NetworkStep, name="LaunchNetwork", description="Network and firewall, as saved.")
class LaunchNetwork:
    private_network_id: strawberry.ID | None
    firewall_rules: strawberry.auto


@from_model.type(model=steps.BucketStep, name="LaunchBucket", description="The storage wizard's bucket, as saved.")
class LaunchBucket:
    purpose: strawberry.auto
    provider: StorageProviderKind | None
    region: strawberry.auto
    quota_bytes: BigInt | None


@from_model.type(model=steps.GrantChoice, name="LaunchGrant", description="A project to share with, as saved.")
class LaunchGrant:
    project_id: strawberry.ID | None
    permission: GrantPermission | None


@from_model.type(model=steps.SharingStep, name="LaunchSharing", description="Projects to share with, as saved.")
class LaunchSharing:
    grants: strawberry.auto
