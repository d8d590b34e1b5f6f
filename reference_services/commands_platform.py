"""Write side of the platform service: node lifecycle operations (cordon, uncordon, drain, decommission).

Each operation is allowed from some node statuses only (``409 invalid_node_transition`` says why) and
appends a node-activity entry; starting a decommission also opens a decommission task at its first stage.
"""

from __future__ import annotations

from reference_services._commands import Command, CommandRequest, Document, Rejected

# operation -> (statuses that allow it, resulting status, activity message)
OPERATIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "cordon": (frozenset({"ready"}), "cordoned", "Cordoned: no new workloads are placed"),
    "uncordon": (frozenset({"cordoned", "draining"}), "ready", "Returned to service"),
    "drain": (frozenset({"ready", "cordoned"}), "draining", "Draining: workloads are moved off the node"),
    "decommission": (frozenset({"cordoned", "draining", "maintenance"}), "decommissioning", "Decommission started"),
}
STAGES = ("draining", "wiping", "removing", "done")


def _operator_account(request: CommandRequest) -> str | None:
    """The operator account of the acting user (activity and tasks name operator accounts)."""
    accounts = request.find("operator-accounts", {})
    return next((a["id"] for a in accounts if a.get("user_id") == request.actor_id), request.actor_id)


def _operation(name: str):
    allowed, target, message = OPERATIONS[name]

    def handler(request: CommandRequest) -> Document:
        node = request.load("nodes", request.target_id, "node")
        if node["status"] not in allowed:
            hint = " Cordon or drain it first." if name == "decommission" and node["status"] == "ready" else ""
            raise Rejected(
                409, "invalid_node_transition", f"Cannot {name} a node that is {node['status']}.{hint}", "status"
            )
        reason = request.text("reason", required=name == "decommission", max_length=500)
        actor = _operator_account(request)
        node["status"] = target
        request.save("nodes", node)
        request.save(
            "node-activity",
            {
                "id": request.new_id("act"),
                "node_id": node["id"],
                "site_id": node["site_id"],
                "type": name,
                "outcome": "succeeded" if name != "drain" else "in_progress",
                "actor_id": actor,
                "message": f"{message}{': ' + reason if reason else ''}",
                "at": request.now,
            },
        )
        if name == "decommission":
            node["decommission_task"] = request.save(
                "decommission-tasks",
                {
                    "id": request.new_id("dc"),
                    "node_id": node["id"],
                    "site_id": node["site_id"],
                    "reason": reason,
                    "stage": STAGES[0],
                    "requested_by": actor,
                    "requested_at": request.now,
                    "updated_at": request.now,
                    "completed_at": None,
                    "steps": [
                        {
                            "name": stage,
                            "status": "current" if i == 0 else "pending",
                            "started_at": request.now if i == 0 else None,
                            "finished_at": None,
                            "message": None,
                        }
                        for i, stage in enumerate(STAGES)
                    ],
                },
            )
        return node

    return handler


COMMANDS = tuple(
    Command(
        "nodes",
        f"{name.capitalize()} a node (409 invalid_node_transition when its status forbids it)",
        _operation(name),
        action=name,
        body={"reason": "string"},
    )
    for name in OPERATIONS
)
