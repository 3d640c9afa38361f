"""Loading content files (YAML) with errors that name the file and the entry.

Every content file is checked when it is loaded: a broken file must stop the bot
at start with a clear message instead of letting it answer wrongly.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml


class DataFileError(ValueError):
    """A content file is missing, unreadable or does not match its schema."""

    def __init__(self, path: Path | str, message: str, entry: str | None = None):
        self.path = Path(path)
        self.entry = entry
        where = f"{self.path}" + (f", entry '{entry}'" if entry else "")
        super().__init__(f"{where}: {message}")


def load_yaml(path: Path | str) -> Any:
    """Read a YAML file, turning I/O and syntax errors into DataFileError."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError:
        raise DataFileError(path, "file not found") from None
    except yaml.YAMLError as error:
        raise DataFileError(path, f"invalid YAML: {error}") from None


def require_mapping(path: Path, value: Any, entry: str | None = None) -> Mapping:
    if not isinstance(value, Mapping):
        raise DataFileError(path, f"expected a mapping, got {type(value).__name__}", entry)
    return value


def require_fields(path: Path, entry_id: str, entry: Mapping, fields: Iterable[str]) -> None:
    """Fail if any of `fields` is absent or empty in `entry`."""
    for field in fields:
        value = entry.get(field)
        if value is None or (isinstance(value, (str, list, dict)) and not value):
            raise DataFileError(path, f"missing or empty field '{field}'", entry_id)


def require_unique_ids(path: Path, entries: Iterable[Mapping], key: str = "id") -> None:
    seen: set[str] = set()
    for entry in entries:
        entry_id = entry.get(key)
        if entry_id in seen:
            raise DataFileError(path, f"duplicate {key}", str(entry_id))
        seen.add(entry_id)
