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


# Lines of a server log that say why it stopped (rasa, rasa-sdk and Python tracebacks).
REASON_MARKERS = ("ERROR", "CRITICAL", "Error:", "Refusing", "No model found")


def reasons(log: Path, last: int = 4) -> list[str]:
    """The last lines of a server's log that explain a failure."""
    try:
        lines = log.read_text(errors="replace").splitlines()[-300:]
    except OSError:
        return []
    return [line.strip()[:300] for line in lines if any(marker in line for marker in REASON_MARKERS)][-last:]


def report_failure(stack: Stack, message: str, name: str | None) -> None:
    print(f"run: {message}", file=sys.stderr)
    if name:
        log = stack.log_dir / f"{name}.log"
        for line in reasons(log):
            print(f"run:   {line}", file=sys.stderr)
        print(f"run: the full log of the {name} server is {log}", file=sys.stderr)


def main() -> int:
    stack = Stack(ports=Ports.from_env(), tracker_db=Path(os.environ.get("TRACKER_DB", "var/rasa.db")))
    if os.environ.get("LOG_DIR"):
        stack.log_dir = Path(os.environ["LOG_DIR"])

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
        report_failure(stack, f"the {crashed} server stopped", crashed)
        return 1
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, TimeoutError) as error:
        report_failure(stack, str(error), stack.crashed())
        return 1
    finally:
        print("run: stopping")
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
