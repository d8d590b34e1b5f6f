"""Compute types: GPU SKU cards with hardware, price and availability by region."""

from __future__ import annotations

from enum import Enum

import strawberry

from gateway.backends.platform import models as backend
from gateway.ids import encode_global_id
from resolvers.platform import compute as resolve
from resolvers.shared import shapes
from schema.shared.types import Money, Node


@strawberry.enum(description="How much of a SKU a region can hand out now.")
class SkuAvailabilityState(Enum):
    AVAILABLE = strawberry.enum_value("available", description="Plenty of capacity.")
    LIMITED = strawberry.enum_value("limited", description="A few machines left; launches may queue.")
    SOLD_OUT = strawberry.enum_value("sold_out", description="No capacity now; launches wait for capacity.")


@strawberry.type(description="Availability of a SKU in one region.")
class RegionAvailability:
    region: str = strawberry.field(description="Region name, e.g. us-east-1.")
    available_count: int = strawberry.field(description="Machines of this SKU that can be launched now.")
    state: SkuAvailabilityState = strawberry.field(description="Available, limited or sold out.")


@strawberry.type(description="A GPU SKU card: hardware, price per hour and availability by region.")
class ComputeSku(Node):
    name: str = strawberry.field(description="Display name, e.g. 8x H100 80GB.")
    gpu_model: str = strawberry.field(description="GPU model, e.g. NVIDIA H100 80GB.")
    gpu_family: str = strawberry.field(description="Short GPU family name, e.g. H100 (also accepted by `gpuModel`).")
    gpu_count: int = strawberry.field(description="GPUs per machine.")
    gpu_memory_gib: int = strawberry.field(description="Memory per GPU in GiB.")
    total_gpu_memory_gib: int = strawberry.field(description="GPU memory of the whole machine in GiB.")
    vcpu: int = strawberry.field(description="Virtual CPUs per machine.")
    ram_gib: int = strawberry.field(description="System memory per machine in GiB.")
    local_nvme_gib: int = strawberry.field(description="Local NVMe scratch per machine in GiB.")
    interconnect: str | None = strawberry.field(description="GPU interconnect and network fabric, when known.")
    price_per_hour: shapes.Money = strawberry.field(
        description="Price of the whole machine per hour.", graphql_type=Money
    )
    price_per_gpu_hour: shapes.Money = strawberry.field(description="Price per GPU per hour.", graphql_type=Money)
    regions: list[RegionAvailability] = strawberry.field(
        description="Availability by region (only the region asked for, when `computeSkus` had `region`)."
    )
    best_availability: SkuAvailabilityState = strawberry.field(description="The best state of the regions shown.")
    launchable: bool = strawberry.field(description="True when at least one region shown has capacity now.")
    launch_route: str = strawberry.field(description="Console route of the compute launch wizard for this SKU.")

    @classmethod
    def of(cls, card: resolve.SkuCard) -> ComputeSku:
        """From the resolvers' SKU card."""
        sku = card.sku
        return cls(
            id=strawberry.ID(encode_global_id("ComputeSku", sku.id)),
            name=sku.name,
            gpu_model=sku.gpu_model,
            gpu_family=sku.gpu_family,
            gpu_count=sku.gpu_count,
            gpu_memory_gib=sku.gpu_memory_gib,
            total_gpu_memory_gib=sku.gpu_memory_gib * sku.gpu_count,
            vcpu=sku.vcpu,
            ram_gib=sku.ram_gib,
            local_nvme_gib=sku.local_nvme_gib,
            interconnect=sku.interconnect,
            price_per_hour=card.price_per_hour,
            price_per_gpu_hour=card.price_per_gpu_hour,
            regions=[
                RegionAvailability(
                    region=r.region, available_count=r.available_count, state=SkuAvailabilityState(r.state)
                )
                for r in card.regions
            ],
            best_availability=SkuAvailabilityState(card.best_state),
            launchable=card.best_state != "sold_out",
            launch_route=card.launch_route,
        )

    @classmethod
    def of_model(cls, sku: backend.GpuSku) -> ComputeSku:
        """From the platform service's SKU, showing every region."""
        return cls.of(resolve.card(sku))
