"""Custom actions of the sciatica assistant (run by `rasa run actions`).

Content is loaded and checked here, at import: a broken catalog or red-flag file
stops the action server at start with a message naming the file and the entry,
instead of a server that answers wrongly.
"""
from sciatica.datafiles import DataFileError

try:
    from actions.content import content  # noqa: F401
except DataFileError as error:
    # rasa-sdk stops the server with exit code 1 on an ImportError.
    raise ImportError(f"Refusing to start: {error}") from error
