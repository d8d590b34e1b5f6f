"""Generated documents (``tests.executor.corpus``), each compiled on first use, as every persona: byte-identical
responses on both executors, errors (forbidden fields, limits) included."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.settings import Settings
from schema import schema
from tests.executor.corpus import generate
from tests.executor.support import assert_identical, frozen_clock, on_both
from tests.support import PERSONA_USERS, GatewayHarness, build_harness

pytestmark = pytest.mark.asyncio(loop_scope="module")

DOCUMENTS = 120


@pytest.fixture(scope="module")
def frozen() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch, frozen_clock(patch):
        yield


@pytest.fixture(scope="module")
def harness(frozen: None) -> GatewayHarness:
    return build_harness(settings=Settings.from_env({}, viewer_cache_seconds=3600))


@pytest.mark.parametrize("chunk", range(4))
async def test_generated_documents_are_identical_on_both_executors(harness: GatewayHarness, chunk: int) -> None:
    personas = sorted(PERSONA_USERS)
    with_data = with_errors = 0
    for seed in range(chunk, DOCUMENTS, 4):
        document = generate(schema._schema, seed)
        persona = personas[seed % len(personas)]
        standard, compiled = await on_both(harness, document.text, document.variables, persona)
        assert_identical(standard, compiled, (seed, persona, document.text, document.variables))
        with_data += b'"data":{' in standard[1]
        with_errors += b'"errors"' in standard[1]
    # The corpus exercises both outcomes, or it compares nothing interesting.
    assert with_data > DOCUMENTS // 8, with_data
    assert with_errors > 0, with_errors
