"""Referrals, screenings, and red-flag topics left without a referral, from the tracker store.

    .venv/bin/python scripts/referral_report.py [--url URL] [--since YYYY-MM-DD] [--show-text] [--json]

Reads the SQL tracker store of endpoints.yml (the SQLite file TRACKER_DB, default
var/rasa.db) or, with --url, any database SQLAlchemy reaches, such as the
PostgreSQL store of endpoints.scaleout.yml:

    --url postgresql://USER:PASSWORD@HOST:5432/rasa

Prints referrals per day, level and red flag; screenings started and completed per
day; and the conversations in which a red-flag topic came up (a hint, a finding
only the trained model saw, a red flag) but no referral followed, by conversation
id, for a clinician to review. What people wrote is printed only with --show-text.
It only reads; nothing is changed or sent anywhere.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sciatica.referral_report import build_report, format_report  # noqa: E402


def stored_events(url: str):
    """(sender id, event) of every stored event, in the order they were stored."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            for sender_id, data in connection.execute(sa.text("SELECT sender_id, data FROM events ORDER BY id")):
                try:
                    yield sender_id, json.loads(data)
                except (TypeError, ValueError):
                    continue  # not an event Rasa wrote
    finally:
        engine.dispose()


def _since(value: str) -> float:
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="SQLAlchemy URL of the tracker store (default: sqlite of $TRACKER_DB)")
    parser.add_argument("--since", type=_since, help="only events from this day on (UTC), YYYY-MM-DD")
    parser.add_argument("--show-text", action="store_true", help="also print what people wrote about the topics")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    url = args.url or f"sqlite:///{os.environ.get('TRACKER_DB', 'var/rasa.db')}"
    if url.startswith("sqlite:///") and not os.path.isfile(url[len("sqlite:///"):]):
        print(f"referral_report: no tracker store at {url[len('sqlite:///'):]}", file=sys.stderr)
        return 1
    try:
        report = build_report(stored_events(url), with_text=args.show_text, since=args.since)
    except sa.exc.SQLAlchemyError as error:
        print(f"referral_report: cannot read the tracker store: {error.__class__.__name__}", file=sys.stderr)
        return 1
    source = sa.engine.make_url(url).render_as_string(hide_password=True)
    print(json.dumps(report.as_dict(), indent=2) if args.json else format_report(report, source))
    return 0


if __name__ == "__main__":
    sys.exit(main())
