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
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore, RedisLockStore
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


class SQLiteLockStore(LockStore):
    """Ticket locks in a SQLite file, for several Rasa worker processes on one machine.

    Rasa serves with several worker processes (SANIC_WORKERS) only with a lock
    store they share; this one needs no server. Each ticket change is one
    `BEGIN IMMEDIATE` transaction, so two workers never get the same ticket.
    endpoints.yml: `lock_store: {type: sciatica_rasa.lock_store.SQLiteLockStore, db: var/locks.db}`.
    """

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, db: Optional[Text] = None) -> None:
        path = db or (endpoint_config.kwargs.get("db") if endpoint_config is not None else None)
        if not path:
            raise ValueError("SQLiteLockStore needs the path of its database file (`db`)")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: transactions are begun and ended explicitly below.
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # locks outlive no crash: no fsync per commit
        self._db.execute("CREATE TABLE IF NOT EXISTS locks (conversation_id TEXT PRIMARY KEY, lock TEXT NOT NULL)")

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        row = self._db.execute("SELECT lock FROM locks WHERE conversation_id = ?", (conversation_id,)).fetchone()
        return TicketLock.from_dict(json.loads(row[0])) if row else None

    def delete_lock(self, conversation_id: Text) -> None:
        self._db.execute("DELETE FROM locks WHERE conversation_id = ?", (conversation_id,))

    def save_lock(self, lock: TicketLock) -> None:
        self._db.execute("INSERT OR REPLACE INTO locks VALUES (?, ?)", (lock.conversation_id, lock.dumps()))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")  # takes the write lock before reading
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            with self._transaction():
                lock = self.get_or_create_lock(conversation_id)
                ticket = lock.issue_ticket(lock_lifetime)
                self.save_lock(lock)
                return ticket
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        with self._transaction():
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Return the ticket; delete the lock when no one else holds one."""
        with self._transaction():
            lock = self.get_lock(conversation_id)
            if lock is None:
                return
            lock.remove_ticket_for(ticket_number)
            if lock.is_someone_waiting():
                self.save_lock(lock)
            else:
                self.delete_lock(conversation_id)
