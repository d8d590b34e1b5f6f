"""Backend calls per `_entities` query with N workload representations (in-process, embedded services).

Run: ``.venv/bin/python -m tests.federation.entity_calls``. The same counts are asserted by
``test_subgraph.py::test_entities_batch_through_the_loaders_one_call_per_type``.
"""

from __future__ import annotations

import asyncio

from gateway.ids import encode_global_id
from gateway.settings import Settings
from reference_services.seed import build_world
from tests.support import build_harness

ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Workload { id name kind } } }"


async def measure() -> None:
    ids = [w["id"] for w in build_world().domains["workloads"]["workloads"]]
    harness = build_harness(settings=Settings.from_env({}, viewer_cache_seconds=3600, subgraph=True))
    await harness.query("{ viewer { persona } }", persona="operator")  # the viewer's own lookups, not counted
    harness.calls()
    headers = {"authorization": f"Bearer {harness.token('operator')}"}
    for count in sorted({1, 10, 25, len(ids)}):
        representations = [{"__typename": "Workload", "id": encode_global_id("Workload", i)} for i in ids[:count]]
        async with harness.client() as client:
            response = await client.post(
                "/subgraph", json={"query": ENTITIES, "variables": {"r": representations}}, headers=headers
            )
        resolved = sum(1 for entity in response.json()["data"]["_entities"] if entity)
        print(f"N={count:3d} resolved={resolved:3d} backend calls={harness.calls()}")


if __name__ == "__main__":
    asyncio.run(measure())
