"""Two Rasa replicas on one PostgreSQL tracker store and one Redis lock store.

Runs the configuration of endpoints.scaleout.yml for real: PostgreSQL and Redis
are started here on loopback (own data folder, free ports, stopped at the end),
two Rasa servers and one action server use them. Conversations alternate
between the replicas turn by turn, some send to both at the same moment, and
no turn may be lost or land in another conversation.

Where PostgreSQL or Redis is not installed (scripts/install_scaleout_services.sh
installs them as root) the tests are skipped with the reason, and fail under
CI=true, where this evidence must run.
"""
from __future__ import annotations

import asyncio
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from bot_clients import (
    MODEL, RestUser, Servers, assert_both_turns_kept_whole, at_once, assign_exercises, customs, free_port,
    lost_or_crossed_turns, many_conversations, new_sender, new_servers, user_texts_by_sender,
)
from sciatica_rasa.stack import ROOT

CONVERSATIONS = 30
TURNS = 10
PASSWORD = "scale-out-test"


def postgres_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


def as_postgres_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; Debian's package creates a postgres user.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PostgresServer:
    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="sciatica-pg-"))
        self.data = self.dir / "data"

    def run(self, *command: str) -> None:
        subprocess.run(as_postgres_user([str(self.bin_dir / command[0]), *command[1:]]), check=True,
                       capture_output=True, text=True, timeout=120, env={**os.environ, "PGPASSWORD": PASSWORD})

    def start(self) -> None:
        password_file = self.dir / "password"
        password_file.write_text(PASSWORD + "\n")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            shutil.chown(password_file, "postgres")
        self.run("initdb", "-D", str(self.data), "-U", "rasa", f"--pwfile={password_file}",
                 "--auth=scram-sha-256", "-E", "UTF8")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-o", options, "-w", "-t", "60", "start")
        # The database must exist; Rasa creates its tables in it.
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "rasa", "-w", "rasa")

    def stop(self) -> None:
        try:
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgresql://rasa:{PASSWORD}@127.0.0.1:{self.port}/rasa"


class RedisServer:
    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="sciatica-redis-"))
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir), "--requirepass", PASSWORD],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        )
        client = redis.Redis(host="127.0.0.1", port=self.port, password=PASSWORD)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.2)

    def commands_processed(self) -> int:
        import redis

        return int(redis.Redis(host="127.0.0.1", port=self.port, password=PASSWORD).info("stats")["total_commands_processed"])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(15)
        shutil.rmtree(self.dir, ignore_errors=True)


def missing_services() -> str | None:
    if postgres_bin() is None:
        return "PostgreSQL is not installed (scripts/install_scaleout_services.sh installs it as root)"
    if shutil.which("redis-server") is None:
        return "Redis is not installed (scripts/install_scaleout_services.sh installs it as root)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser to start PostgreSQL as the postgres user"
    return None


def unavailable(reason: str) -> None:
    """Fail in CI (CI=true), where the scale-out evidence must run; skip with the reason elsewhere."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the scale-out test must run)", pytrace=False)
    print(f"\nscale-out test skipped: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def stores():
    reason = missing_services()
    if reason:
        unavailable(reason)
    postgres, redis_server = PostgresServer(postgres_bin()), RedisServer()
    try:
        postgres.start()
        redis_server.start()
        yield postgres, redis_server
    finally:
        redis_server.stop()
        postgres.stop()


@pytest.fixture(scope="module")
def replicas(stores, tmp_path_factory):
    if not MODEL.is_file():
        pytest.fail(f"no trained model at {MODEL}: run `make model` first")
    postgres, redis_server = stores
    first = new_servers(tmp_path_factory.mktemp("replica-a"), endpoints=str(ROOT / "endpoints.scaleout.yml"))
    env = {
        "ACTION_SERVER_URL": f"http://127.0.0.1:{first.ports.actions}/webhook",
        "POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": str(postgres.port), "POSTGRES_DB": "rasa",
        "POSTGRES_USER": "rasa", "POSTGRES_PASSWORD": PASSWORD,
        "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis_server.port), "REDIS_DB": "0",
        "REDIS_PASSWORD": PASSWORD,
    }
    first.extra_env = env
    second = new_servers(tmp_path_factory.mktemp("replica-b"), endpoints=first.endpoints, extra_env=env)
    both: list[Servers] = [first, second]
    try:
        first.start(("actions", "rasa"))
        second.start(("rasa",))
        first.wait_ready(timeout=400, names=("actions", "rasa"))
        second.wait_ready(timeout=400, names=("rasa",))
        yield both
    finally:
        for servers in both:
            servers.stop()


def test_conversations_alternating_between_replicas_lose_nothing(replicas, stores):
    postgres, redis_server = stores
    redis_before = redis_server.commands_processed()
    plan = assign_exercises([new_sender(f"scale{index:02d}") for index in range(CONVERSATIONS)])
    problems = asyncio.run(many_conversations([servers.rasa_url for servers in replicas], plan, TURNS))
    assert not problems, f"{len(problems)} problems, first: " + "\n".join(problems[:10])

    kept = user_texts_by_sender(postgres.url, plan)
    assert lost_or_crossed_turns(kept, plan, TURNS) == []
    # Every turn took the conversation's lock in Redis.
    assert redis_server.commands_processed() - redis_before >= CONVERSATIONS * TURNS


def test_two_messages_of_one_conversation_at_once_on_two_replicas_are_both_kept_whole(replicas, stores):
    postgres, _ = stores
    urls = [servers.rasa_url for servers in replicas]
    texts = ["how do I do a clamshell", "how do I do a plank"]
    for _ in range(5):
        sender = new_sender("pair")
        answers = asyncio.run(at_once(urls, sender, texts))
        assert_both_turns_kept_whole(postgres.url, sender, texts, answers)


def test_tickets_issued_from_many_connections_at_once_are_unique(stores):
    from concurrent.futures import ThreadPoolExecutor

    from sciatica_rasa.lock_store import AtomicRedisLockStore

    _, redis_server = stores
    conversation = new_sender("tickets")
    servers = [AtomicRedisLockStore(host="127.0.0.1", port=redis_server.port, db=1, password=PASSWORD) for _ in range(8)]

    def issue_many(store: AtomicRedisLockStore) -> list[int]:
        return [store.issue_ticket(conversation, 60) for _ in range(40)]

    with ThreadPoolExecutor(len(servers)) as pool:
        tickets = [ticket for issued in pool.map(issue_many, servers) for ticket in issued]
    assert len(set(tickets)) == len(tickets) == 8 * 40
    assert len(servers[0].get_lock(conversation).tickets) == len(tickets)
    for ticket in tickets:
        servers[ticket % len(servers)].cleanup(conversation, ticket)
    assert servers[0].get_lock(conversation) is None


def test_the_referral_report_reads_the_postgresql_store(replicas, stores):
    postgres, _ = stores
    user = RestUser(replicas[0].rasa_url)
    assert customs(user.say("I can't feel the toilet paper when I wipe"), "referral")
    done = subprocess.run(
        [sys.executable, "scripts/referral_report.py", "--url", postgres.url, "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    referrals = json.loads(done.stdout)["referrals"]
    assert any(r["level"] == "emergency" and r["red_flag"] == "saddle_anaesthesia" for r in referrals)
    assert "toilet paper" not in done.stdout and PASSWORD not in done.stdout


def test_missing_services_fail_under_ci_and_skip_elsewhere(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        unavailable("Redis is not installed")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="Redis is not installed"):
        unavailable("Redis is not installed")
