"""The serving process's collector set-up: the startup heap frozen, the young generation sized by the setting."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.heap import PYTHON_DEFAULT_YOUNG_THRESHOLD
from gateway.settings import Settings, SettingsError
from tests.support import build_harness

PROBE = """
import gc, sys
from gateway.heap import freeze_startup_heap
freeze_startup_heap(int(sys.argv[1]))
print(gc.get_threshold()[0], gc.get_freeze_count() > 0)
"""


@pytest.mark.socket
@pytest.mark.parametrize(("setting", "expected"), [(50_000, "50000"), (0, str(PYTHON_DEFAULT_YOUNG_THRESHOLD))])
def test_a_serving_process_freezes_its_heap_and_sizes_the_young_generation(setting: int, expected: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(setting)], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    assert out == [expected, "True"]


def test_the_threshold_setting_defaults_and_is_validated_by_name() -> None:
    assert Settings.from_env({}).gc_young_threshold == 0  # Python's own threshold unless an operator raises it
    assert Settings.from_env({"GATEWAY_GC_YOUNG_THRESHOLD": "50000"}).gc_young_threshold == 50_000
    for bad in ("-1", "many"):
        with pytest.raises(SettingsError, match="GATEWAY_GC_YOUNG_THRESHOLD"):
            Settings.from_env({"GATEWAY_GC_YOUNG_THRESHOLD": bad})


@pytest.fixture
def young_collections() -> Iterator[list[int]]:
    """Young-generation collections counted while the test runs (the threshold restored after)."""
    counted: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 0:
            counted.append(1)

    saved = gc.get_threshold()
    gc.callbacks.append(count)
    yield counted
    gc.callbacks.remove(count)
    gc.set_threshold(*saved)


async def test_a_raised_threshold_lets_a_page_request_s_objects_die_young(young_collections: list[int]) -> None:
    # A count of collections, not a time: the 50-row workloads page allocates enough containers that Python's
    # default threshold collects several times per request; a threshold of 50,000 once at most.
    harness = build_harness()
    query = (Path(__file__).parents[2] / "operations" / "workloads.graphql").read_text()

    async def collections_per_page(threshold: int) -> int:
        gc.set_threshold(threshold, *gc.get_threshold()[1:])
        gc.collect()
        young_collections.clear()
        body = await harness.query(query, {"first": 50})
        assert "errors" not in body, body["errors"]
        return len(young_collections)

    await collections_per_page(PYTHON_DEFAULT_YOUNG_THRESHOLD)  # warm: plans, caches
    default = await collections_per_page(PYTHON_DEFAULT_YOUNG_THRESHOLD)
    tuned = await collections_per_page(50_000)
    assert default >= 4, default
    assert tuned <= 1 < default, (tuned, default)
