"""The SQL tracker store, with the events of recent conversations kept in memory.

Rasa's SQLTrackerStore reads and deserialises every event of the conversation
on each retrieve; the server retrieves a tracker at least twice a turn (the
guarded channel reads the last buttons, then the processor), so a turn got
slower the longer the conversation. Deserialising events, not the query, is
the cost. This store keeps the tracker it saved last for each recent
conversation and hands it out again (replaying its events into a new tracker
took milliseconds in a long conversation, twice a turn); one COUNT query (in plain SQL) per
retrieve checks that the database holds exactly its events, so another server
writing to the same database or a new session fall back to reading from the
database, and a turn that failed before saving to a tracker rebuilt from the
saved events.

Trackers are `MemoTracker`s: each conversation's memo of dialogue states
goes from one turn's tracker to the next, so a turn no longer replays the
whole conversation for every policy (see trackers.py).

With SQLite it keeps its connection open and turns on write-ahead logging with `synchronous=NORMAL`: a
commit no longer waits for the disk (it did twice a turn, holding up every
conversation), and a crash of the server still loses nothing; only a power
cut can lose the last turns, never corrupt the file.
"""
from __future__ import annotations

import itertools
import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Iterator, List, Optional, Text

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import SingletonThreadPool

from sciatica_rasa.trackers import ConversationMemo, MemoTracker, starts_with


@dataclass
class _Saved:
    events: List[Event]
    tracker: Optional[MemoTracker]


class CachedSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that rebuilds recent trackers from memory instead of the database."""

    def __init__(self, *args: Any, cache_size: int = 500, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self._reuse_sqlite_connections()
        self.cache_size = int(cache_size)
        # sender id -> the events of its latest session and the tracker, as saved.
        self._saved: OrderedDict[Text, _Saved] = OrderedDict()
        self._memos: OrderedDict[Text, ConversationMemo] = OrderedDict()
        self._count_statement = _latest_session_count(self.SQLEvent.__tablename__)

    def _reuse_sqlite_connections(self) -> None:
        # SQLAlchemy 1.4 opens a new connection to a SQLite file for every session
        # (three a turn), each with its PRAGMAs: keep one per thread instead. Every
        # session still ends its transaction, so other workers' writes are seen.
        url = self.engine.url
        self.engine.dispose()
        self.engine = create_engine(url, poolclass=SingletonThreadPool)
        _write_ahead_logging(self.engine)
        self.sessionmaker = sessionmaker(bind=self.engine)

    def init_tracker(self, sender_id: Text) -> DialogueStateTracker:
        return self._with_memo(MemoTracker(sender_id, self.domain.slots, max_event_history=self.max_event_history))

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        saved = self._saved.get(sender_id)
        if saved is not None and self._stored_count(sender_id) == len(saved.events):
            self._saved.move_to_end(sender_id)
            # Handed out again while it holds exactly the saved events (a turn
            # that failed before saving changed it): rebuilding replays every event.
            tracker = saved.tracker
            unchanged = tracker is not None and len(tracker.events) == len(saved.events)
            if unchanged and starts_with(tracker.events, saved.events):
                return tracker
            return self._with_memo(MemoTracker.from_events(sender_id, list(saved.events), self.domain.slots))
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            tracker = self._with_memo(MemoTracker.from_events(sender_id, list(tracker.events), self.domain.slots))
        self._remember(tracker)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """The new events, as SQLTrackerStore stores them, in one INSERT of many rows: the
        ORM's unit of work (an object per event, flushed one by one) cost more than the SQL."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = [_event_row(tracker.sender_id, e) for e in self._additional_events(session, tracker)]
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()
        self._remember(tracker)

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        # The base class diffs against a retrieved tracker, which may now be
        # rebuilt from the very events being saved: diff against the database.
        if self.event_broker is None:
            return
        new_events = list(itertools.islice(tracker.events, self._stored_count(tracker.sender_id), None))
        await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        # A tracker rebuilt from the cache holds the saved events, object for
        # object, then this turn's: those are the new ones, no COUNT needed.
        saved = self._saved.get(tracker.sender_id)
        if saved is not None and starts_with(tracker.events, saved.events):
            return itertools.islice(tracker.events, len(saved.events), None)
        return super()._additional_events(session, tracker)

    def _stored_count(self, sender_id: Text) -> int:
        """How many events a retrieve would read: those of the latest session (see
        SQLTrackerStore._event_query), counted in plain SQL (building the ORM's query
        cost more than running it, twice a turn)."""
        with self.session_scope() as session:
            return session.execute(self._count_statement, {"sender": sender_id}).scalar_one()

    def _with_memo(self, tracker: MemoTracker) -> MemoTracker:
        memo = self._memos.pop(tracker.sender_id, None) or ConversationMemo()
        self._memos[tracker.sender_id] = tracker.memo = memo
        while len(self._memos) > max(self.cache_size, 1):
            self._memos.popitem(last=False)
        return tracker

    def _remember(self, tracker: Optional[DialogueStateTracker]) -> None:
        if tracker is None or self.cache_size <= 0:
            return
        events = _latest_session(list(tracker.events))
        # A tracker holding older sessions too is not what a retrieve gives.
        reusable = isinstance(tracker, MemoTracker) and len(events) == len(tracker.events)
        self._saved[tracker.sender_id] = _Saved(events, tracker if reusable else None)
        self._saved.move_to_end(tracker.sender_id)
        while len(self._saved) > self.cache_size:
            self._saved.popitem(last=False)


def _write_ahead_logging(engine: Any) -> None:
    def configure(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # kept in the file
        cursor.execute("PRAGMA synchronous=NORMAL")  # per connection
        cursor.close()

    event.listen(engine, "connect", configure)
    with engine.connect():
        pass


def _latest_session_count(table: Text) -> Any:
    latest_start = (f'SELECT MAX("timestamp") FROM {table} '
                    f"WHERE sender_id = :sender AND type_name = '{SessionStarted.type_name}'")
    return text(f'SELECT COUNT(*) FROM {table} WHERE sender_id = :sender '
                f'AND ("timestamp" >= ({latest_start}) OR ({latest_start}) IS NULL)')


def _event_row(sender_id: Text, event: Event) -> dict[Text, Any]:
    """An event as a row of SQLTrackerStore's table, with the columns it fills."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def _latest_session(events: List[Event]) -> List[Event]:
    """The events a retrieve returns, selected as SQLTrackerStore's query does:
    by timestamp, from the latest SessionStarted's on (all if there is none)."""
    starts = [event.timestamp for event in events if isinstance(event, SessionStarted)]
    if not starts:
        return events
    start = max(starts)
    return [event for event in events if event.timestamp >= start]
