"""deploy/monitoring: every metric and label the alert rules and the dashboard name is one the gateway exports."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

from reference_services.faults import FaultSpec
from tests.idempotency_support import LAUNCH_COMPUTE, compute_input, key
from tests.support import PERSONA_USERS, build_harness

MONITORING = Path(__file__).resolve().parents[2] / "deploy" / "monitoring"
README = Path(__file__).resolve().parents[2] / "README.md"

# PromQL words that are not metric names: functions, aggregations, operators, modifiers.
KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values",
    "group", "rate", "irate", "increase", "delta", "idelta", "deriv", "histogram_quantile", "scalar", "vector",
    "abs", "absent", "clamp_min", "clamp_max", "ceil", "floor", "round", "time", "label_replace", "label_join",
    "sum_over_time", "avg_over_time", "max_over_time", "min_over_time", "count_over_time", "changes", "resets",
    "inf", "nan",
}  # fmt: skip
# Labels Prometheus adds or histograms carry, not declared by the gateway.
IMPLICIT_LABELS = {"instance", "job"}
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_MATCHERS = re.compile(r"([A-Za-z_:][A-Za-z0-9_:]*)?\s*\{([^}]*)\}")
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_IDENTIFIER = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")


def tokenize(expr: str) -> tuple[set[str], set[str]]:
    """The metric names and label names a PromQL expression uses (strings, ranges and $variables dropped)."""
    expr = re.sub(r"\[[^\]]*\]", " ", expr)  # range selectors: [5m], [$__rate_interval]
    expr = re.sub(r"\$\{?\w+\}?", " ", expr)  # Grafana variables outside ranges
    labels: set[str] = set()
    metrics: set[str] = set()

    def matchers(found: re.Match[str]) -> str:
        body = found.group(2)  # string values are already blanked
        labels.update(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)", body))
        return f" {found.group(1) or ''} "

    expr = _MATCHERS.sub(matchers, _STRING.sub('""', expr))

    def grouping(found: re.Match[str]) -> str:
        labels.update(name.strip() for name in found.group(2).split(",") if name.strip())
        return " "

    expr = _GROUPING.sub(grouping, expr)
    for found in _IDENTIFIER.finditer(expr):
        name = found.group(0)
        if name.lower() in KEYWORDS or expr[found.end() :].lstrip().startswith("("):
            continue
        if found.start() and expr[found.start() - 1].isdigit():
            continue  # the unit of a duration (offset 5m) or an exponent (1e3)
        metrics.add(name)
    return metrics, labels


def test_the_tokenizer() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (operation, le) (rate(gateway_x_bucket{outcome=~"a|b", domain!="z"}[5m])))'
        " / on (domain) group_left sum without (job) (gateway_y) > 2 and max(gateway_z) offset 5m"
    )
    assert tokenize(expr) == (
        {"gateway_x_bucket", "gateway_y", "gateway_z"},
        {"operation", "le", "outcome", "domain", "job"},
    )
    assert tokenize('sum(rate(m{a="by (x)"}[$__rate_interval]))') == ({"m"}, {"a"})


def alert_rules() -> list[dict[str, Any]]:
    document = yaml.safe_load((MONITORING / "alerts.yaml").read_text())
    rules: list[dict[str, Any]] = [rule for group in document["groups"] for rule in group["rules"]]
    assert rules, "no rules"
    return rules


def dashboard() -> dict[str, Any]:
    board: dict[str, Any] = json.loads((MONITORING / "dashboard.json").read_text())
    return board


def expressions() -> dict[str, str]:
    """Every PromQL expression the rules and the dashboard use, by where it is."""
    found = {f"alert {rule['alert']}": str(rule["expr"]) for rule in alert_rules()}
    for panel in dashboard()["panels"]:
        for target in panel.get("targets", []):
            found[f"panel {panel['title']!r} {target['refId']}"] = target["expr"]
    return found


def test_every_alert_has_for_severity_summary_and_runbook() -> None:
    names = set()
    for rule in alert_rules():
        assert "alert" in rule, f"recording rules are not expected here: {rule}"
        assert rule["alert"] not in names, f"duplicate alert {rule['alert']}"
        names.add(rule["alert"])
        assert re.fullmatch(r"\d+[smh]", str(rule.get("for", ""))), f"{rule['alert']} has no for:"
        assert rule.get("labels", {}).get("severity") in {"warning", "critical"}, rule["alert"]
        annotations = rule.get("annotations", {})
        assert annotations.get("summary") and annotations.get("description"), rule["alert"]
        assert "#alerts-and-dashboard" in annotations.get("runbook_url", ""), rule["alert"]
    expected = {"GatewayCircuitBreakerOpen", "GatewayIdempotencyStoreUnavailable", "GatewayP99LatencyHigh"}
    assert expected <= names


def test_the_runbook_anchor_exists_in_the_readme() -> None:
    text = README.read_text()
    assert "### Alerts and dashboard" in text
    assert text.index("## Operating the gateway") < text.index("### Alerts and dashboard") < text.index("## Tests")


def test_the_dashboard_is_a_grafana_dashboard_on_a_datasource_variable() -> None:
    board = dashboard()
    assert board["schemaVersion"] >= 36 and board["uid"] and board["title"]
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    panels = [p for p in board["panels"] if p["type"] != "row"]
    assert len({p["id"] for p in board["panels"]}) == len(board["panels"])
    for panel in panels:
        assert panel["datasource"]["uid"] == "${datasource}" and panel["targets"], panel["title"]
        assert all(t["datasource"]["uid"] == "${datasource}" for t in panel["targets"]), panel["title"]


async def exported() -> dict[str, set[str]]:
    """Metric sample names the gateway serves on /metrics after some traffic, each with its label names."""
    harness = build_harness()
    viewer = {"x-dev-viewer": PERSONA_USERS["tenant-admin"]}
    harness.services["storage"].state.faults.set(FaultSpec(down=True))
    page = "query Wl { workloads(first: 2) { edges { node { tabs { storage { mounts { mountPath } } } } } } }"
    async with harness.client() as client:
        await client.post("/graphql", json={"query": "query Shell { viewer { persona } }"}, headers=viewer)
        await client.post("/graphql", json={"query": page}, headers=viewer)  # storage down: partial
        await client.post("/graphql", json={"query": "{ nope }"}, headers=viewer)  # validation error
        await client.post(
            "/graphql",
            json={"query": LAUNCH_COMPUTE, "variables": {"input": compute_input("monitoring-box")}},
            headers={"x-dev-viewer": "u-marco", "idempotency-key": key("monitoring")},
        )
        await client.get("/readyz")
        text = (await client.get("/metrics")).text
    served: dict[str, set[str]] = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            names = [name + suffix for suffix in HISTOGRAM_SUFFIXES] if kind == "histogram" else [name]
            for sample_name in names:
                collector = REGISTRY._names_to_collectors.get(sample_name)  # declared labels, for unseen series
                declared = set(getattr(collector, "_labelnames", ()))
                served.setdefault(sample_name, set()).update(
                    declared | ({"le"} if sample_name.endswith("_bucket") else set())
                )
        elif line and not line.startswith("#"):
            name, _, rest = line.partition("{")
            served.setdefault(name.split()[0], set()).update(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=\"", rest))
    return served


async def test_every_metric_and_label_the_rules_and_dashboard_use_is_exported() -> None:
    served = await exported()
    assert "gateway_requests_total" in served and "gateway_request_duration_seconds_bucket" in served
    problems = []
    for where, expr in expressions().items():
        assert tokenize(expr)[0], f"{where}: no metric found in {expr!r}"
        # Each side of a ratio is checked on its own: `errors by (code) / on () total` groups only the errors by code.
        for side in _STRING.sub('""', expr).split("/"):
            metrics, labels = tokenize(side)
            for metric in metrics:
                if metric not in served:
                    problems.append(f"{where}: {metric} is not exported")
                    continue
                missing = labels - served[metric] - IMPLICIT_LABELS
                if missing:
                    problems.append(f"{where}: {metric} has no label {sorted(missing)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("expr", "problem"),
    [
        ("sum(rate(gateway_request_total[5m]))", "gateway_request_total is not exported"),
        ("sum by (code) (rate(gateway_requests_total[5m]))", "no label ['code']"),
        ('max(gateway_breaker_state{dependency="x"})', "no label ['dependency']"),
    ],
)
async def test_a_misspelled_metric_or_label_is_caught(expr: str, problem: str) -> None:
    served = await exported()
    metrics, labels = tokenize(expr)
    found = [f"{m} is not exported" for m in metrics if m not in served]
    found += [f"no label {sorted(labels - served[m] - IMPLICIT_LABELS)}" for m in metrics if m in served]
    assert any(problem in f for f in found), found
