"""Money figures derived at read time from the facts the services keep.

The facts: each workload's hourly rate and its status timeline (``status_changed`` events, which say when it
entered and left a billing state: its usage records), each tenant's prepaid credits, and the clock. Every
figure follows from them when it is read, so no page can disagree with another:

- accrued (a workload) = rate x its running time, over every run up to now;
- month to date (a project, a tenant) = the sum of its workloads' usage inside this month;
- burn (a tenant) = the sum of the rates of its workloads in a billing state;
- balance = credits - everything accrued (before this month, plus this month); runway = balance / burn, and
  the moment it runs out (``runs_out_at``) is now + runway on the services' clock;
- the low-balance notice in an inbox says the runway of the moment it is read (``low_balance_notice``);
- a tenant's platform revenue for a month = the same usage sum as its month to date.

Usage is counted in whole cents per workload and period (``rate * seconds // 3600``), so sums agree exactly in
any grouping (by project, by tenant, by month).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reference_services.clock import iso, parse

Document = dict[str, Any]
Run = tuple[datetime, datetime]  # [start, end); an open run ends at the clock's now
Timeline = list[tuple[datetime, bool]]  # (when, whether the status entered then bills), in time order

BILLING_STATES = frozenset({"provisioning", "running", "stopping"})
LOW_BALANCE_HOURS = 72  # the low-balance threshold: this many hours of the current burn


def runs_from_events(events: Iterable[Document], now: datetime) -> dict[str, list[Run]]:
    """Each workload's runs (time spent in a billing state) from its status timeline, clipped to ``now``."""
    return {workload_id: runs_until(timeline, now) for workload_id, timeline in timelines(events).items()}


def timelines(events: Iterable[Document]) -> dict[str, Timeline]:
    """Each workload's status changes in time order, parsed: what its runs follow from at any ``now``."""
    by_workload: dict[str, list[Document]] = defaultdict(list)
    for event in events:
        if event.get("type") == "status_changed" and event.get("at"):
            by_workload[event["workload_id"]].append(event)
    return {
        # sorted is stable: one command's transitions keep their order
        workload_id: [(parse(e["at"]), e.get("to_status") in BILLING_STATES) for e in sorted(found, key=_at)]
        for workload_id, found in by_workload.items()
    }


def _at(event: Document) -> Any:
    return event["at"]


def runs_until(timeline: Timeline, now: datetime) -> list[Run]:
    """The runs of one workload's timeline (``timelines``), clipped to ``now``; an open run ends at ``now``."""
    found: list[Run] = []
    opened: datetime | None = None
    for moment, billing in timeline:
        at = min(moment, now)
        if billing and opened is None:
            opened = at
        elif not billing and opened is not None:
            found.append((opened, at))
            opened = None
    if opened is not None:
        found.append((opened, now))
    return [(start, end) for start, end in found if end > start]


def seconds_within(runs: Iterable[Run], start: datetime | None = None, end: datetime | None = None) -> int:
    """Whole seconds of the runs inside ``[start, end)`` (unbounded where None)."""
    total = 0.0
    for run_start, run_end in runs:
        low = max(run_start, start) if start else run_start
        high = min(run_end, end) if end else run_end
        if high > low:
            total += (high - low).total_seconds()
    return int(total)


def cents_for(rate_cents: int, seconds: int) -> int:
    """What ``seconds`` of running cost at an hourly rate, in whole cents (rounded down)."""
    return rate_cents * seconds // 3600


def month_bounds(period: str) -> tuple[datetime, datetime]:
    """``[first instant, first instant of the next month)`` of a ``YYYY-MM`` period (UTC)."""
    start = parse(f"{period}-01T00:00:00Z")
    following = (
        start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    )
    return start, following


def period_of(moment: datetime) -> str:
    """The ``YYYY-MM`` period a moment falls in."""
    return moment.strftime("%Y-%m")


@dataclass(frozen=True)
class Usage:
    """Usage of a set of workloads over one window, by project, by GPU model, and in GPU-hours."""

    cents_by_project: dict[str, int]
    cents_by_model: dict[str, int]
    gpu_seconds_by_model: dict[str, int]

    @property
    def cents(self) -> int:
        """The total."""
        return sum(self.cents_by_project.values())


def usage(
    workloads: Iterable[Document],
    runs: Mapping[str, list[Run]],
    start: datetime | None = None,
    end: datetime | None = None,
) -> Usage:
    """What the workloads' runs inside ``[start, end)`` cost (whole cents per workload)."""
    by_project: dict[str, int] = defaultdict(int)
    by_model: dict[str, int] = defaultdict(int)
    gpu_seconds: dict[str, int] = defaultdict(int)
    for workload in workloads:
        seconds = seconds_within(runs.get(workload["id"], []), start, end)
        cost = cents_for(workload["hourly_rate_cents"], seconds)
        by_project[workload["project_id"]] += cost
        by_model[workload["gpu"]["model"]] += cost
        gpu_seconds[workload["gpu"]["model"]] += seconds * workload["gpu"]["count"]
    return Usage(dict(by_project), dict(by_model), dict(gpu_seconds))


def burn_cents(workloads: Iterable[Document]) -> int:
    """The hourly rate of everything billing now."""
    return sum(w["hourly_rate_cents"] for w in workloads if w["status"] in BILLING_STATES)


def with_accrual(workload: Document, runs: list[Run]) -> Document:
    """The workload document with its run time and accrued cost as of the last run's end."""
    open_run = runs[-1] if workload["status"] in BILLING_STATES and runs else None
    closed = runs[:-1] if open_run else runs
    seconds = seconds_within(runs)
    return {
        **workload,
        "started_at": iso(open_run[0]) if open_run else None,
        "completed_run_seconds": seconds_within(closed),
        "run_seconds": seconds,
        "accrued_cents": cents_for(workload["hourly_rate_cents"], seconds),
    }


def billing_figures(
    account: Document,
    workloads: list[Document],
    runs: Mapping[str, list[Run]],
    now: datetime,
    project_ids: list[str],
) -> Document:
    """A billing account document with its figures derived from its tenant's workloads at ``now`` (spend listed
    for ``project_ids``, else for the projects that have workloads)."""
    month_start, _ = month_bounds(period_of(now))
    this_month = usage(workloads, runs, month_start, now)
    earlier = usage(workloads, runs, None, month_start)  # closed months: what this month adds, the balance loses
    burn = burn_cents(workloads)
    projects = project_ids or sorted({w["project_id"] for w in workloads})
    balance = int(account.get("credits_cents") or 0) - earlier.cents - this_month.cents
    return {
        **account,
        "balance_cents": balance,
        "month_to_date_cents": this_month.cents,
        "spend_by_project": [{"project_id": p, "cents": this_month.cents_by_project.get(p, 0)} for p in projects],
        "hourly_burn_cents": burn,
        "low_balance_threshold_cents": burn * LOW_BALANCE_HOURS,
        "runs_out_at": _runs_out_at(balance, burn, now),
        "updated_at": iso(now),
    }


def _runs_out_at(balance_cents: int, burn_cents: int, now: datetime) -> str | None:
    """When the balance is spent at this burn (now, when already spent; None when nothing bills)."""
    if burn_cents <= 0:
        return None
    return iso(now + timedelta(hours=max(balance_cents, 0) / burn_cents))


def runway_hours(account: Document) -> float | None:
    """Hours the derived balance lasts at the derived burn (None when nothing bills)."""
    burn = account["hourly_burn_cents"]
    return account["balance_cents"] / burn if burn > 0 else None


LOW_BALANCE_TITLE = "Balance covers about"


def is_low_balance_notice(notification: Document) -> bool:
    """Whether an inbox item is the low-balance notice (its text is derived when read, not when stored)."""
    return notification.get("category") == "billing" and str(notification.get("title", "")).startswith(
        LOW_BALANCE_TITLE
    )


def low_balance_notice(notification: Document, account: Document) -> Document:
    """The low-balance notice as of now: its runway, wording and severity from the account's derived figures."""
    hours = runway_hours(account)
    if hours is None:
        title = "Balance is not being drawn down"
        body = "Nothing bills at the moment, so the prepaid balance holds."
        severity = "info"
    else:
        hours = max(hours, 0.0)
        left = f"{round(hours / 24)} days" if hours >= 48 else f"{max(1, round(hours))} hours"
        title = f"{LOW_BALANCE_TITLE} {left}"
        body = f"At the current hourly burn the prepaid balance runs out in about {left}."
        severity = "critical" if hours < 24 else "warning" if hours < LOW_BALANCE_HOURS else "info"
    return {**notification, "title": title, "body": body, "severity": severity}


def revenue_figures(row: Document, workloads: list[Document], runs: Mapping[str, list[Run]], now: datetime) -> Document:
    """A tenant's revenue row for its month: its own usage in that month, up to ``now``."""
    start, end = month_bounds(row["period"])
    end = min(end, now)
    found = usage(workloads, runs, start, end) if end > start else Usage({}, {}, {})
    models = [h["gpu_model"] for h in row.get("gpu_hours_by_model") or []] or sorted(found.gpu_seconds_by_model)
    hours = [{"gpu_model": m, "gpu_hours": round(found.gpu_seconds_by_model.get(m, 0) / 3600, 1)} for m in models]
    return {
        **row,
        "revenue_cents": found.cents,
        "gpu_hours": round(sum(found.gpu_seconds_by_model.values()) / 3600, 1),
        "gpu_hours_by_model": hours,
        "as_of": iso(max(start, end)),
    }
