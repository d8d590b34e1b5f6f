"""The pages the benchmark drives: name -> (GraphQL document, variables).

A variable may be a ``Lookup``: a small query the harness runs once before the page is measured
(for ids that depend on the seed, such as "a running vLLM workload"). To benchmark another page,
add an entry to ``PAGES``; ``--pages`` selects entries by name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from gateway.documents import DEFAULT_OPERATIONS_DIR


@dataclass(frozen=True)
class Lookup:
    """A variable value found by running ``query`` and taking the first non-null value at ``path``.

    ``path`` is a tuple of keys; the string ``"*"`` fans out over a list.
    """

    query: str
    path: tuple[str, ...]
    variables: dict[str, Any] | None = None


def route_operation(route: str) -> str:
    """The committed operation of a console route (operations/index.json): the bench measures real pages."""
    index = json.loads((DEFAULT_OPERATIONS_DIR / "index.json").read_text())
    return (DEFAULT_OPERATIONS_DIR / index["routes"][route]["file"]).read_text()


RUNNING_VLLM = Lookup(
    query="""
    query RunningVllm {
      workloads(first: 100, filter: {kinds: [VLLM, TRAINING], statuses: [RUNNING]}) { edges { node { id } } }
    }
    """,
    path=("workloads", "edges", "*", "node", "id"),
)

PAGES: dict[str, tuple[str, dict[str, Any]]] = {
    "workloads": (route_operation("/workloads"), {"first": 50}),
    "workload_detail": (route_operation("/workloads/{id}"), {"id": RUNNING_VLLM}),
    # The persona landings; the bench's viewer is the tenant admin.
    "tenant_overview": (route_operation("/tenant/overview"), {}),
    "project_overview": (route_operation("/project/overview"), {}),
}


# Mutations ``python -m bench.mutations`` drives: name -> (document, variables factory). The factory gets the
# request's number and its idempotency key (a fresh key per request, or one key repeated to measure replays)
# and must give equal variables for equal keys.
# Launches hold GPU quota: they take turns over the one-GPU shapes of the tenant admin's projects with room.
LAUNCH_SLOTS = (
    ("UHJvamVjdDpwLXJlc2VhcmNo", "NVIDIA L40S 48GB"),  # p-research
    ("UHJvamVjdDpwLXJlc2VhcmNo", "NVIDIA H100 80GB"),
    ("UHJvamVjdDpwLXZpc2lvbg==", "NVIDIA L40S 48GB"),  # p-vision
    ("UHJvamVjdDpwLXZpc2lvbg==", "NVIDIA H100 80GB"),
)


def _launch_compute(number: int, key: str) -> dict[str, Any]:
    project, model = LAUNCH_SLOTS[number % len(LAUNCH_SLOTS)]
    return {
        "input": {
            "basics": {"projectId": project, "name": f"bench-{key[-12:]}"},
            "hardware": {"gpuModel": model, "gpuCount": 1, "region": "us-east-1"},
            "image": {"image": "nvcr.io/nvidia/pytorch:24.10-py3"},
            "access": {"sshKeyId": "Q3JlZGVudGlhbDpjcmVkLXRhcmEtc3No"},  # u-tara's SSH key
        }
    }


def _create_bucket(_: int, key: str) -> dict[str, Any]:
    return {
        "input": {
            "projectId": "UHJvamVjdDpwLXJlc2VhcmNo",
            "name": f"bench-{key[-12:]}",
            "purpose": "artifact",
            "provider": "WEKA",
            "region": "us-east-1",
            "quotaBytes": 1024**3,
        }
    }


MUTATIONS: dict[str, tuple[str, Any]] = {
    "launchCompute": (
        "mutation($input: LaunchComputeInput!) { launchCompute(input: $input) {"
        " workload { id status primaryAction { kind } } userErrors { code } } }",
        _launch_compute,
    ),
    "createBucket": (
        "mutation($input: CreateBucketInput!) { createBucket(input: $input) {"
        " bucket { id name } userErrors { code } } }",
        _create_bucket,
    ),
}
