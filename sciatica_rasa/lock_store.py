"""Rasa's Redis lock store, with tickets issued and returned atomically.

Rasa 3.6's RedisLockStore issues a ticket by reading the conversation's lock,
adding a ticket and writing it back. Two servers doing that at the same moment
both get the same ticket, both handle a message of the same conversation at
once, and one turn is lost from the tracker store (tests/reliability/
test_scaleout.py caught it). Here both steps run in a Redis transaction
(WATCH / MULTI), retried when another server changed the lock in between.
"""
from __future__ import annotations

import json
from typing import Any, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose ticket updates are transactions (endpoints: `type: sciatica_rasa.lock_store.AtomicRedisLockStore`)."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        # Rasa builds custom lock stores from their endpoint config.
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def _key(self, conversation_id: Text) -> Text:
        return self.key_prefix + conversation_id

    def _read(self, pipe: Any, conversation_id: Text) -> TicketLock:
        serialised = pipe.get(self._key(conversation_id))
        return TicketLock.from_dict(json.loads(serialised)) if serialised else TicketLock(conversation_id)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(pipe: Any) -> int:
            lock = self._read(pipe, conversation_id)
            ticket = lock.issue_ticket(lock_lifetime)
            pipe.multi()
            pipe.set(self._key(conversation_id), lock.dumps())
            return ticket

        try:
            return self.red.transaction(issue, self._key(conversation_id), value_from_callable=True)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Return the ticket; delete the lock when no one else holds one."""

        def finish(pipe: Any) -> None:
            lock = self._read(pipe, conversation_id)
            lock.remove_ticket_for(ticket_number)
            pipe.multi()
            if lock.is_someone_waiting():
                pipe.set(self._key(conversation_id), lock.dumps())
            else:
                pipe.delete(self._key(conversation_id))

        self.red.transaction(finish, self._key(conversation_id))
