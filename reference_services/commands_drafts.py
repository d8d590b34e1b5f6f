"""Launch drafts: a wizard's steps and every input, kept by the service that will own the launch.

The workloads service keeps compute and app drafts, the storage service storage drafts. A draft holds the
inputs of each step separately (``inputs[step]``), so saving one step never touches another and going back a
step finds its inputs intact. The gateway validates the inputs; the service checks shape, size and state.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from reference_services._commands import Command, CommandRequest, Document, Rejected

RESOURCE = "launch-drafts"
MAX_INPUTS_BYTES = 32 * 1024


def draft_commands(steps_by_kind: Mapping[str, tuple[str, ...]], id_prefix: str) -> tuple[Command, ...]:
    """Create, save, discard and submit commands for drafts of the given kinds and their steps.

    ``id_prefix`` starts every draft id, so a draft id names the service that keeps it.
    """

    def check_inputs(request: CommandRequest, kind: str) -> dict[str, Any]:
        inputs = request.body.get("inputs") or {}
        if not isinstance(inputs, dict) or not all(isinstance(v, dict) for v in inputs.values()):
            raise Rejected(400, "bad_field", "`inputs` maps step names to objects", "inputs")
        unknown = sorted(set(inputs) - set(steps_by_kind[kind]))
        if unknown:
            raise Rejected(422, "unknown_step", f"{kind} drafts have no step(s) {', '.join(unknown)}", "inputs")
        if len(json.dumps(inputs)) > MAX_INPUTS_BYTES:
            raise Rejected(422, "draft_too_large", f"draft inputs are at most {MAX_INPUTS_BYTES} bytes", "inputs")
        return inputs

    def check_step(request: CommandRequest, kind: str, default: str) -> str:
        step = request.text("current_step", required=False, max_length=64) or default
        if step not in steps_by_kind[kind]:
            raise Rejected(422, "unknown_step", f"{kind} drafts have no step {step!r}", "current_step")
        return step

    def create(request: CommandRequest) -> Document:
        kind = request.text("kind", max_length=32)
        if kind not in steps_by_kind:
            raise Rejected(422, "unknown_kind", f"this service keeps drafts of kinds {sorted(steps_by_kind)}", "kind")
        draft = {
            "id": request.new_id(id_prefix),
            "tenant_id": request.text("tenant_id", max_length=128),
            "owner_id": request.text("owner_id", max_length=128),
            "project_id": request.text("project_id", required=False, max_length=128),
            "app_slug": request.text("app_slug", required=False, max_length=128),
            "kind": kind,
            "steps": list(steps_by_kind[kind]),
            "current_step": check_step(request, kind, steps_by_kind[kind][0]),
            "inputs": check_inputs(request, kind),
            "status": "open",
            "created_at": request.now,
            "updated_at": request.now,
            "submitted_at": None,
            "result": None,
        }
        return request.save(RESOURCE, draft)

    def open_draft(request: CommandRequest) -> Document:
        draft = request.load(RESOURCE, request.target_id, "launch draft")
        if draft["status"] != "open":
            raise Rejected(409, "draft_closed", f"the draft is {draft['status']}", None)
        return draft

    def save(request: CommandRequest) -> Document:
        draft = open_draft(request)
        merged = {**draft["inputs"], **check_inputs(request, draft["kind"])}
        if len(json.dumps(merged)) > MAX_INPUTS_BYTES:
            raise Rejected(422, "draft_too_large", f"draft inputs are at most {MAX_INPUTS_BYTES} bytes", "inputs")
        draft.update(
            inputs=merged,
            current_step=check_step(request, draft["kind"], draft["current_step"]),
            updated_at=request.now,
        )
        for name in ("project_id", "app_slug"):
            if name in request.body:
                draft[name] = request.text(name, required=False, max_length=128)
        return request.save(RESOURCE, draft)

    def discard(request: CommandRequest) -> Document:
        draft = open_draft(request)
        draft.update(status="discarded", updated_at=request.now)
        return request.save(RESOURCE, draft)

    def submit(request: CommandRequest) -> Document:
        draft = open_draft(request)
        result = request.body.get("result") or {}
        if not isinstance(result, dict):
            raise Rejected(400, "bad_field", "`result` must be an object of created ids", "result")
        draft.update(status="submitted", submitted_at=request.now, updated_at=request.now, result=result)
        return request.save(RESOURCE, draft)

    body = {
        "tenant_id": "string",
        "owner_id": "string",
        "project_id": "string",
        "kind": "string",
        "app_slug": "string",
        "current_step": "string",
        "inputs": "object",
    }
    return (
        Command(RESOURCE, "Start a launch draft", create, body=body),
        Command(
            RESOURCE,
            "Save step inputs (merged per step) and the current step",
            save,
            action="save",
            body={"inputs": "object", "current_step": "string", "project_id": "string", "app_slug": "string"},
        ),
        Command(RESOURCE, "Discard an open draft", discard, action="discard"),
        Command(
            RESOURCE,
            "Mark an open draft submitted with the ids it created",
            submit,
            action="submit",
            body={"result": "object"},
        ),
    )
