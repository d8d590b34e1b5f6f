"""Node lifecycle for operators: which operations each node status (and task stage) allows, and why.

One table drives the operations shown on node, site and task pages. The platform service enforces
the same transitions on the write side (``reference_services/commands_platform.py``); keep the two
tables in step so the page and the API never disagree about what is possible.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

NODE_STATUSES = ("ready", "cordoned", "draining", "maintenance", "onboarding", "decommissioning", "decommissioned")
IN_SERVICE = frozenset({"ready", "cordoned", "draining"})
NEEDS_ATTENTION = frozenset({"cordoned", "draining", "maintenance"})
ONBOARDING_STAGES = ("discovered", "commissioning", "burn_in", "ready")
ONBOARDING_IN_FLIGHT = frozenset({"discovered", "commissioning", "burn_in"})
DECOMMISSION_STAGES = ("draining", "wiping", "removing", "done")
DECOMMISSION_IN_FLIGHT = frozenset({"draining", "wiping", "removing"})

# operation -> (label, statuses that allow it, what it does)
_NODE_OPERATIONS: dict[str, tuple[str, frozenset[str], str]] = {
    "cordon": (
        "Cordon",
        frozenset({"ready"}),
        "Stops new workloads landing on the node; running workloads keep running.",
    ),
    "uncordon": (
        "Uncordon",
        frozenset({"cordoned", "draining"}),
        "Returns the node to service: new workloads may land on it again.",
    ),
    "drain": (
        "Drain",
        frozenset({"ready", "cordoned"}),
        "Cordons the node and moves its running workloads to other nodes.",
    ),
    "decommission": (
        "Decommission",
        frozenset({"cordoned", "draining", "maintenance"}),
        "Drains, wipes and removes the node from MAAS and the inventory; cannot be undone.",
    ),
}
_STATUS_PHRASES = {
    "ready": "the node is in service",
    "cordoned": "the node is cordoned",
    "draining": "the node is draining",
    "maintenance": "the node is in maintenance",
    "onboarding": "the node is still onboarding; see its onboarding task",
    "decommissioning": "the node is being decommissioned; see its decommission task",
    "decommissioned": "the node is decommissioned",
}
# Where the generic phrase would not tell the operator what to do instead.
_SPECIFIC_BLOCKS = {
    ("ready", "uncordon"): "the node is not cordoned",
    ("ready", "decommission"): "cordon or drain the node first so no new workloads land on it",
    ("cordoned", "cordon"): "the node is already cordoned",
    ("draining", "cordon"): "the node is draining (it is already cordoned)",
    ("draining", "drain"): "the node is already draining",
    ("maintenance", "uncordon"): "the node is in maintenance; it returns to service when maintenance ends",
    ("maintenance", "cordon"): "the node is in maintenance (it is already cordoned)",
    ("maintenance", "drain"): "the node is in maintenance and takes no workloads",
}


@dataclass(frozen=True)
class Operation:
    """A lifecycle operation: whether it is possible now, why, and how many nodes it touches."""

    kind: str
    label: str
    enabled: bool
    reason: str
    target_count: int = 1


def node_operations(status: str, running_workloads: int | None = None) -> list[Operation]:
    """Cordon, uncordon, drain and decommission of one node, each enabled or with the reason it is not."""
    operations = []
    for kind, (label, allowed, does) in _NODE_OPERATIONS.items():
        if status in allowed:
            reason = does
            if kind == "drain" and running_workloads is not None:
                reason = (
                    f"Cordons the node and moves its {running_workloads} running workload(s) to other nodes."
                    if running_workloads
                    else "Cordons the node; no workloads run on it."
                )
            if kind == "uncordon" and status == "draining":
                reason = "Stops the drain and returns the node to service."
            operations.append(Operation(kind, label, True, reason))
        else:
            blocked = _SPECIFIC_BLOCKS.get((status, kind), _STATUS_PHRASES.get(status, f"the node is {status}"))
            operations.append(Operation(kind, label, False, f"Cannot {kind}: {blocked}."))
    return operations


def site_operations(node_statuses: Iterable[str]) -> list[Operation]:
    """Bulk operations on a site's nodes: each counts the nodes it would touch."""
    statuses = list(node_statuses)
    operations = []
    for kind, (label, allowed, does) in _NODE_OPERATIONS.items():
        if kind == "decommission":
            remaining = sum(1 for s in statuses if s in IN_SERVICE or s == "maintenance")
            operations.append(
                Operation(
                    kind,
                    label,
                    False,
                    f"Cannot decommission a whole site: decommission its nodes one by one ({remaining} remain).",
                    remaining,
                )
            )
            continue
        count = sum(1 for s in statuses if s in allowed)
        if count:
            operations.append(
                Operation(kind, f"{label} {count} node(s)", True, f"{does} Applies to {count} node(s).", count)
            )
        else:
            operations.append(Operation(kind, label, False, f"Cannot {kind}: no node at the site allows it.", 0))
    return operations


def onboarding_operations(stage: str, node_status: str | None) -> list[Operation]:
    """Retry and cancel of an onboarding task, then the operations of its node."""
    retry = (
        Operation(
            "retry_onboarding",
            "Retry onboarding",
            True,
            "Restarts onboarding from commissioning with the node's profile.",
        )
        if stage == "failed"
        else Operation(
            "retry_onboarding",
            "Retry onboarding",
            False,
            f"Cannot retry: onboarding has not failed (stage {stage.replace('_', '-')}).",
        )
    )
    if stage == "ready":
        cancel = Operation(
            "cancel_onboarding",
            "Cancel onboarding",
            False,
            "Cannot cancel: onboarding finished; decommission the node instead.",
        )
    else:
        cancel = Operation(
            "cancel_onboarding", "Cancel onboarding", True, "Stops onboarding and releases the machine back to MAAS."
        )
    return [retry, cancel, *(node_operations(node_status) if node_status else [])]


def decommission_operations(stage: str, node_status: str | None) -> list[Operation]:
    """Cancel of a decommission task, then the operations of its node."""
    if stage == "draining":
        cancel = Operation(
            "cancel_decommission",
            "Cancel decommission",
            True,
            "Stops the decommission; the node stays cordoned and keeps its disks.",
        )
    elif stage == "done":
        cancel = Operation(
            "cancel_decommission", "Cancel decommission", False, "Cannot cancel: the node is decommissioned."
        )
    else:
        cancel = Operation(
            "cancel_decommission",
            "Cancel decommission",
            False,
            f"Cannot cancel: the node is past draining ({stage}); its disks are wiped.",
        )
    return [cancel, *(node_operations(node_status) if node_status else [])]


def count_by(values: Iterable[str], order: tuple[str, ...] = NODE_STATUSES) -> list[tuple[str, int]]:
    """(value, count) of the values present, in ``order`` (unknown values last, sorted)."""
    counted = Counter(values)
    return [(v, counted[v]) for v in order if counted[v]] + sorted((v, n) for v, n in counted.items() if v not in order)
