"""A second, tiny federation subgraph for the composition test: it adds ``costCenter`` to every ``Workload``.

``Workload`` is an entity interface of the gateway's subgraph; here it is an ``@interfaceObject`` keyed by the
same global id, so the router asks the gateway for the workload's own fields and this service for the cost centre.
``auditedWorkload(id:)`` starts a plan here, so the router must fetch the rest through the gateway's
``_entities``. Run: ``python -m tests.federation.cost_centers --port 8300`` (loopback only).
"""

from __future__ import annotations

import argparse
import base64
import hashlib

import strawberry
import uvicorn
from strawberry.asgi import GraphQL

COST_CENTERS = ("cc-research", "cc-inference", "cc-platform")


def cost_center(global_id: str) -> str:
    """The cost centre billed for a workload: a stable function of its local id (nothing but the id needed)."""
    local_id = base64.b64decode(global_id).decode().partition(":")[2]
    return COST_CENTERS[hashlib.sha256(local_id.encode()).digest()[0] % len(COST_CENTERS)]


# Workload, its id and Query carry no description here: composition keeps the gateway's.
@strawberry.federation.interface_object(keys=["id"])
class Workload:
    id: strawberry.ID

    @strawberry.field(description="The cost centre the workload's spend is booked to.")
    def cost_center(self) -> str:
        return cost_center(self.id)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Workload:
        return cls(id=id)


@strawberry.type
class Query:
    @strawberry.field(description="A workload under audit, by global id (its fields come from the gateway).")
    def audited_workload(self, id: strawberry.ID) -> Workload | None:
        return Workload(id=id)


schema = strawberry.federation.Schema(query=Query, federation_version="2.3")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(GraphQL(schema, graphql_ide=None), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
