"""Delete everything stored about one or more conversations from the tracker store.

    .venv/bin/python scripts/forget_conversation.py SENDER_ID [SENDER_ID ...]

Works on the SQL tracker store of endpoints.yml (the SQLite file TRACKER_DB,
default var/rasa.db) or, with --url, on any database SQLAlchemy reaches, such as
the PostgreSQL store of endpoints.scaleout.yml:

    --url postgresql://USER:PASSWORD@HOST:5432/rasa

Conversations are only kept there: the logs never hold what users wrote.
"""
from __future__ import annotations

import argparse
import os
import sys

import sqlalchemy as sa


def forget(url: str, senders: list[str]) -> int:
    """Delete the events of `senders`; the number of events deleted."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            result = connection.execute(
                sa.text("DELETE FROM events WHERE sender_id IN :senders").bindparams(
                    sa.bindparam("senders", expanding=True)
                ),
                {"senders": senders},
            )
            return result.rowcount
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("senders", nargs="+", help="conversation (sender) ids")
    parser.add_argument("--url", help="SQLAlchemy URL of the tracker store (default: sqlite of $TRACKER_DB)")
    args = parser.parse_args(argv)
    url = args.url or f"sqlite:///{os.environ.get('TRACKER_DB', 'var/rasa.db')}"
    if url.startswith("sqlite:///") and not os.path.isfile(url[len("sqlite:///"):]):
        print(f"forget: no tracker store at {url[len('sqlite:///'):]}", file=sys.stderr)
        return 1
    deleted = forget(url, args.senders)
    print(f"forget: deleted {deleted} events of {len(args.senders)} conversation(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
