"""`make run`: start the action server, the Rasa server and the web page; stop them on Ctrl-C."""
from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sciatica_rasa.stack import Ports, Stack  # noqa: E402


def main() -> int:
    stack = Stack(ports=Ports.from_env(), tracker_db=Path(os.environ.get("TRACKER_DB", "var/rasa.db")))

    def request_stop(signum, _frame) -> None:
        raise KeyboardInterrupt

    # SIGTERM stops as cleanly as Ctrl-C: every child is stopped in `finally`.
    signal.signal(signal.SIGTERM, request_stop)

    start = time.monotonic()
    print(f"run: starting the action server (:{stack.ports.actions}), Rasa (:{stack.ports.rasa}) "
          f"and the web page (:{stack.ports.web}); logs in {stack.log_dir}")
    stack.start()
    try:
        stack.wait_ready()
        print(f"run: ready in {time.monotonic() - start:.0f} s")
        print(f"run: open {stack.web_url} (REST: {stack.rasa_url}/webhooks/rest/webhook). Ctrl-C stops.")
        while not (crashed := stack.crashed()):
            time.sleep(0.5)
        print(f"run: the {crashed} server stopped; see {stack.log_dir / (crashed + '.log')}",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, TimeoutError) as error:
        print(f"run: {error}", file=sys.stderr)
        return 1
    finally:
        print("run: stopping")
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
