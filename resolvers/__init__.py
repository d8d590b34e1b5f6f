"""Composition: fetch through loaders, join across domains, derive what pages need, enforce scope.

Returns plain domain objects (allow-list models and the dataclasses here); knows nothing of
GraphQL types. Imports only from ``gateway``.
"""
