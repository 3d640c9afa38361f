"""Start and stop the three processes of the bot: action server, Rasa server, web page.

Used by `make run` (scripts/serve.py), the integration tests and the benchmark,
so all run the bot exactly the same way. The benchmark also starts a plain Rasa
project with it (another `workdir`, without the web page).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sciatica_rasa.origins import allowed_origins

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Ports:
    rasa: int = 5005
    actions: int = 5055
    web: int = 8080

    @classmethod
    def from_env(cls) -> "Ports":
        return cls(
            rasa=int(os.environ.get("RASA_PORT", 5005)),
            actions=int(os.environ.get("ACTIONS_PORT", 5055)),
            web=int(os.environ.get("WEB_PORT", 8080)),
        )


@dataclass
class Stack:
    ports: Ports
    tracker_db: Path
    model: Path = ROOT / "models" / "sciatica.tar.gz"
    log_dir: Path = ROOT / "var" / "log"
    # The Rasa project the servers run in: its actions, endpoints and credentials.
    workdir: Path = ROOT
    endpoints: str = "endpoints.yml"
    credentials: str = "credentials.yml"
    # Rasa worker processes; more than one share the SQLite lock store.
    workers: int = field(default_factory=lambda: int(os.environ.get("RASA_WORKERS", 1)))
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    # Settings of this stack only, over the environment (ACTION_TIMEOUT, ALLOWED_ORIGINS...).
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def on_free_ports(cls, workdir: Path, **options) -> "Stack":
        """A stack of its own (ports, tracker store, logs) under `workdir`, for tests."""
        return cls(
            ports=Ports(rasa=free_port(), actions=free_port(), web=free_port()),
            tracker_db=workdir / "rasa.db",
            log_dir=workdir / "log",
            **options,
        )

    @contextmanager
    def serving(self, timeout: float = 300.0):
        """Start every process, wait until all answer, and stop them afterwards."""
        self.start()
        try:
            self.wait_ready(timeout=timeout)
            yield self
        finally:
            self.stop()

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.rasa}"

    @property
    def web_url(self) -> str:
        return f"http://localhost:{self.ports.web}/"

    @property
    def lock_db(self) -> Path:
        return self.tracker_db.with_name("locks.db")

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            RASA_PORT=str(self.ports.rasa),
            ACTIONS_PORT=str(self.ports.actions),
            WEB_PORT=str(self.ports.web),
            TRACKER_DB=str(self.tracker_db),
            LOCK_DB=str(self.lock_db),
            SANIC_WORKERS=str(self.workers),
            RASA_TELEMETRY_ENABLED="false",
            SQLALCHEMY_SILENCE_UBER_WARNING="1",
            TF_CPP_MIN_LOG_LEVEL=env.get("TF_CPP_MIN_LOG_LEVEL", "2"),
            # Libraries' warnings about their own deprecated APIs filled the logs; nothing a user can act on.
            PYTHONWARNINGS=env.get("PYTHONWARNINGS", "ignore::DeprecationWarning"),
        )
        env.update(self.extra_env)
        return env

    def allowed_origins(self) -> list[str]:
        """The page's own origins and ALLOWED_ORIGINS: the Rasa server's CORS and who may embed the panel."""
        return allowed_origins(self.environment())

    def commands(self) -> dict[str, list[str]]:
        rasa = str(VENV_BIN / "rasa")
        return {
            "actions": [
                str(VENV_BIN / "python"), "-m", "sciatica_rasa.action_server",
                "--actions", "actions", "--port", str(self.ports.actions),
            ],
            "rasa": [
                rasa, "run", "--model", str(self.model), "--port", str(self.ports.rasa),
                "--endpoints", self.endpoints, "--credentials", self.credentials,
                "--cors", *self.allowed_origins(),
            ],
            "web": [
                str(VENV_BIN / "python"), "-m", "sciatica_rasa.webserver",
                "--port", str(self.ports.web), "--rasa-port", str(self.ports.rasa),
            ],
        }

    def health_urls(self) -> dict[str, str]:
        return {
            "actions": f"http://127.0.0.1:{self.ports.actions}/health",
            "rasa": f"{self.rasa_url}/webhooks/rest/",
            "web": f"http://127.0.0.1:{self.ports.web}/",
        }

    def start(self, names: tuple[str, ...] = ("actions", "rasa", "web")) -> None:
        self.tracker_db.parent.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        commands = self.commands()
        if "rasa" in names:
            # Locks of a server that was killed mid-turn would hold their
            # conversations for a minute: no server runs now, so none is held.
            for path in (self.lock_db, self.lock_db.with_name("locks.db-wal"), self.lock_db.with_name("locks.db-shm")):
                path.unlink(missing_ok=True)
        for name in names:
            log = open(self.log_dir / f"{name}.log", "ab")
            self.processes[name] = subprocess.Popen(
                commands[name], cwd=self.workdir, env=self.environment(),
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group, stopped as one
            )

    def ports_by_name(self) -> dict[str, int]:
        return {"actions": self.ports.actions, "rasa": self.ports.rasa, "web": self.ports.web}

    def busy_ports(self, names: tuple[str, ...] = ("actions", "rasa", "web")) -> dict[str, int]:
        """The ports of `names` that something already listens on."""
        return {name: port for name, port in self.ports_by_name().items() if name in names and port_in_use(port)}

    def answers(self, name: str) -> bool:
        """The process this stack started for `name` is alive, listens on its port and answers."""
        process = self.processes.get(name)
        if process is None or process.poll() is not None:
            return False
        owners = listening_process_groups(self.ports_by_name()[name])
        # An orphan of an earlier run on the port would answer too: it must be ours.
        if owners is not None and owners != {process.pid}:
            return False
        return _answers(self.health_urls()[name])

    def wait_ready(self, timeout: float = 300.0, names: tuple[str, ...] | None = None) -> None:
        deadline = time.monotonic() + timeout
        pending = dict(self.health_urls())
        pending = {name: url for name, url in pending.items() if name in (names or self.processes)}
        while pending:
            for name, url in list(pending.items()):
                process = self.processes[name]
                if process.poll() is not None:
                    raise RuntimeError(
                        f"the {name} server stopped with exit code {process.returncode}; "
                        f"see {self.log_dir / (name + '.log')}"
                    )
                if self.answers(name):
                    del pending[name]
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout:.0f} s: {', '.join(pending)}")
            time.sleep(0.5)

    def stop(self, names: tuple[str, ...] | None = None, timeout: float = 15.0) -> None:
        """Stop `names` (default: all) together: SIGTERM to each process group, SIGKILL after `timeout`.

        Each process stays in `processes` until it is gone, so a stop that is
        interrupted can be run again and still finds every process.
        """
        names = tuple(name for name in (names or tuple(self.processes)) if name in self.processes)
        for name in names:
            _signal_group(self.processes[name], signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for name in names:
            process = self.processes[name]
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            # Also what the process left behind in its group (Sanic workers).
            _signal_group(process, signal.SIGKILL)
            process.wait()
            del self.processes[name]

    def pid(self, name: str) -> int:
        return self.processes[name].pid

    def crashed(self) -> str | None:
        return next((name for name, p in self.processes.items() if p.poll() is not None), None)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass  # the whole group is gone already


def port_in_use(port: int) -> bool:
    """Something listens on `port` (any address): a server of ours could not start there."""
    with socket.socket() as probe:
        # Only a listener makes the bind fail, not connections of an earlier run in TIME_WAIT.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return True
    return False


def listening_process_groups(port: int) -> set[int] | None:
    """Process groups of the processes listening on TCP `port`, from /proc; None where there is no /proc."""
    inodes: set[str] = set()
    try:
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with open(table) as rows:
                for row in list(rows)[1:]:
                    fields = row.split()
                    # local address HEX_IP:HEX_PORT, state 0A is LISTEN
                    if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                        inodes.add(fields[9])
    except OSError:
        return None
    groups: set[int] = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            sockets = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
            if any(f"socket:[{inode}]" in sockets for inode in inodes):
                groups.add(os.getpgid(int(pid)))
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return groups


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
