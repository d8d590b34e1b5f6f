"""The two stores behave the same: acquire, replay, mismatch, leases, take-over and fencing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway.errors import IdempotencyKeyInvalid, IdempotencyKeyRequired
from gateway.idempotency.factory import open_store
from gateway.idempotency.fingerprint import backend_key, canonical_json, record_key
from gateway.idempotency.keys import check_key, choose_key
from gateway.idempotency.settings import IdempotencySettings
from gateway.idempotency.store import Acquired, IdempotencyStore, InProgress, Mismatch, Replay
from tests.idempotency_support import STORES, store_config

LEASE = 0.3
TTL = 60.0


@pytest.fixture(params=STORES)
async def store(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[IdempotencyStore]:
    config = store_config(request.param, tmp_path)
    env = config.env
    opened = open_store(
        IdempotencySettings(
            store=env["GATEWAY_IDEMPOTENCY_STORE"], key_prefix=env.get("GATEWAY_IDEMPOTENCY_KEY_PREFIX", "x:")
        ),
        embedded=False,
    )
    yield opened
    await opened.aclose()
    config.cleanup()


async def begin(store: IdempotencyStore, record: str, fingerprint: str = "fp-1", ttl: float = TTL) -> Any:
    return await store.begin(record, fingerprint, lease_seconds=LEASE, ttl_seconds=ttl)


async def test_first_request_acquires_and_a_completed_one_replays(store: IdempotencyStore):
    first = await begin(store, "r1")
    assert first == Acquired(1)
    assert isinstance(await begin(store, "r1"), InProgress)
    assert await store.complete("r1", 1, '{"result": 1}', "2026-01-01T00:00:00.000Z", ttl_seconds=TTL)
    assert await begin(store, "r1") == Replay('{"result": 1}', "2026-01-01T00:00:00.000Z")
    assert await begin(store, "r1", "fp-other") == Mismatch()


async def test_a_crashed_holders_lease_lapses_and_a_retry_takes_over_with_a_higher_token(store: IdempotencyStore):
    assert await begin(store, "r2") == Acquired(1)
    busy = await begin(store, "r2")
    assert isinstance(busy, InProgress) and 0 < busy.remaining_seconds <= LEASE
    await asyncio.sleep(LEASE + 0.15)  # the holder "crashed": nobody renews
    assert await begin(store, "r2") == Acquired(2)
    # The stale holder wakes up: it can neither renew nor overwrite (fencing).
    assert not await store.renew("r2", 1, lease_seconds=LEASE)
    assert not await store.complete("r2", 1, '{"stale": true}', "t", ttl_seconds=TTL)
    assert not await store.release("r2", 1)
    assert await store.complete("r2", 2, '{"fresh": true}', "t2", ttl_seconds=TTL)
    assert await begin(store, "r2") == Replay('{"fresh": true}', "t2")


async def test_a_renewed_lease_keeps_other_requests_out(store: IdempotencyStore):
    assert await begin(store, "r3") == Acquired(1)
    for _ in range(3):
        await asyncio.sleep(LEASE / 2)
        assert await store.renew("r3", 1, lease_seconds=LEASE)
    assert isinstance(await begin(store, "r3"), InProgress)


async def test_a_released_record_is_free_for_any_arguments_and_tokens_keep_rising(store: IdempotencyStore):
    assert await begin(store, "r4") == Acquired(1)
    assert await store.release("r4", 1)
    assert await begin(store, "r4", "fp-corrected") == Acquired(2)
    assert not await store.complete("r4", 1, "{}", "t", ttl_seconds=TTL)


async def test_completed_records_expire_after_their_retention(store: IdempotencyStore):
    assert await begin(store, "r5", ttl=0.3) == Acquired(1)
    assert await store.complete("r5", 1, "{}", "t", ttl_seconds=0.3)
    await asyncio.sleep(0.45)
    assert isinstance(await begin(store, "r5", "fp-later"), Acquired)


async def test_concurrent_begins_let_exactly_one_request_in(store: IdempotencyStore):
    answers = await asyncio.gather(*(begin(store, "r6") for _ in range(20)))
    assert sum(isinstance(a, Acquired) for a in answers) == 1
    assert all(isinstance(a, Acquired | InProgress) for a in answers)


def test_scope_and_forwarded_keys_separate_tenants_principals_and_fields() -> None:
    base = ("t-acme", "u-marco", "launchCompute", "k" * 16)
    variants = [("t-globex", *base[1:]), (base[0], "u-priya", *base[2:]), (*base[:2], "launchApp", base[3])]
    assert len({record_key(*base), *(record_key(*v) for v in variants)}) == 4
    assert len({backend_key(*base), *(backend_key(*v) for v in variants)}) == 4
    assert record_key(*base) not in backend_key(*base)  # the store's key is not what services see


def test_canonical_json_is_one_spelling_for_one_meaning() -> None:
    assert canonical_json({"b": [1, {"y": 2, "x": 1}], "a": "é"}) == '{"a":"é","b":[1,{"x":1,"y":2}]}'


def test_key_rules() -> None:
    assert check_key("a" * 16, "key") == "a" * 16
    assert choose_key(None, "A.b_c:d-0123456789", 3) == "A.b_c:d-0123456789"
    with pytest.raises(IdempotencyKeyRequired):
        choose_key(None, None, 1)
    for bad in ("a" * 15, "a" * 256, "a" * 15 + " ", "ä" * 16):
        with pytest.raises(IdempotencyKeyInvalid):
            check_key(bad, "key")
