"""The atomic Redis lock store is built from endpoints.scaleout.yml as Rasa builds it."""
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig

from sciatica_rasa.lock_store import AtomicRedisLockStore


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
