"""The action server (rasa_sdk), without TensorFlow.

The actions use spaCy, whose thinc imports TensorFlow whenever it is installed,
as it is next to Rasa: 600 MB of the action server's memory and seconds of its
start-up, for nothing, as no action runs a model. Marking TensorFlow as absent
before anything imports spaCy keeps it out. Same arguments as
`rasa run actions` (`--actions actions --port 5055`).
"""
from __future__ import annotations

import sys


def main() -> None:
    sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]  # import now fails
    from rasa_sdk.__main__ import main as run_action_server

    run_action_server()


if __name__ == "__main__":
    main()
