"""A compiled executor for validated GraphQL operations (``GATEWAY_EXECUTOR=compiled``, the default).

- ``plan``: what a plan holds (merged fields, how each value is found, its completion);
- ``compiler``: building plans with graphql-core's own field collection, and the bounded plan cache;
- ``completion``: completion per return type, chosen once;
- ``runner``: ``CompiledExecutor``, the schema's execution context class, executing plans.

Queries, mutations (serially) and each subscription event's payload run from plans; a subscription's source
stream is created on graphql-core's path. ``GATEWAY_EXECUTOR=standard`` runs every operation on graphql-core's
path (the same class defers to it).
"""

from gateway.executor.compiler import plans
from gateway.executor.runner import COMPILED, STANDARD, CompiledExecutor

EXECUTORS = (COMPILED, STANDARD)

__all__ = ["COMPILED", "EXECUTORS", "STANDARD", "CompiledExecutor", "plans"]
