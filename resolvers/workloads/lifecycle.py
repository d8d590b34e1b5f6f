"""The workload lifecycle: state order, which actions each state allows, and the timeline.

One table drives the actions, the primary action and (later) mutation validation, so the page and
the API never disagree about what is possible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from gateway.backends.workloads.models import WorkloadEvent
from resolvers.shared import links

ORDER = ("pending", "provisioning", "running", "stopping", "stopped", "failed", "terminating", "terminated")
HAPPY_PATH = ("pending", "provisioning", "running")
BILLING_STATES = frozenset({"provisioning", "running", "stopping"})
TERMINAL_STATES = frozenset({"terminated"})

# action -> (states that allow it, what it does)
_ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "start": (frozenset({"stopped", "failed"}), "Starts the workload again on a GPU node; billing resumes."),
    "stop": (frozenset({"running", "provisioning"}), "Stops the workload and its GPU billing; disks and mounts stay."),
    "restart": (frozenset({"running", "failed"}), "Restarts the workload's processes on the same allocation."),
    "terminate": (
        frozenset({"pending", "provisioning", "running", "stopping", "stopped", "failed"}),
        "Releases the workload for good; mounted buckets are kept.",
    ),
}
_BLOCKED = {
    "pending": "the workload is waiting for capacity",
    "provisioning": "the workload is still provisioning",
    "running": "the workload is already running",
    "stopping": "the workload is stopping",
    "stopped": "the workload is stopped",
    "failed": "the workload has failed",
    "terminating": "the workload is being terminated",
    "terminated": "the workload is terminated",
}
_OPEN_LABELS = {
    "compute": ("connect", "Connect over SSH", "connect"),
    "jupyter": ("open_notebook", "Open JupyterLab", "connect"),
    "vllm": ("open_endpoint", "Try the endpoint", "connect"),
    "training": ("view_metrics", "Watch training progress", "metrics"),
}


@dataclass(frozen=True)
class Action:
    """Something the viewer can do to a workload, whether it is possible now, and why."""

    kind: str
    label: str
    enabled: bool
    reason: str
    route: str | None = None


@dataclass(frozen=True)
class TimelineStep:
    """One lifecycle state on the timeline."""

    status: str
    state: str  # done | current | upcoming
    at: datetime | None


def allowed(action: str, status: str) -> bool:
    """True when ``action`` is possible from ``status``."""
    return status in _ACTIONS[action][0]


def blocked_reason(action: str, status: str) -> str:
    """Why ``action`` is not possible from ``status``."""
    return f"Cannot {action}: {_BLOCKED[status]}."


def lifecycle_actions(status: str, status_reason: str | None = None) -> list[Action]:
    """Start, stop, restart and terminate, each with enabled and the reason."""
    result = []
    for name, (states, why) in _ACTIONS.items():
        if status in states:
            reason = (
                why
                if not (name == "restart" and status == "failed" and status_reason)
                else (f"{why} Last failure: {status_reason}")
            )
            result.append(Action(name, name.capitalize(), True, reason))
        else:
            result.append(Action(name, name.capitalize(), False, blocked_reason(name, status)))
    return result


def launch_route(kind: str, app_slug: str | None = None) -> str:
    """Where to launch another workload like this one: its app's wizard, else its kind's."""
    if app_slug:
        return links.route("/launch/app/{slug}", app_slug)
    return links.route("/launch/compute") if kind == "compute" else links.route("/launch/app/{slug}", kind)


def primary_action(
    kind: str,
    status: str,
    status_reason: str | None,
    route: str,
    app_slug: str | None = None,
    web_port: str | None = None,
) -> Action:
    """The action a workload's row and header lead with (an app on a compute workload opens its web port)."""
    open_kind, open_label, open_tab = _OPEN_LABELS[kind]
    if kind == "compute" and web_port:
        open_kind, open_label = "open_app", f"Open {web_port}"
    if status == "running":
        return Action(open_kind, open_label, True, "The workload is running.", f"{route}#tab={open_tab}")
    if status in {"pending", "provisioning"}:
        return Action(
            open_kind,
            open_label,
            False,
            f"Available once the workload is running (it is {status}).",
            f"{route}#tab=events",
        )
    if status == "stopped":
        return Action("start", "Start", True, _ACTIONS["start"][1])
    if status == "failed":
        return Action("restart", "Restart", True, f"Last run failed: {status_reason or 'see events'}.")
    if status in {"stopping", "terminating"}:
        return Action(
            "view_events", "View events", True, f"Wait for the transition to finish ({status}).", f"{route}#tab=events"
        )
    return Action(
        "launch_similar",
        "Launch similar",
        True,
        "The workload is terminated; launch a new one like it.",
        launch_route(kind, app_slug),
    )


def timeline(status: str, events: Iterable[WorkloadEvent]) -> list[TimelineStep]:
    """States reached (latest time of each) plus upcoming happy-path states, in lifecycle order."""
    reached: dict[str, datetime] = {}
    for event in events:
        if event.type == "status_changed" and event.to_status in ORDER:
            previous = reached.get(event.to_status)
            reached[event.to_status] = event.at if previous is None else max(previous, event.at)
    reached.setdefault(status, None)  # type: ignore[arg-type]
    upcoming = set()
    if status in HAPPY_PATH:
        upcoming = set(HAPPY_PATH[HAPPY_PATH.index(status) + 1 :])
    steps = []
    for state in ORDER:
        if state == status:
            steps.append(TimelineStep(state, "current", reached.get(state)))
        elif state in reached:
            steps.append(TimelineStep(state, "done", reached[state]))
        elif state in upcoming:
            steps.append(TimelineStep(state, "upcoming", None))
    return steps
