"""Operation limits and cost (``OperationLimits`` schema extension) and per-principal rate limiting."""

from gateway.limits.analysis import DocumentReport, Metrics, analyse
from gateway.limits.extension import OperationLimits
from gateway.limits.ratelimit import MemoryBuckets, RedisBuckets, Throttle, create_rate_limiter

__all__ = [
    "DocumentReport",
    "MemoryBuckets",
    "Metrics",
    "OperationLimits",
    "RedisBuckets",
    "Throttle",
    "analyse",
    "create_rate_limiter",
]
