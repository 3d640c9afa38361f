"""Domain logic of the sciatica assistant: catalog, matching, triage and the spaCy pipeline.

Nothing in this package imports Rasa, so it is unit-tested without a server.
"""
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
