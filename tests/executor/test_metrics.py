"""The plan cache is reported on /metrics, bounded by GATEWAY_PLAN_CACHE_SIZE; the setting is validated."""

from __future__ import annotations

import pytest

from gateway.executor import plans
from gateway.settings import Settings, SettingsError
from tests.support import build_harness


async def test_plan_cache_size_is_on_metrics_and_bounded_by_the_setting() -> None:
    harness = build_harness(settings=Settings.from_env({"GATEWAY_PLAN_CACHE_SIZE": "2"}, viewer_cache_seconds=0))
    try:
        for number in range(4):
            body = await harness.query(f"query Q{number} {{ viewer {{ persona }} }}")
            assert "errors" not in body, body
        assert len(plans) == 2
        async with harness.client() as client:
            text = (await client.get("/metrics")).text
        assert "gateway_executor_plan_cache_documents 2.0" in text
        assert "gateway_executor_plans_compiled_total" in text
    finally:
        plans.resize(Settings().plan_cache_size)


@pytest.mark.parametrize(
    ("variable", "value"),
    [("GATEWAY_EXECUTOR", "jit"), ("GATEWAY_PLAN_CACHE_SIZE", "0"), ("GATEWAY_PLAN_CACHE_SIZE", "x")],
)
def test_bad_executor_settings_are_refused_by_name(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({variable: value})


def test_compiled_is_the_default() -> None:
    assert Settings.from_env({}).executor == "compiled"
    assert Settings.from_env({"GATEWAY_EXECUTOR": "standard"}).executor == "standard"
