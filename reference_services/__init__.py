"""Reference domain services: the REST contracts the gateway composes, on SQLite with seed data.

Never imported by ``gateway``, ``schema`` or ``resolvers``: the gateway reaches them over HTTP
(in-process through httpx's ASGI transport on the embedded default, or on real sockets).
"""
