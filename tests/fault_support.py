"""Shared by the fault suites: the page queries, the faults, and the partial-result contract.

The contract, for a page run with one domain service faulty against the same page run healthy:
- no 5xx; every error names a BACKEND_* code and the faulty service, and has a path;
- every value that differs from the healthy page is null, at or above an error's path (GraphQL nulls
  propagate to the nearest nullable parent), and everything else is exactly the healthy page;
- a root field is null only when its own resolver failed (an error at exactly that path): a deeper
  failure must stop at a nullable section instead of wiping the page;
- a page that does not read from the faulty service is unchanged;
- nothing the backend said reaches the client (its error bodies carry a SEEDSECRET marker).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
)

from bench.pages import PAGES as BENCH_PAGES
from bench.pages import Lookup

BACKEND_CODES = {"BACKEND_UNAVAILABLE", "BACKEND_TIMEOUT", "BACKEND_BAD_RESPONSE"}
# Fields derived from the clock move between two renders of the same page: these by name, and any
# two timestamps less than a minute apart (due dates, run-out times computed from "now").
VOLATILE = {"ageSeconds", "accrued"}
CLOCK_SLACK_SECONDS = 60.0


def _close_timestamps(a: Any, b: Any) -> bool:
    if not (isinstance(a, str) and isinstance(b, str)):
        return False
    try:
        return abs((datetime.fromisoformat(a) - datetime.fromisoformat(b)).total_seconds()) < CLOCK_SLACK_SECONDS
    except (ValueError, TypeError):
        return False


BUCKETS_PAGE = """
query BucketsPage {
  buckets(first: 20) {
    totalCount
    edges { node {
      id name purpose region status
      usage { usedBytes quotaBytes state }
      provider { provider displayName capabilities { name validated } }
      project { id name tenant { id name } }
      tabs { mountedWorkloads { mountPath workload { id name status } } }
    } }
  }
}
"""

BUCKET_DETAIL_PAGE = """
query BucketDetailPage($id: ID!) {
  bucket(id: $id) {
    id name purpose status createdAt
    usage { usedBytes quotaBytes objectCount state }
    provider { provider displayName capabilities { name supported validated note } }
    project { id name viewerRole }
    tabs {
      objects { availability { state reason link } objects { key sizeBytes } }
      mountedWorkloads { mountPath readOnly workload { id name kind status node { id hostname } } }
      accessAudiences { kind permission purpose project { id name } }
      lifecycle { availability { state } rules { action prefix afterDays } }
      events { type message at }
    }
  }
}
"""

VIEWER_PAGE = """
query ViewerShell {
  viewer { persona user { id name email } tenant { id name slug } projects { id name slug viewerRole } }
}
"""

A_BUCKET = Lookup(
    query="query { buckets(first: 1) { edges { node { id } } } }", path=("buckets", "edges", "*", "node", "id")
)

PAGES: dict[str, tuple[str, dict[str, Any]]] = {
    "buckets": (BUCKETS_PAGE, {}),
    "bucket_detail": (BUCKET_DETAIL_PAGE, {"id": A_BUCKET}),
    "viewer": (VIEWER_PAGE, {}),
    **BENCH_PAGES,  # the benchmark's pages (workloads list and detail, and whatever it measures since)
}


def _needs_arguments(field: GraphQLField) -> bool:
    return any(isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined for a in field.args.values())


def _selection(output: Any, depth: int) -> str:
    named = get_named_type(output)
    if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
        return ""
    if depth == 0 or isinstance(named, GraphQLUnionType):
        return "{ __typename }"
    parts = ["__typename"]
    for name, field in named.fields.items():
        if _needs_arguments(field):
            continue
        sub = _selection(field.type, depth - 1)
        if not sub:
            parts.append(name)
        elif depth > 1:
            parts.append(f"{name} {sub}")
    return "{ " + " ".join(parts) + " }"


def walk_pages(graphql_schema: GraphQLSchema, depth: int = 3) -> dict[str, str]:
    """One query per root field that needs no argument, selecting every field ``depth`` levels down.

    Covers every domain's root fields, including ones added after this suite was written.
    """
    assert graphql_schema.query_type is not None
    return {
        name: "{ " + f"{name} {_selection(field.type, depth)}".strip() + " }"
        for name, field in graphql_schema.query_type.fields.items()
        if not _needs_arguments(field)
    }


@dataclass(frozen=True)
class Fault:
    """A fault as the admin endpoint takes it, and the code the gateway must report for it."""

    name: str
    spec: dict[str, Any]
    code: str
    outcome: str  # gateway_backend_requests_total outcome label it produces


FAULTS = [
    Fault("down", {"down": True}, "BACKEND_UNAVAILABLE", "unavailable"),
    Fault("5xx", {"error_rate": 1.0}, "BACKEND_UNAVAILABLE", "unavailable"),
    Fault("malformed", {"malformed": True}, "BACKEND_BAD_RESPONSE", "bad_response"),
    Fault("truncated", {"truncated": True}, "BACKEND_BAD_RESPONSE", "bad_response"),
    Fault("wrong_shape", {"wrong_shape": True}, "BACKEND_BAD_RESPONSE", "bad_response"),
    Fault("slow", {"latency_ms": 1500}, "BACKEND_TIMEOUT", "timeout"),
]


def _at_path(value: Any, path: tuple[str, ...]) -> Iterator[Any]:
    if not path:
        yield value
        return
    head, rest = path[0], path[1:]
    if head == "*" and isinstance(value, list):
        for item in value:
            yield from _at_path(item, rest)
    elif isinstance(value, dict) and head in value:
        yield from _at_path(value[head], rest)


def lookup_value(body: dict[str, Any], lookup: Lookup) -> Any:
    """The first non-null value at the lookup's path."""
    for found in _at_path(body.get("data"), lookup.path):
        if found is not None:
            return found
    raise AssertionError(f"lookup found nothing at {lookup.path}: {body}")


def differences(healthy: Any, faulty: Any, path: tuple[Any, ...] = ()) -> tuple[list[tuple[Any, ...]], list[str]]:
    """(paths where the faulty page is null but the healthy one is not, other differences)."""
    if faulty is None and healthy is not None:
        return [path], []
    if path and path[-1] in VOLATILE:
        return [], []
    if isinstance(healthy, dict) and isinstance(faulty, dict):
        nulls, other = [], []
        for key in healthy.keys() | faulty.keys():
            n, o = differences(healthy.get(key), faulty.get(key), (*path, key))
            nulls += n
            other += o
        return nulls, other
    if isinstance(healthy, list) and isinstance(faulty, list):
        if len(healthy) != len(faulty):
            return [], [f"{'.'.join(map(str, path))}: {len(faulty)} items instead of {len(healthy)}"]
        nulls, other = [], []
        for index, (h, f) in enumerate(zip(healthy, faulty, strict=True)):
            n, o = differences(h, f, (*path, index))
            nulls += n
            other += o
        return nulls, other
    if healthy == faulty or _close_timestamps(healthy, faulty):
        return [], []
    return [], [f"{'.'.join(map(str, path))}: {faulty!r} != {healthy!r}"]


def assert_partial_result(
    healthy: dict[str, Any],
    status: int,
    faulty: dict[str, Any],
    *,
    domain: str,
    codes: set[str],
    reads_domain: bool,
) -> None:
    """The partial-result contract (see the module docstring); ``reads_domain``: the page calls that service."""
    where = f"[{domain}]"
    assert status < 500, f"{where} HTTP {status}: {faulty}"
    assert "errors" not in healthy, f"the healthy page has errors: {healthy['errors']}"
    assert "SEEDSECRET" not in str(faulty), f"{where} a backend's words reached the client"
    errors = faulty.get("errors", [])
    if not reads_domain:
        assert not errors, f"{where} a page that does not read from {domain} has errors: {errors}"
        changed = differences(healthy["data"], faulty.get("data"))
        assert changed == ([], []), f"{where} a page that does not read from {domain} changed: {changed}"
        return
    assert errors, f"{where} the page reads from {domain} but reported no error"
    error_paths = []
    for error in errors:
        extensions = error.get("extensions", {})
        assert extensions.get("code") in codes, f"{where} unexpected code: {error}"
        assert extensions.get("service") == domain, f"{where} error does not name {domain}: {error}"
        assert error.get("path"), f"{where} error without a path: {error}"
        error_paths.append(tuple(error["path"]))
    nulls, other = differences(healthy["data"], faulty.get("data") or {})
    assert not other, f"{where} parts of the page that should be intact changed: {other[:5]}"
    for null in nulls:
        assert any(p[: len(null)] == null for p in error_paths), f"{where} {null} is null without an error under it"
        if len(null) == 1:
            assert null in error_paths, (
                f"{where} root field {null[0]} was wiped by a deeper failure "
                f"({[p for p in error_paths if p[0] == null[0]][:3]}): "
                "make the failing section nullable"
            )
    for error_path in error_paths:
        assert any(error_path[: len(n)] == n for n in nulls), f"{where} error at {error_path} but nothing is null there"
