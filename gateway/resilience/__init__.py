"""Per-backend policies: deadlines, read retries with a budget, circuit breakers, in-flight dedupe."""

from gateway.resilience.breaker import BreakerState, CircuitBreaker
from gateway.resilience.policy import BackendPolicy, inflight_reads
from gateway.resilience.retry import RetryBudget, backoff_delay

__all__ = ["BackendPolicy", "BreakerState", "CircuitBreaker", "RetryBudget", "backoff_delay", "inflight_reads"]
