"""Stateful property test: random launches, stops, starts, restarts, terminations and bucket creations by
several people and a service account, with the services' clock moving, and after every step the money and
quota figures agree on every page that shows them and with the facts behind them, and every link on those
pages resolves (``tests.invariants.links``).

``make test`` runs a short, derandomised profile; ``GATEWAY_INVARIANT_EXAMPLES`` (sequences) and
``GATEWAY_INVARIANT_STEPS`` (steps per sequence) run a longer, random one. Each run prints how many sequences,
steps and actions it explored.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from gateway.ids import decode_global_id, encode_global_id
from tests.idempotency_support import key
from tests.invariants.links import LinkCheck
from tests.invariants.pages import (
    FIXED_NOW,
    clock_of,
    fixed_harness,
    money,
    mutation,
    project_entitlement,
)
from tests.support import GatewayHarness

EXAMPLES = int(os.environ.get("GATEWAY_INVARIANT_EXAMPLES", "2"))
STEPS = int(os.environ.get("GATEWAY_INVARIANT_STEPS", "6"))
LONG = "GATEWAY_INVARIANT_EXAMPLES" in os.environ or "GATEWAY_INVARIANT_STEPS" in os.environ
TIB = 1024**4
BILLING = {"PROVISIONING", "RUNNING", "STOPPING"}
QUOTA = BILLING | {"PENDING"}
SERVICE_ACCOUNT = "sa-llm-eval"
# who acts -> (tenant, projects they act in, their SSH key or None when they do not launch)
ACTORS: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "u-marco": ("t-acme", ("p-vision", "p-llm"), "cred-marco-laptop"),
    "u-priya": ("t-acme", ("p-llm",), "cred-priya-ws"),
    "u-tara": ("t-acme", ("p-vision", "p-llm", "p-research"), "cred-tara-ssh"),
    "u-sam": ("t-globex", ("p-genomics",), "cred-sam-ssh"),
    "u-gina": ("t-globex", ("p-genomics", "p-robotics"), None),
    SERVICE_ACCOUNT: ("t-acme", ("p-llm",), None),
}
ADMINS = {"t-acme": "u-tara", "t-globex": "u-gina"}
SHAPES = (("NVIDIA H100 80GB", 1), ("NVIDIA H100 80GB", 8), ("NVIDIA A100 80GB", 4), ("NVIDIA L40S 48GB", 4))
ACTIONS = ("stop", "start", "restart", "terminate")
EXPLORED: Counter[str] = Counter()
ROWS = """query Rows($after: String) { workloads(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor }
  nodes { id status project { id } gpu { model count } cost { hourly { amount } accrued { amount } billing } } } }"""
BUCKETS = """query Buckets($after: String) { buckets(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor } nodes { project { id } usage { usedBytes } } } }"""


def _due(workload: dict[str, Any]) -> datetime:
    """When a pending workload may be placed (its schedule's ``place_at``)."""
    return datetime.fromisoformat(workload["schedule"]["place_at"].replace("Z", "+00:00"))


def _local(global_id: str) -> str:
    return decode_global_id(global_id)[1]


class FiguresMachine(RuleBasedStateMachine):
    """The gateway on freshly seeded services; rules act through the API, invariants read every page."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.harness: GatewayHarness = fixed_harness()
        self.clock = clock_of(self.harness)
        self.names = 0
        self.last: dict[str, tuple[Decimal, Decimal]] = {}  # tenant -> (month to date, balance) at the last check
        self.links = LinkCheck(self._body, recheck=LONG, explored=EXPLORED)
        EXPLORED["sequences"] += 1

    def teardown(self) -> None:
        self.loop.close()

    # --- talking to the gateway ------------------------------------------------------------------------------

    def _run(self, query: str, actor: str, **variables: Any) -> dict[str, Any]:
        body = self._body(query, actor, variables)
        assert "errors" not in body, (actor, body["errors"])
        found: dict[str, Any] = body["data"]
        return found

    def _body(self, query: str, actor: str, variables: dict[str, Any]) -> dict[str, Any]:
        headers = None
        persona: str | None = actor
        if actor == SERVICE_ACCOUNT:
            security = self.harness.app.state.settings.security
            signer = self.harness.app.state.guard.authenticator.signer
            token = signer.mint(
                actor, audience=security.jwt_audience, tenant="t-acme", roles=[], principal_type="service_account"
            )
            headers, persona = {"authorization": f"Bearer {token}"}, None
        body: dict[str, Any] = self.loop.run_until_complete(
            self.harness.query(query, variables, persona=persona, headers=headers)
        )
        return body

    def _all(self, query: str, field: str, actor: str) -> list[dict[str, Any]]:
        nodes: list[dict[str, Any]] = []
        after = None
        while True:
            page = self._run(query, actor, after=after)[field]
            nodes.extend(page["nodes"])
            if not page["pageInfo"]["hasNextPage"]:
                return nodes
            after = page["pageInfo"]["endCursor"]

    def _quotas(self, actor: str, project: str) -> dict[str, Any]:
        overview = self.links.page(actor, "/project/overview", project=encode_global_id("Project", project))
        return project_entitlement(overview["projectOverview"], project)

    # --- rules ----------------------------------------------------------------------------------------------

    @rule(actor=st.sampled_from(sorted(a for a, (_, _, ssh) in ACTORS.items() if ssh)), data=st.data())
    def launch(self, actor: str, data: st.DataObject) -> None:
        _tenant, projects, ssh_key = ACTORS[actor]
        project = data.draw(st.sampled_from(projects), label="project")
        model, count = data.draw(st.sampled_from(SHAPES), label="shape")
        quota = next(q for q in self._quotas(actor, project)["gpuQuotas"] if q["gpuModel"] == model)
        self.names += 1
        given = {
            "basics": {"projectId": encode_global_id("Project", project), "name": f"inv-{self.names:03d}"},
            "hardware": {"gpuModel": model, "gpuCount": count, "region": "us-east-1"},
            "image": {"image": "nvcr.io/nvidia/pytorch:24.10-py3"},
            "access": {"sshKeyId": encode_global_id("Credential", ssh_key or "")},
            "idempotencyKey": key("inv"),
        }
        payload = self._run(mutation("launch/LaunchCompute"), actor, input=given)["launchCompute"]
        fits = quota["used"] + count <= quota["limit"]
        codes = [e["code"] for e in payload["userErrors"]]
        assert codes == ([] if fits else ["QUOTA_EXCEEDED"]), (quota, count, payload["userErrors"])
        if not fits:
            assert f"limit {quota['limit']}, in use {quota['used']}" in payload["userErrors"][0]["message"]
        self._count("launch", fits)

    @rule(actor=st.sampled_from(sorted(ACTORS)), action=st.sampled_from(ACTIONS), data=st.data())
    def act(self, actor: str, action: str, data: st.DataObject) -> None:
        _tenant, projects, _ = ACTORS[actor]
        store = self.harness.services["workloads"].state.store
        candidates = [
            w
            for w in store.query("workloads", {"project_id": list(projects)}, limit=1000).items
            if w["status"] != "terminated"
        ]
        workload = data.draw(st.sampled_from(sorted(candidates, key=lambda w: w["id"])), label="workload")
        quota = next(
            q
            for q in self._quotas(actor, workload["project_id"])["gpuQuotas"]
            if q["gpuModel"] == workload["gpu"]["model"]
        )
        name = f"{action}Workload"
        document = mutation(f"workloads/{action.capitalize()}Workload")
        variables = {"workloadId": encode_global_id("Workload", workload["id"]), "idempotencyKey": key("inv")}
        payload = self._run(document, actor, input=variables)[name]
        codes = [e["code"] for e in payload["userErrors"]]
        holds = workload["status"] in {"pending", "provisioning", "running", "stopping"}
        takes = action in {"start", "restart"} and not holds
        if codes == ["QUOTA_EXCEEDED"]:
            assert takes and quota["used"] + workload["gpu"]["count"] > quota["limit"], (workload, quota)
        elif codes == []:
            assert not takes or quota["used"] + workload["gpu"]["count"] <= quota["limit"], (workload, quota)
        else:
            assert codes == ["INVALID_STATE"], payload["userErrors"]
        self._count(action, codes == [], variables["workloadId"])

    @rule(actor=st.sampled_from(sorted(ACTORS)), size=st.sampled_from((1, 5, 10, 40)), data=st.data())
    def create_bucket(self, actor: str, size: int, data: st.DataObject) -> None:
        _tenant, projects, _ = ACTORS[actor]
        project = data.draw(st.sampled_from(projects), label="project")
        storage = self._quotas(ADMINS[ACTORS[actor][0]], project)["storage"]
        self.names += 1
        given = {
            "projectId": encode_global_id("Project", project),
            "name": f"inv-bucket-{self.names:03d}",
            "purpose": "artifact",
            "provider": "WEKA",
            "region": "us-east-1",
            "quotaBytes": size * TIB,
            "idempotencyKey": key("inv"),
        }
        payload = self._run(mutation("storage/CreateBucket"), actor, input=given)["createBucket"]
        fits = int(storage["usedBytes"]) + size * TIB <= int(storage["quotaBytes"])
        codes = [e["code"] for e in payload["userErrors"]]
        assert codes == ([] if fits else ["QUOTA_EXCEEDED"]), (storage, size, payload["userErrors"])
        self._count("bucket", fits)

    @rule(minutes=st.integers(min_value=1, max_value=36 * 60))
    def advance(self, minutes: int) -> None:
        month_end = (FIXED_NOW.replace(day=28) + timedelta(days=4)).replace(day=1, hour=0, minute=0)
        step = timedelta(minutes=minutes)
        if self.clock.now() + step < month_end:  # within the month: month to date keeps adding up
            self.clock.advance(step)
        self._tick()  # the scheduler's loop runs as time passes
        self._count("advance", True)

    @rule()
    def schedule(self) -> None:
        """The workloads service's scheduler runs at the clock: due launches and starts are placed where they fit,
        and what it leaves pending has no room on any ready node of its model."""
        self._tick()
        self._count("tick", True)

    def _tick(self) -> None:
        moved = self.harness.services["workloads"].state.scheduler.tick(self.clock.now())
        EXPLORED["placed"] += sum(1 for _, status in moved if status == "provisioning")
        workloads, nodes, held = self._placement()
        free = {i: n["gpu_count"] - held.get(i, 0) for i, n in nodes.items() if n["status"] == "ready"}
        for workload in workloads:
            if workload["status"] == "pending" and self.clock.now() >= _due(workload):
                fits = [i for i in free if nodes[i]["gpu_model"] == workload["gpu"]["model"]]
                assert all(free[i] < workload["gpu"]["count"] for i in fits), (workload["id"], free)
                assert workload["status_reason"].endswith("not free on any ready node"), workload

    def _count(self, action: str, done: bool, *acted_on: str) -> None:
        self.links.changed(*acted_on)  # links read before the step are read again, in the new state, by the invariant
        EXPLORED["steps"] += 1
        EXPLORED[f"{action} {'done' if done else 'refused'}"] += 1

    # --- invariants -------------------------------------------------------------------------------------------

    def _placement(self) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], dict[str, int]]:
        """The workloads, the nodes and the GPUs held on each node (read from the services' stores)."""
        workloads = self.harness.services["workloads"].state.store.query("workloads", {}, limit=100000).items
        nodes = {n["id"]: n for n in self.harness.services["platform"].state.store.query("nodes", {}, limit=1000).items}
        held: dict[str, int] = defaultdict(int)
        for workload in workloads:
            if workload["status"] in {s.lower() for s in BILLING}:
                held[workload["node_id"]] += workload["gpu"]["count"]
        return workloads, nodes, held

    @invariant()
    def no_node_is_over_committed(self) -> None:
        """Every workload holding GPUs holds them on an in-service node of its model; no node gives out more GPUs
        than it has."""
        workloads, nodes, held = self._placement()
        for workload in workloads:
            if workload["status"] in {s.lower() for s in BILLING}:
                node = nodes[workload["node_id"]]
                assert node["gpu_model"] == workload["gpu"]["model"], workload
                assert node["status"] in {"ready", "cordoned", "draining"}, (workload["id"], node)
        for node_id, count in held.items():
            assert count <= nodes[node_id]["gpu_count"], (node_id, count)

    @invariant()
    def figures_agree(self) -> None:
        finance = self.links.page("u-olivia", "/platform/finance")["platform"]["finance"]
        revenue = {t["tenant"]["id"]: money(t["revenue"]) for t in finance["tenants"]}
        assert money(finance["revenueMonthToDate"]) == sum(revenue.values(), Decimal(0))
        # Per GPU model: held within the fleet, and the models' revenue is the tenants' revenue.
        for row in finance["gpuModels"]:
            assert row["gpusHeld"] <= row["gpusInFleet"] and row["utilisation"] <= 1, row
        by_model = sum((money(m["revenue"]) for m in finance["gpuModels"]), Decimal(0))
        assert by_model == money(finance["revenueMonthToDate"])
        for tenant, admin in ADMINS.items():
            self._check_tenant(tenant, admin, revenue[encode_global_id("Tenant", tenant)])
        self.links.check()

    def _check_tenant(self, tenant: str, admin: str, revenue: Decimal) -> None:
        billing = self.links.page(admin, "/account/billing")["account"]["billing"]
        overview = self.links.page(admin, "/tenant/overview")["tenantOverview"]
        rows = self._all(ROWS, "workloads", admin)
        buckets = self._all(BUCKETS, "buckets", admin)
        month_to_date, balance, burn = (
            money(billing["monthToDate"]),
            money(billing["balance"]),
            money(billing["hourlyBurn"]),
        )
        # One month to date, one burn, one balance on every page; the platform's revenue of the tenant is it.
        assert month_to_date == sum((money(p["spend"]) for p in billing["spendByProject"]), Decimal(0)) == revenue
        spend = overview["spend"]
        assert (money(spend["monthToDate"]), money(spend["hourlyBurn"]), money(spend["balance"])) == (
            month_to_date,
            burn,
            balance,
        )
        # Burn is what the billing rows cost per hour; runway is balance over burn.
        assert burn == sum((money(r["cost"]["hourly"]) for r in rows if r["cost"]["billing"]), Decimal(0))
        assert money(overview["workloads"]["hourlyCost"]) == burn
        if burn > 0:
            assert billing["runway"]["hoursRemaining"] == round(max(float(balance / burn), 0.0), 1)
        # Accrued is rate x running time, the running time read from the workload's own timeline.
        running = self._running_seconds([_local(r["id"]) for r in rows])
        for row in rows:
            rate_cents = int(money(row["cost"]["hourly"]) * 100)
            expected = Decimal(rate_cents * running.get(_local(row["id"]), 0) // 3600) / 100
            assert money(row["cost"]["accrued"]) == expected.quantize(Decimal("0.01"), ROUND_DOWN), row
        # Money only moves forward: what month to date gained, the balance lost.
        if tenant in self.last:
            before_mtd, before_balance = self.last[tenant]
            assert month_to_date >= before_mtd and before_balance - balance == month_to_date - before_mtd
        self.last[tenant] = (month_to_date, balance)
        # Quota use is what the rows hold and the buckets store, on the entitlements and the attention band.
        held: dict[tuple[str, str], int] = defaultdict(int)
        for row in rows:
            if row["status"] in QUOTA:
                held[(_local(row["project"]["id"]), row["gpu"]["model"])] += row["gpu"]["count"]
        stored: dict[str, int] = defaultdict(int)
        for bucket in buckets:
            stored[_local(bucket["project"]["id"])] += int(bucket["usage"]["usedBytes"] or 0)
        titles = {i["title"] for i in overview["attention"]}
        for entitlement in overview["governance"]["entitlements"][1:]:
            project = _local(entitlement["project"]["id"])
            for quota in entitlement["gpuQuotas"]:
                assert quota["used"] == held[(project, quota["gpuModel"])], (project, quota)
            assert int(entitlement["storage"]["usedBytes"]) == stored[project]
            for quota in entitlement["gpuQuotas"]:
                share = round(100 * quota["used"] / quota["limit"]) if quota["limit"] else 100
                name = entitlement["project"]["name"]
                if quota["used"] >= 0.85 * quota["limit"]:
                    assert f"{quota['gpuModel']} GPU quota of {name} at {share}%" in titles, (titles, quota)
        # Each project overview shows its own line of the same month to date and the GPUs its quotas count.
        lines = {_local(p["project"]["id"]): money(p["spend"]) for p in billing["spendByProject"]}
        projects = ACTORS[admin][1]
        for project in projects if LONG else projects[EXPLORED["checks"] % len(projects) :][:1]:  # short: one in turn
            page = self.links.page(admin, "/project/overview", project=encode_global_id("Project", project))[
                "projectOverview"
            ]
            assert money(page["spend"]["monthToDate"]) == lines[project]
            assert money(page["spend"]["tenantMonthToDate"]) == month_to_date
            quotas = project_entitlement(page, project)["gpuQuotas"]
            assert page["workloads"]["gpusInUse"] == sum(q["used"] for q in quotas)
        EXPLORED["checks"] += 1

    def _running_seconds(self, workload_ids: list[str]) -> dict[str, int]:
        """Seconds each workload spent in a billing state, from its status events (the test's own reading)."""
        store = self.harness.services["workloads"].state.store
        events = store.query("workload_events", {"workload_id": workload_ids, "type": ["status_changed"]}, limit=100000)
        timeline: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for event in events.items:
            timeline[event["workload_id"]].append(event)
        now = self.clock.now()
        seconds: dict[str, int] = {}
        for workload_id, found in timeline.items():
            total, since = 0.0, None
            for event in sorted(found, key=lambda e: e["at"]):
                at = min(datetime.fromisoformat(event["at"].replace("Z", "+00:00")), now)
                if event["to_status"].upper() in BILLING and since is None:
                    since = at
                elif event["to_status"].upper() not in BILLING and since is not None:
                    total += (at - since).total_seconds()
                    since = None
            if since is not None:
                total += (now - since).total_seconds()
            seconds[workload_id] = int(total)
        return seconds


FiguresMachine.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    derandomize=not LONG,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class TestFigures(FiguresMachine.TestCase):  # type: ignore[misc,valid-type]
    """The machine as a test; prints what it explored."""

    @classmethod
    def tearDownClass(cls) -> None:
        print(f"\ninvariant machine explored: {dict(sorted(EXPLORED.items()))}")
        super().tearDownClass()
