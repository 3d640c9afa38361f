"""Run one step of `make` quietly: its output goes to var/log/NAME.log, the terminal gets one line.

    run_step.py NAME -- COMMAND...

The line is the command's own last line of output (the project's steps end with
one, e.g. "pipeline: up to date at ...") and how long it took. When the command
fails, the end of its log is shown, so the reason is on the screen.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

TAIL_LINES = 30


def log_path(name: str) -> Path:
    return Path(os.environ.get("LOG_DIR", "var/log")) / f"{name}.log"


def tail(path: Path, lines: int = TAIL_LINES) -> list[str]:
    try:
        return path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return []


def main(argv: list[str]) -> int:
    name, separator, *command = argv
    if separator != "--" or not command:
        print("usage: run_step.py NAME -- COMMAND...", file=sys.stderr)
        return 2
    log = log_path(name)
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with open(log, "w") as output:
        code = subprocess.call(command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    seconds = time.monotonic() - start
    if code != 0:
        print(f"{name}: failed after {seconds:.0f} s (exit code {code}); the end of {log}:", file=sys.stderr)
        for line in tail(log):
            print(f"{name}:   {line}", file=sys.stderr)
        return code
    last = next((line for line in reversed(tail(log)) if line.strip()), f"{name}: done")
    print(f"{last} ({seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
