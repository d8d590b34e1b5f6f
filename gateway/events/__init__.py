"""Live updates: the services' event streams, carried to subscribers on any replica.

``settings`` (``GATEWAY_EVENTS`` ...), ``model`` (the event and its client-visible id), ``hub`` (in-process
fan-out with bounded queues), ``bus`` (reading the streams in-process; ``Live``, what the app holds) and
``redis_bus`` (one reader per stream across replicas, Redis pub/sub).
"""
