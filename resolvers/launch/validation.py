"""Staged validation of launch inputs: every step's problems, named by step, before anything is created.

``validate`` checks each step of the kind in wizard order and returns the problems per step plus, when
there are none, the ``LaunchPlan`` to execute (ids decoded, defaults from the app applied, referenced
objects resolved). It reads through the request's loaders and never writes. Problems are userErrors whose
``field`` is ``root + (step, field...)`` in the API's camelCase.
"""

from __future__ import annotations

import asyncio

from gateway.backends.access.models import Project
from gateway.backends.platform.models import GpuSku
from gateway.backends.workloads.models import App
from gateway.context import RequestContext
from gateway.idempotency.outcome import UserError
from gateway.viewer import Viewer
from resolvers.access.ssh_keys import PublicKey, parse_public_key
from resolvers.launch.inputs import STEPS, LaunchInputs
from resolvers.launch.plan import (
    BUCKET_NAME,
    ENV_NAME,
    FRAMEWORKS,
    KEY_NAME,
    MAX_ENV,
    WORKLOAD_NAME,
    LaunchPlan,
    Problems,
    local_or_none,
    nothing,
)
from resolvers.launch.quota import gpu_quota_problem
from resolvers.launch.validation_storage import storage_step, storage_wizard
from resolvers.workloads.queries import is_secret_name


async def validate(
    ctx: RequestContext, inputs: LaunchInputs, root: tuple[str, ...]
) -> tuple[dict[str, list[UserError]], LaunchPlan | None]:
    """Problems of every step (only steps with problems appear) and the plan when there are none."""
    problems = Problems(root)
    viewer = await ctx.viewer()
    project = await _basics(ctx, viewer, inputs, problems)
    name = (inputs.basics.name or "").strip()
    plan = LaunchPlan(kind=inputs.kind, viewer=viewer, project=project, name=name) if project else None
    if inputs.kind == "storage":
        await storage_wizard(ctx, viewer, inputs, problems, plan)
    else:
        await _workload_steps(ctx, viewer, inputs, problems, plan)
    ordered = {step: problems.by_step[step] for step in STEPS[inputs.kind] if step in problems.by_step}
    return ordered, (plan if not ordered else None)


async def _basics(ctx: RequestContext, viewer: Viewer, inputs: LaunchInputs, problems: Problems) -> Project | None:
    basics = inputs.basics
    pattern = BUCKET_NAME if inputs.kind == "storage" else WORKLOAD_NAME
    if not basics.name:
        problems.add("basics", "Name the launch.", "REQUIRED", "name")
    elif not pattern.match(basics.name):
        problems.add(
            "basics",
            "Names are 3-63 characters of a-z, 0-9 and '-', starting with a letter or digit.",
            "INVALID",
            "name",
        )
    if not basics.project_id:
        problems.add("basics", "Choose a project.", "REQUIRED", "projectId")
        return None
    project_id = local_or_none(basics.project_id, "Project")
    if project_id is None or not viewer.can_see_project(project_id):
        problems.add("basics", "No project with this id.", "NOT_FOUND", "projectId")
        return None
    return await ctx.loaders.access.projects.load(project_id)


async def _workload_steps(
    ctx: RequestContext, viewer: Viewer, inputs: LaunchInputs, problems: Problems, plan: LaunchPlan | None
) -> None:
    skus, apps = await asyncio.gather(ctx.loaders.platform.gpu_skus.get(), ctx.loaders.workloads.apps.get())
    app = None
    if inputs.kind == "app":
        app = _app_step(inputs, apps, problems)
    hardware = inputs.hardware
    defaults = app.launch_defaults if app else None
    model = hardware.gpu_model or (defaults.gpu_model if defaults else None)
    count = hardware.gpu_count or (defaults.gpu_count if defaults else None)
    region = _hardware_step(skus, model, count, hardware.region, problems)
    if plan is not None and model and count and "hardware" not in problems.by_step:
        over = await gpu_quota_problem(ctx, plan.project, model, count)
        if over is not None:
            problems.add("hardware", over, "QUOTA_EXCEEDED", "gpuCount")
    image = None
    if inputs.kind == "compute":
        image = _image_step(inputs, problems)
    needs: set[str] = {d.kind for d in app.dependencies if d.required} if app else {"ssh_key"}
    # Independent steps read concurrently: the launch's latency is its longest read chain, not the sum.
    access, _ = await asyncio.gather(
        _access_step(ctx, viewer, inputs, needs, problems, plan),
        storage_step(ctx, viewer, inputs, needs, problems, plan),
    )
    if inputs.network.is_set():
        step = inputs.network
        path = "privateNetworkId" if step.private_network_id is not None else "firewallRules"
        problems.add(
            "network",
            "Private networks and firewall rules are not available yet; leave them empty.",
            "NOT_YET_AVAILABLE",
            path,
        )
    if plan is not None:
        plan.app, plan.gpu_model, plan.gpu_count, plan.region = app, model, count, region
        plan.image = image or (defaults.image if defaults else None)
        plan.command = inputs.image.command if inputs.kind == "compute" else None
        plan.env = [{"name": e.name, "value": e.value} for e in inputs.image.env] if inputs.kind == "compute" else []
        app_step = inputs.app
        plan.settings = {
            k: v
            for k, v in {
                "model_name": app_step.model_name,
                "max_model_length": app_step.max_model_length,
                "framework": app_step.framework,
                "epochs": app_step.epochs,
                "idle_timeout_minutes": app_step.idle_timeout_minutes,
            }.items()
            if v is not None
        }
        plan.ssh_key_ids, plan.new_ssh_key, plan.service_account_id, plan.new_service_account = access


def _app_step(inputs: LaunchInputs, apps: list[App], problems: Problems) -> App | None:
    step = inputs.app
    if not step.app_slug:
        problems.add("app", "Choose an app.", "REQUIRED", "appSlug")
        return None
    app = next((a for a in apps if a.slug == step.app_slug), None)
    if app is None:
        problems.add("app", f"No app {step.app_slug!r} in the catalog.", "NOT_FOUND", "appSlug")
        return None
    kind = app.workload_kind
    checks = (
        (step.max_model_length, kind == "vllm", 512, 131072, "maxModelLength", "Context length"),
        (step.epochs, kind == "training", 1, 1000, "epochs", "Epochs"),
        (step.idle_timeout_minutes, kind == "jupyter", 5, 1440, "idleTimeoutMinutes", "Idle timeout"),
    )
    for value, applies, low, high, path, label in checks:
        if value is not None and not applies:
            problems.add("app", f"{label} does not apply to {app.name}.", "INVALID", path)
        elif value is not None and not low <= value <= high:
            problems.add("app", f"{label} must be between {low} and {high}.", "INVALID", path)
    if step.model_name is not None and (kind != "vllm" or not 1 <= len(step.model_name) <= 200):
        problems.add("app", "A model name applies to vLLM only and is at most 200 characters.", "INVALID", "modelName")
    if step.framework is not None and (kind != "training" or step.framework not in FRAMEWORKS):
        problems.add("app", f"Training frameworks are {', '.join(FRAMEWORKS)}.", "INVALID", "framework")
    return app


def _hardware_step(
    skus: list[GpuSku], model: str | None, count: int | None, region: str | None, problems: Problems
) -> str | None:
    if not model:
        problems.add("hardware", "Choose a GPU model.", "REQUIRED", "gpuModel")
        return None
    shapes = [s for s in skus if s.gpu_model == model]
    if not shapes:
        problems.add("hardware", f"No GPU model {model!r} is for sale.", "INVALID", "gpuModel")
        return None
    sku = next((s for s in shapes if s.gpu_count == count), None)
    if sku is None:
        counts = " or ".join(str(c) for c in sorted({s.gpu_count for s in shapes}))
        problems.add(
            "hardware",
            f"{model} comes in {counts} GPUs per workload.",
            "REQUIRED" if count is None else "INVALID",
            "gpuCount",
        )
        return None
    open_regions = [r.region for r in sku.regions if r.state != "sold_out"]
    chosen = region or (open_regions[0] if open_regions else None)
    capacity = next((r for r in sku.regions if r.region == chosen), None)
    if capacity is None:
        if region is None:
            problems.add("hardware", f"{sku.name} is sold out in every region.", "CAPACITY_UNAVAILABLE", "region")
        else:
            problems.add("hardware", f"{sku.name} is not offered in {region}.", "INVALID", "region")
        return None
    if capacity.state == "sold_out":
        problems.add(
            "hardware", f"{sku.name} is sold out in {chosen}; choose another region.", "CAPACITY_UNAVAILABLE", "region"
        )
        return None
    return chosen


def _image_step(inputs: LaunchInputs, problems: Problems) -> str | None:
    step = inputs.image
    if not step.image:
        problems.add("image", "Choose a container image.", "REQUIRED", "image")
    elif len(step.image) > 512 or any(c.isspace() for c in step.image):
        problems.add("image", "An image reference has no spaces and is at most 512 characters.", "INVALID", "image")
    if step.command is not None and len(step.command) > 1024:
        problems.add("image", "The command is at most 1024 characters.", "INVALID", "command")
    if len(step.env) > MAX_ENV:
        problems.add("image", f"At most {MAX_ENV} environment variables.", "INVALID", "env")
    for index, entry in enumerate(step.env[:MAX_ENV]):
        if not ENV_NAME.match(entry.name):
            problems.add("image", "Variable names are A-Z, 0-9 and '_'.", "INVALID", "env", str(index), "name")
        elif is_secret_name(entry.name):
            problems.add(
                "image",
                f"{entry.name} looks like a secret: store secrets in a secret manager, not in "
                "plain environment variables.",
                "INVALID",
                "env",
                str(index),
                "name",
            )
    return step.image


async def _access_step(
    ctx: RequestContext,
    viewer: Viewer,
    inputs: LaunchInputs,
    needs: set[str],
    problems: Problems,
    plan: LaunchPlan | None,
) -> tuple[list[str], tuple[str, PublicKey] | None, str | None, tuple[str, str] | None]:
    step = inputs.access
    key_ids: list[str] = []
    new_key: tuple[str, PublicKey] | None = None
    credential_id = local_or_none(step.ssh_key_id, "Credential")
    account_id_asked = local_or_none(step.service_account_id, "ServiceAccount")
    credential, account = await asyncio.gather(
        ctx.loaders.access.credentials.load(credential_id) if credential_id else nothing(),
        ctx.loaders.access.service_accounts.load(account_id_asked) if account_id_asked else nothing(),
    )
    if step.ssh_key_id and step.new_ssh_key:
        problems.add("access", "Choose an existing SSH key or add a new one, not both.", "INVALID", "newSshKey")
    elif step.ssh_key_id:
        if (
            credential is None
            or credential.kind != "ssh_key"
            or credential.owner_id != viewer.user.id
            or credential.revoked_at is not None
        ):
            problems.add("access", "No SSH key of yours with this id.", "NOT_FOUND", "sshKeyId")
        else:
            key_ids = [credential.id]
    elif step.new_ssh_key:
        name, text = step.new_ssh_key.name or "", step.new_ssh_key.public_key or ""
        if not KEY_NAME.match(name):
            problems.add("access", "Name the key (letters, digits, '.', '_' and '-').", "INVALID", "newSshKey", "name")
        parsed = parse_public_key(text)
        if isinstance(parsed, str):
            problems.add("access", parsed, "INVALID", "newSshKey", "publicKey")
        else:
            new_key = (name, parsed)
    elif "ssh_key" in needs:
        problems.add("access", "This launch needs an SSH key: choose one or add a public key.", "REQUIRED", "sshKeyId")
    account_id: str | None = None
    new_account: tuple[str, str] | None = None
    if step.service_account_id and step.new_service_account:
        problems.add(
            "access", "Choose an existing service account or create one, not both.", "INVALID", "newServiceAccount"
        )
    elif step.service_account_id:
        if account is None or plan is None or account.project_id != plan.project.id or account.disabled:
            problems.add(
                "access",
                "No active service account with this id in the launch's project.",
                "NOT_FOUND",
                "serviceAccountId",
            )
        else:
            account_id = account.id
    elif step.new_service_account:
        name = step.new_service_account.name or ""
        if not WORKLOAD_NAME.match(name):
            problems.add(
                "access", "Service account names are 3-63 of a-z, 0-9 and '-'.", "INVALID", "newServiceAccount", "name"
            )
        elif plan is not None and viewer.project_roles.get(plan.project.id) != "admin":
            problems.add(
                "access",
                "Only project admins can create service accounts; ask one or pick an existing account.",
                "NOT_PERMITTED",
                "newServiceAccount",
            )
        else:
            new_account = (name, (step.new_service_account.description or "")[:500])
    elif "service_account" in needs:
        problems.add(
            "access", "This app needs a service account: choose one or create one.", "REQUIRED", "serviceAccountId"
        )
    return key_ids, new_key, account_id, new_account
