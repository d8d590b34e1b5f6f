"""``python -m bench.mutations`` measures a mutation end to end (figures exist; speed is not checked)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.mutations import main

pytestmark = pytest.mark.socket


def test_bench_measures_mutation_latency_with_the_sqlite_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    output = tmp_path / "mutations.json"
    assert (
        main(
            [
                "--stores",
                "sqlite",
                "--requests",
                "3",
                "--concurrency",
                "2",
                "--latency-ms",
                "5",
                "--output",
                str(output),
            ]
        )
        == 0
    )
    figures = json.loads(output.read_text())["stores"]["sqlite"]
    for name, phases in figures.items():
        for phase in ("serial", "concurrent", "replay"):
            assert phases[phase]["errors"] == 0, (name, phase, phases[phase]["error_samples"])
            assert phases[phase]["requests"] > 0 and phases[phase]["p50_ms"] > 0
    assert "launchCompute" in capsys.readouterr().out
