"""Domain logic of the sciatica assistant: catalog, matching, triage and the spaCy pipeline.

Nothing in this package imports Rasa, so it is unit-tested without a server.

`SCIATICA_DATA_DIR` points every loader at another content folder (same layout
as `data/`), for example to check that a broken file stops the bot at start.
"""
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR_ENV = "SCIATICA_DATA_DIR"
DATA_DIR = Path(os.environ.get(DATA_DIR_ENV) or PROJECT_ROOT / "data").resolve()
