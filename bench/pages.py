"""The pages the benchmark drives: name -> (GraphQL document, variables).

A variable may be a ``Lookup``: a small query the harness runs once before the page is measured
(for ids that depend on the seed, such as "a running vLLM workload"). To benchmark another page,
add an entry to ``PAGES``; ``--pages`` selects entries by name.
"""

from __future__ import annotations

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


WORKLOADS_PAGE = """
query WorkloadsPage($first: Int!) {
  workloads(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id name kind status statusReason ageSeconds
        gpu { model count }
        cost { hourly { amount currency } accrued { amount currency } billing }
        node { id hostname gpuModel status }
        project { id name }
        primaryAction { kind label enabled reason route }
        actions { kind enabled reason }
        suggestedNextSteps { title description route }
        tabs { storage { mounts { mountPath readOnly bucket { id name purpose } } } }
      }
    }
  }
}
"""

WORKLOAD_DETAIL_PAGE = """
query WorkloadDetailPage($id: ID!) {
  workload(id: $id) {
    id name kind status statusReason createdAt ageSeconds
    gpu { model count memoryGib }
    cost { hourly { amount currency } accrued { amount currency } billing }
    node { id hostname region gpuModel gpuCount status }
    project { id name }
    owner { id name }
    primaryAction { kind label enabled reason route }
    actions { kind label enabled reason route }
    suggestedNextSteps { title description route }
    ... on VllmWorkload {
      serving { modelName maxModelLength tensorParallelSize replicas route tokensPerSecond }
    }
    ... on TrainingWorkload {
      training {
        framework epochsTotal epochCurrent fractionComplete loss
        checkpointBucket { id name }
        datasetBucket { id name }
      }
    }
    tabs {
      overview {
        timeline { status state at }
        recentActivity { id type message at }
      }
      connect { methods { kind label command url credentialHint availability { state reason link } } }
      metrics {
        availability { state reason link }
        latest { gpuUtilization gpuMemoryUsedGib powerWatts sampledAt }
        sources { label href }
      }
      events { id type message at fromStatus toStatus }
      storage {
        mounts {
          mountPath readOnly
          bucket { id name purpose usage { usedBytes quotaBytes state } provider { provider displayName } }
        }
      }
      config { image command gpuModel gpuCount environment { name value redacted } }
    }
  }
}
"""

RUNNING_VLLM = Lookup(
    query="""
    query RunningVllm {
      workloads(first: 100, filter: {kinds: [VLLM, TRAINING], statuses: [RUNNING]}) { edges { node { id } } }
    }
    """,
    path=("workloads", "edges", "*", "node", "id"),
)

PAGES: dict[str, tuple[str, dict[str, Any]]] = {
    "workloads": (WORKLOADS_PAGE, {"first": 50}),
    "workload_detail": (WORKLOAD_DETAIL_PAGE, {"id": RUNNING_VLLM}),
    # The persona landings, as committed (operations/index.json); the bench's viewer is the tenant admin.
    "tenant_overview": ((DEFAULT_OPERATIONS_DIR / "landings/TenantOverviewPage.graphql").read_text(), {}),
    "project_overview": ((DEFAULT_OPERATIONS_DIR / "landings/ProjectOverviewPage.graphql").read_text(), {}),
}


# Mutations ``python -m bench.mutations`` drives: name -> (document, variables factory). The factory gets the
# request's number and its idempotency key (a fresh key per request, or one key repeated to measure replays)
# and must give equal variables for equal keys.
def _launch_compute(_: int, key: str) -> dict[str, Any]:
    return {"input": {
        "basics": {"projectId": "UHJvamVjdDpwLXJlc2VhcmNo", "name": f"bench-{key[-12:]}"},  # p-research
        "hardware": {"gpuModel": "NVIDIA L40S 48GB", "gpuCount": 1, "region": "us-east-1"},
        "image": {"image": "nvcr.io/nvidia/pytorch:24.10-py3"},
        "access": {"sshKeyId": "Q3JlZGVudGlhbDpjcmVkLXRhcmEtc3No"},  # u-tara's SSH key
    }}


def _create_bucket(_: int, key: str) -> dict[str, Any]:
    return {"input": {"projectId": "UHJvamVjdDpwLXJlc2VhcmNo", "name": f"bench-{key[-12:]}", "purpose": "artifact",
                      "provider": "weka", "region": "us-east-1", "quotaBytes": 1024**3}}


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
