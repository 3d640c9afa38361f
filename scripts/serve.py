"""`make run`: start the action server, the Rasa server and the web page; keep them serving; stop them on Ctrl-C.

- A port already in use is named before anything starts.
- A server that crashes is restarted (sciatica_rasa.supervisor); the others keep serving.
- Ctrl-C or SIGTERM, once or many times, stops every server, and only once.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sciatica_rasa.origins import OriginError  # noqa: E402
from sciatica_rasa.stack import Ports, Stack  # noqa: E402
from sciatica_rasa.supervisor import GaveUp, Supervisor  # noqa: E402

# Lines of a server log that say why it stopped (rasa, rasa-sdk and Python tracebacks).
REASON_MARKERS = ("ERROR", "CRITICAL", "Error:", "Refusing", "No model found")
START_TIMEOUT = 300.0
PORT_VARIABLES = {"actions": "ACTIONS_PORT", "rasa": "RASA_PORT", "web": "WEB_PORT"}


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


def busy_port_message(name: str, port: int) -> str:
    return (f"port {port} is in use: another `make run`? stop it or set {PORT_VARIABLES[name]} "
            f"(the {name} server's port)")


class StopRequest:
    """Set by the first SIGTERM or Ctrl-C; later ones only say that it is stopping already."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def __call__(self, _signum: int, _frame: object) -> None:
        if self.event.is_set():
            print("run: already stopping", file=sys.stderr, flush=True)
        self.event.set()

    def install(self) -> None:
        # No exception is raised from the handler, so a second signal cannot break off the stop.
        signal.signal(signal.SIGTERM, self)
        signal.signal(signal.SIGINT, self)


def main() -> int:
    stop = StopRequest()
    stop.install()
    stack = Stack(ports=Ports.from_env(), tracker_db=Path(os.environ.get("TRACKER_DB", "var/rasa.db")))
    if os.environ.get("LOG_DIR"):
        stack.log_dir = Path(os.environ["LOG_DIR"])
    try:
        origins = stack.allowed_origins()
    except OriginError as error:
        print(f"run: {error}", file=sys.stderr)
        return 2
    busy = stack.busy_ports()
    for name, port in busy.items():
        print(f"run: {busy_port_message(name, port)}", file=sys.stderr)
    if busy:
        return 1

    start = time.monotonic()
    print(f"run: starting the action server (:{stack.ports.actions}), Rasa (:{stack.ports.rasa}) "
          f"and the web page (:{stack.ports.web}); logs in {stack.log_dir}", flush=True)
    print(f"run: allowed origins (ALLOWED_ORIGINS adds more): {', '.join(origins)}", flush=True)
    supervisor = Supervisor(stack, say=lambda line: print(line, flush=True))
    announced = False
    try:
        supervisor.start()
        while not stop.event.is_set():
            supervisor.step()
            if supervisor.ready and not announced:
                announced = True
                print(f"run: ready in {time.monotonic() - start:.0f} s", flush=True)
                print(f"run: open {stack.web_url} (REST: {stack.rasa_url}/webhooks/rest/webhook). "
                      "Ctrl-C stops.", flush=True)
            elif not announced and time.monotonic() - start > START_TIMEOUT:
                waiting = [name for name, child in supervisor.children.items() if child.ready_since is None]
                report_failure(stack, f"not ready after {START_TIMEOUT:.0f} s: {', '.join(waiting)}", waiting[0])
                return 1
            stop.event.wait(0.5)
        return 0
    except GaveUp as error:
        report_failure(stack, str(error), error.name)
        return 1
    finally:
        print("run: stopping", flush=True)
        stack.stop()
        print("run: stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
