"""Garbage-collector set-up of a serving process."""

from __future__ import annotations

import gc

# Python's default: a young-generation collection every 700 net container allocations.
PYTHON_DEFAULT_YOUNG_THRESHOLD = 700


def freeze_startup_heap(young_threshold: int = 0) -> None:
    """Exempt everything alive after start-up (modules, the schema, clients) from cyclic collection, and let the
    young generation grow to ``young_threshold`` objects before a collection (0: Python's default).

    Each request allocates many short-lived objects, so collections run often, and every full
    collection would otherwise re-scan the long-lived objects of the schema and the libraries
    (about 12% of a page's CPU in the bench profile). A 50-row page triggers about 14 young collections at
    Python's threshold; a threshold above one request's allocations lets most objects die young, but keeps
    more garbage alive between collections (``make bench``: no CPU gain measured, about 50 MiB more RSS per
    worker at 50000), so raising it is the operator's choice. Call once per process, after the app is built.
    """
    gc.collect()
    gc.freeze()
    if young_threshold > 0:
        _, middle, old = gc.get_threshold()
        gc.set_threshold(young_threshold, middle, old)
