"""The cached SQL tracker store answers exactly as Rasa's SQL store would, from memory when it can."""
import asyncio
import sqlite3

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

from sciatica_rasa.tracker_store import CachedSQLTrackerStore

DOMAIN = Domain.from_dict({"slots": {"side": {"type": "text", "mappings": [{"type": "custom"}]}}})


def run(coroutine):
    return asyncio.run(coroutine)


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "rasa.db")


@pytest.fixture
def store(db):
    return CachedSQLTrackerStore(DOMAIN, dialect="sqlite", db=db)


@pytest.fixture
def plain(db, store):
    # Created after `store`, on the same file: Rasa's own store, as another server would be.
    return SQLTrackerStore(DOMAIN, dialect="sqlite", db=db)


def session_start():
    return [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]


def turn(text, reply):
    return [UserUttered(text, {"name": "greet", "confidence": 1.0}), ActionExecuted("utter_x"),
            BotUttered(reply), SlotSet("side", "left"), ActionExecuted("action_listen")]


def dumped(tracker):
    return [event.as_dict() for event in tracker.events]


async def new_conversation(store, sender="someone", turns=2):
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    tracker.update_with_events(session_start(), DOMAIN)
    for i in range(turns):
        tracker.update_with_events(turn(f"hello {i}", f"hi {i}"), DOMAIN)
    await store.save(tracker)
    return tracker


def test_retrieve_gives_what_rasas_sql_store_gives(store, plain):
    run(new_conversation(store))
    ours = run(store.retrieve("someone"))
    theirs = run(plain.retrieve("someone"))
    assert dumped(ours) == dumped(theirs)
    assert ours.get_slot("side") == "left"


def test_a_saved_conversation_is_rebuilt_without_reading_its_events(store, monkeypatch):
    run(new_conversation(store))

    async def fail(*_args, **_kwargs):
        raise AssertionError("read every event from the database")

    monkeypatch.setattr(SQLTrackerStore, "_retrieve", fail)
    assert len(run(store.retrieve("someone")).events) == 2 + 2 * 5  # from SessionStarted on


def test_the_saved_tracker_is_handed_out_again_until_it_changes(store, plain):
    run(new_conversation(store))
    # The first tracker also holds the event before SessionStarted, which a
    # retrieve leaves out: from the next turn on the saved one is the retrieved one.
    saved = run(store.retrieve("someone"))
    saved.update_with_events(turn("next turn", "ok"), DOMAIN)
    run(store.save(saved))
    assert run(store.retrieve("someone")) is saved
    elsewhere = run(plain.retrieve("someone"))
    elsewhere.update_with_events(turn("from the other server", "ok"), DOMAIN)
    run(plain.save(elsewhere))
    assert run(store.retrieve("someone")) is not saved


def test_a_tracker_changed_but_not_saved_is_not_handed_out_again(store):
    run(new_conversation(store))
    first = run(store.retrieve("someone"))
    first.update(UserUttered("not saved"))
    second = run(store.retrieve("someone"))
    assert second is not first
    assert "not saved" not in [getattr(event, "text", None) for event in second.events]


def test_events_another_server_wrote_are_read_from_the_database(store, plain):
    run(new_conversation(store))
    elsewhere = run(plain.retrieve("someone"))
    elsewhere.update_with_events(turn("from the other server", "ok"), DOMAIN)
    run(plain.save(elsewhere))
    assert dumped(run(store.retrieve("someone"))) == dumped(run(plain.retrieve("someone")))
    assert "from the other server" in [getattr(event, "text", None) for event in run(store.retrieve("someone")).events]


def test_a_new_session_is_read_as_the_database_reads_it(store, plain):
    tracker = run(new_conversation(store))
    tracker.update_with_events(session_start() + turn("back again", "welcome back"), DOMAIN)
    run(store.save(tracker))
    ours = run(store.retrieve("someone"))
    assert dumped(ours) == dumped(run(plain.retrieve("someone")))
    assert [e.text for e in ours.events if isinstance(e, UserUttered)] == ["back again"]


def test_each_turn_writes_only_its_new_events(store, db):
    tracker = run(new_conversation(store))
    again = run(store.retrieve("someone"))
    again.update_with_events(turn("one more", "sure"), DOMAIN)
    run(store.save(again))
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT count(*) FROM events WHERE sender_id = 'someone'").fetchone()[0]
    assert rows == len(tracker.events) + 5


def test_unknown_conversation_is_none_and_the_cache_is_bounded(db):
    store = CachedSQLTrackerStore(DOMAIN, dialect="sqlite", db=db, cache_size=2)
    assert run(store.retrieve("nobody")) is None
    for sender in ("a", "b", "c"):
        run(new_conversation(store, sender, turns=1))
    assert list(store._saved) == ["b", "c"]
    assert len(run(store.retrieve("a")).events) == 2 + 5


def test_sqlite_uses_write_ahead_logging(store, db):
    run(new_conversation(store))
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_rows_are_stored_as_rasas_store_stores_them(store, db, tmp_path):
    theirs = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "theirs.db"))
    for each in (store, theirs):
        run(new_conversation(each))
    columns = "sender_id, type_name, timestamp, intent_name, action_name, data"
    with sqlite3.connect(db) as ours_db, sqlite3.connect(tmp_path / "theirs.db") as theirs_db:
        ours_rows = ours_db.execute(f"SELECT {columns} FROM events ORDER BY id").fetchall()
        theirs_rows = theirs_db.execute(f"SELECT {columns} FROM events ORDER BY id").fetchall()
    strip = lambda rows: [row[:2] + row[3:5] for row in rows]  # timestamps differ between the two runs
    assert strip(ours_rows) == strip(theirs_rows) and len(ours_rows) == 2 + 2 * 5 + 1


@pytest.mark.parametrize("sessions", [0, 1, 2])
def test_the_count_is_the_events_a_retrieve_reads(store, plain, sessions):
    tracker = run(store.get_or_create_tracker("someone", append_action_listen=False))
    for _ in range(sessions):
        tracker.update_with_events(session_start() + turn("hi", "hello"), DOMAIN)
    tracker.update_with_events(turn("and more", "sure"), DOMAIN)
    run(plain.save(tracker))  # written by Rasa's own store
    assert store._stored_count("someone") == len(run(plain.retrieve("someone")).events)
    assert store._stored_count("nobody") == 0


def test_sqlite_keeps_one_connection_open(store):
    opened = []
    from sqlalchemy import event

    event.listen(store.engine, "connect", lambda *_: opened.append(1))
    for _ in range(3):
        run(new_conversation(store, turns=1))
        run(store.retrieve("someone"))
    assert len(opened) <= 1
