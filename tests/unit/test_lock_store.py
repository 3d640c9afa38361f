"""The lock stores are built from the endpoints files as Rasa builds them and hand out each ticket once."""
import asyncio
import multiprocessing
import os

import pytest
import rasa.core.utils
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig

from sciatica_rasa.lock_store import AtomicRedisLockStore, SQLiteLockStore


def test_built_from_its_endpoint_config_like_rasa_does():
    config = EndpointConfig.from_dict({
        "type": "sciatica_rasa.lock_store.AtomicRedisLockStore",
        "url": "redis.internal", "port": "6380", "db": "2", "password": "secret",
    })
    store = LockStore.create(config)  # no connection is made until first use
    assert isinstance(store, AtomicRedisLockStore)
    connection = store.red.connection_pool.connection_kwargs
    assert (connection["host"], connection["port"], connection["db"], connection["password"]) == (
        "redis.internal", 6380, 2, "secret",
    )


def issue_tickets(db: str, count: int) -> list:
    store = SQLiteLockStore(db=db)
    return [store.issue_ticket("shared") for _ in range(count)]


def test_sqlite_lock_store_is_built_from_its_endpoint_config(tmp_path):
    config = EndpointConfig.from_dict({"type": "sciatica_rasa.lock_store.SQLiteLockStore", "db": str(tmp_path / "locks.db")})
    store = LockStore.create(config)
    assert isinstance(store, SQLiteLockStore)
    assert rasa.core.utils.number_of_sanic_workers(config) == 1  # the default...
    os.environ["SANIC_WORKERS"] = "2"
    try:
        assert rasa.core.utils.number_of_sanic_workers(config) == 2  # ...and Rasa allows more with it
    finally:
        del os.environ["SANIC_WORKERS"]


def test_worker_processes_never_get_the_same_ticket(tmp_path):
    db = str(tmp_path / "locks.db")
    SQLiteLockStore(db=db)
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        batches = pool.starmap(issue_tickets, [(db, 50)] * 4)
    tickets = [ticket for batch in batches for ticket in batch]
    assert sorted(tickets) == list(range(200))


def test_turns_of_one_conversation_wait_for_each_other(tmp_path):
    first, second = SQLiteLockStore(db=str(tmp_path / "locks.db")), SQLiteLockStore(db=str(tmp_path / "locks.db"))
    order = []

    async def turn(store, name, hold):
        async with store.lock("someone", wait_time_in_seconds=0.01):
            order.append(f"{name} starts")
            await asyncio.sleep(hold)
            order.append(f"{name} ends")

    async def both():
        await asyncio.gather(turn(first, "a", 0.2), turn(second, "b", 0))

    asyncio.run(both())
    assert order == ["a starts", "a ends", "b starts", "b ends"]
    assert first.get_lock("someone") is None  # the last one out deletes the lock


def test_a_ticket_is_returned_even_when_the_turn_fails(tmp_path):
    store = SQLiteLockStore(db=str(tmp_path / "locks.db"))

    async def failing_turn():
        async with store.lock("someone"):
            raise RuntimeError("the turn failed")

    with pytest.raises(RuntimeError):
        asyncio.run(failing_turn())
    assert store.get_lock("someone") is None


def test_sqlite_lock_store_needs_a_file():
    with pytest.raises(ValueError, match="db"):
        SQLiteLockStore(endpoint_config=EndpointConfig.from_dict({"type": "x"}))
