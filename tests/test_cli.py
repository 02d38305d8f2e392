"""The installed `dealroom` console script, run as a newcomer runs it (SPEC section 1).

Every process gets a clean environment (PATH, HOME and what the test sets) and a fresh temporary working
directory, so neither the developer's shell nor their `.env` can leak in. Every wait is bounded, and every
process a test starts is killed in `finally`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import IO, Any

import aiohttp
import pytest
import pytest_asyncio
import yaml

from tests.conftest import POSTGRES_URL, _admin_url, _postgres_reachable, _raw
from tests.emulator import SlackEmulator
from tests.signing import signed_headers

DEALROOM = Path(sys.executable).with_name("dealroom")
SIGNING_SECRET = "cli-test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-token"  # SlackEmulator's default bot token
REP = "U0REP1"

FAIL_FAST_SECONDS = 10.0
HEALTHY_WITHIN = 20.0
CONCURRENT_HEALTHY_WITHIN = 45.0  # three processes importing at once on a 2-core machine
ACK_WITHIN = 3.0
STOP_WITHIN = 10.0

DUPLICATE_STAGE_PIPELINE = """\
[[stages]]
key = "lead"
name = "Lead"
probability = 10

[[stages]]
key = "lead"
name = "Lead again"
probability = 20

[[stages]]
key = "won"
name = "Won"
probability = 100
closed = "won"

[[stages]]
key = "lost"
name = "Lost"
probability = 0
closed = "lost"
"""


@pytest.fixture(scope="module", autouse=True)
def console_script() -> None:
    assert DEALROOM.is_file() and os.access(DEALROOM, os.X_OK), (
        f"the console script {DEALROOM} is not installed: run `make install`"
    )


def clean_env(**settings: str) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    env.update(settings)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty working directory: no .env, and nothing should be written into it by a failed start."""
    path = tmp_path / "cwd"
    path.mkdir()
    return path


@pytest.fixture
def trap() -> Iterator[socket.socket]:
    """A listening socket nobody else uses: any connection made to it is a network call that should not be."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    try:
        yield sock
    finally:
        sock.close()


def connections_made(sock: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _ = sock.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    try:
        result = subprocess.run([str(DEALROOM), *args], env=env, cwd=cwd, capture_output=True, text=True,
                                timeout=FAIL_FAST_SECONDS)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"`dealroom {' '.join(args)}` still running after {FAIL_FAST_SECONDS}s; stderr: {exc.stderr!r}")
    return result, time.monotonic() - started


# --- dealroom run: every required setting is checked before any network call --------------------------------


def trap_env(trap: socket.socket, **settings: str) -> dict[str, str]:
    """Slack API, database and HTTP port all point at the trap, so any network use is caught."""
    port = trap.getsockname()[1]
    base = {
        "SLACK_API_URL": f"http://127.0.0.1:{port}/api/",
        "DATABASE_URL": f"postgresql+asyncpg://dealroom@127.0.0.1:{port}/dealroom",
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    base.update(settings)
    return clean_env(**base)


BAD_RUN_SETTINGS: list[tuple[str, dict[str, str], str]] = [
    ("no-token", {}, "SLACK_BOT_TOKEN"),
    ("empty-token", {"SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": SIGNING_SECRET}, "SLACK_BOT_TOKEN"),
    ("user-token", {"SLACK_BOT_TOKEN": "xoxp-1111-2222-SeCrEtUsEr", "SLACK_SIGNING_SECRET": SIGNING_SECRET},
     "SLACK_BOT_TOKEN"),
    ("http-without-secret", {"SLACK_BOT_TOKEN": "xoxb-1111-2222-SeCrEtBoT"}, "SLACK_SIGNING_SECRET"),
    ("http-empty-secret", {"SLACK_BOT_TOKEN": "xoxb-1111-2222-SeCrEtBoT", "SLACK_SIGNING_SECRET": ""},
     "SLACK_SIGNING_SECRET"),
    ("bad-app-token", {"SLACK_BOT_TOKEN": "xoxb-1111-2222-SeCrEtBoT", "SLACK_APP_TOKEN": "bad"}, "SLACK_APP_TOKEN"),
    ("port-abc", {"SLACK_BOT_TOKEN": "xoxb-1111-2222-SeCrEtBoT", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                  "PORT": "abc"}, "PORT"),
    ("bad-timezone", {"SLACK_BOT_TOKEN": "xoxb-1111-2222-SeCrEtBoT", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                      "DEALROOM_TIMEZONE": "Mars/Base"}, "DEALROOM_TIMEZONE"),
]


@pytest.mark.parametrize(("settings", "setting"), [(s, n) for _, s, n in BAD_RUN_SETTINGS],
                         ids=[case for case, _, _ in BAD_RUN_SETTINGS])
def test_run_with_a_missing_or_malformed_setting_is_one_line(
    trap: socket.socket, workdir: Path, settings: dict[str, str], setting: str
) -> None:
    result, elapsed = run_cli(["run"], trap_env(trap, **settings), workdir)
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert setting in lines[0] and ".env.example" in lines[0], lines[0]
    assert "Traceback" not in result.stderr
    assert "SeCrEt" not in result.stderr and SIGNING_SECRET not in result.stderr  # tokens are never echoed
    assert result.stdout == ""
    assert elapsed < FAIL_FAST_SECONDS
    assert connections_made(trap) == 0, "a network call was made before the settings were checked"
    assert list(workdir.iterdir()) == []


def test_run_with_nothing_configured_writes_nothing(workdir: Path) -> None:
    """The very first `dealroom run` on a fresh clone: no .env, no environment."""
    result, elapsed = run_cli(["run"], clean_env(), workdir)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "SLACK_BOT_TOKEN" in result.stderr and ".env.example" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(workdir.iterdir()) == [], "a failed start must not create the database"
    assert elapsed < FAIL_FAST_SECONDS


def test_run_reads_the_env_file_in_the_working_directory(trap: socket.socket, workdir: Path) -> None:
    (workdir / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\nSLACK_SIGNING_SECRET=\n", encoding="utf-8")
    result, _ = run_cli(["run"], trap_env(trap), workdir)
    assert result.returncode == 2
    # the token came from .env (else the complaint would be about SLACK_BOT_TOKEN)
    assert "SLACK_SIGNING_SECRET" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert connections_made(trap) == 0


BAD_ASSIGN_RULE = """\
[[stages]]
key = "lead"
name = "Lead"
probability = 10

[[stages]]
key = "won"
name = "Won"
probability = 100
closed = "won"

[[assign]]
source = "web"
to = ["U0ALICE", "bob"]
"""


BAD_APPROVAL_RULE = """\
[[stages]]
key = "lead"
name = "Lead"
probability = 10

[[stages]]
key = "proposal"
name = "Proposal"
probability = 50

[[stages.approvals]]
when = "discount >> 15"
approvers = ["manager"]

[[stages]]
key = "won"
name = "Won"
probability = 100
closed = "won"
"""


@pytest.mark.parametrize("problem", ["duplicate-stage", "missing-file", "bad-assign-rule", "bad-approval-rule",
                                     "unknown-approver", "long-stage-key"])
def test_run_with_a_bad_pipeline_file_is_one_line(
    trap: socket.socket, workdir: Path, tmp_path: Path, problem: str
) -> None:
    pipeline = tmp_path / "x.toml"
    if problem == "duplicate-stage":
        pipeline.write_text(DUPLICATE_STAGE_PIPELINE, encoding="utf-8")
    if problem == "bad-assign-rule":
        pipeline.write_text(BAD_ASSIGN_RULE, encoding="utf-8")
    if problem == "bad-approval-rule":
        pipeline.write_text(BAD_APPROVAL_RULE, encoding="utf-8")
    if problem == "unknown-approver":
        pipeline.write_text(BAD_APPROVAL_RULE.replace(">>", ">").replace('"manager"', '"boss"'), encoding="utf-8")
    if problem == "long-stage-key":
        pipeline.write_text(BAD_APPROVAL_RULE.replace(">>", ">").replace('"proposal"', f'"{"p" * 200}"'),
                            encoding="utf-8")
    env = trap_env(trap, SLACK_BOT_TOKEN="xoxb-1111-2222-SeCrEtBoT", SLACK_SIGNING_SECRET=SIGNING_SECRET,
                   DEALROOM_PIPELINE=str(pipeline))
    result, elapsed = run_cli(["run"], env, workdir)
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(pipeline) in lines[0] or pipeline.name in lines[0], lines[0]
    if problem == "duplicate-stage":
        assert "lead" in lines[0] and "duplicate" in lines[0].lower(), lines[0]
    if problem == "bad-assign-rule":
        assert "assign #1" in lines[0] and '"bob" is not a Slack user ID' in lines[0], lines[0]
    if problem == "bad-approval-rule":
        assert 'stage "proposal": approvals #1: bad condition "discount >> 15"' in lines[0], lines[0]
    if problem == "unknown-approver":
        assert 'stage "proposal": approvals #1: unknown approver "boss"' in lines[0], lines[0]
    if problem == "long-stage-key":
        assert 'stage "ppp' in lines[0] and "key must be at most 64 characters (has 200)" in lines[0], lines[0]
    assert "Traceback" not in result.stderr
    assert elapsed < FAIL_FAST_SECONDS
    assert connections_made(trap) == 0
    assert list(workdir.iterdir()) == []


# --- dealroom start (what `make run` calls) ------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, ""], ids=["unset", "empty"])
def test_start_without_a_token_starts_the_playground_on_localhost(workdir: Path, token: str | None) -> None:
    """`make run` on a fresh clone: the playground, its URL printed, on 127.0.0.1 whatever HOST says, PORT
    honoured, `playground.db` in the working directory, and Ctrl-C stops it."""
    port = free_port()
    env = clean_env(PORT=str(port), HOST="0.0.0.0")
    if token is not None:
        env["SLACK_BOT_TOKEN"] = token
    out = workdir.parent / "start.out"
    with out.open("wb") as sink:
        proc = subprocess.Popen([str(DEALROOM), "start"], env=env, cwd=workdir, stdin=subprocess.DEVNULL,
                                stdout=sink, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}/"
            deadline = time.monotonic() + HEALTHY_WITHIN
            while url not in out.read_text():
                assert proc.poll() is None and time.monotonic() < deadline, out.read_text()
                time.sleep(0.1)
            with urllib.request.urlopen(url, timeout=5) as response:
                assert response.status == 200 and b"Dealroom playground" in response.read()
            assert "dealroom manifest" in out.read_text()  # how to connect a real workspace
            with socket.socket() as other:  # 127.0.0.1 only: the machine's other addresses are refused
                other.settimeout(1)
                outside = _outside_address()
                if outside is not None:
                    assert other.connect_ex((outside, port)) != 0
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=STOP_WITHIN) == 0, out.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert "Traceback" not in out.read_text()
    assert (workdir / "playground.db").is_file()


def _outside_address() -> str | None:
    """An address of this machine other than loopback, if it has one."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
        address = probe.getsockname()[0]
        return None if address.startswith("127.") else address
    return None


def test_start_with_a_token_checks_settings_like_run(trap: socket.socket, workdir: Path) -> None:
    result, _ = run_cli(["start"], trap_env(trap, SLACK_BOT_TOKEN="xoxb-1111-2222-SeCrEtBoT"), workdir)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SLACK_SIGNING_SECRET" in lines[0] and ".env.example" in lines[0], result.stderr
    assert connections_made(trap) == 0


# --- dealroom manifest ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("socket_mode", [False, True], ids=["http", "socket-mode"])
def test_manifest_needs_no_token_and_is_yaml_with_the_deal_command(workdir: Path, socket_mode: bool) -> None:
    args = ["manifest", "--socket-mode"] if socket_mode else ["manifest"]
    result, _ = run_cli(args, clean_env(DEALROOM_PUBLIC_URL="https://deals.acme.test"), workdir)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    manifest = yaml.safe_load(result.stdout)
    commands = manifest["features"]["slash_commands"]
    deal = next(c for c in commands if c["command"] == "/deal")
    assert deal["should_escape"] is True
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is socket_mode
    assert set(settings["event_subscriptions"]["bot_events"]) >= {"member_joined_channel", "member_left_channel",
                                                                  "app_home_opened"}
    assert settings["interactivity"]["is_enabled"] is True
    urls = [deal.get("url"), settings["event_subscriptions"].get("request_url"),
            settings["interactivity"].get("request_url")]
    if socket_mode:
        assert urls == [None, None, None]
    else:
        assert urls == ["https://deals.acme.test/slack/events"] * 3
    assert list(workdir.iterdir()) == []


def test_manifest_ignores_a_malformed_token(workdir: Path) -> None:
    result, _ = run_cli(["manifest"], clean_env(SLACK_BOT_TOKEN="xoxp-not-a-bot-token"), workdir)
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout)["features"]["slash_commands"][0]["command"] == "/deal"


# --- the real thing: `dealroom run` against the Slack emulator ----------------------------------------------------


class BotProcess:
    """One `dealroom run` subprocess; its output goes to files (no pipe can fill up and block it)."""

    def __init__(self, name: str, env: dict[str, str], cwd: Path, logs: Path) -> None:
        self.name = name
        self.port = int(env["PORT"])
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._stdout_path = logs / f"{name}.stdout"
        self._stderr_path = logs / f"{name}.stderr"
        self._files: list[IO[bytes]] = [self._stdout_path.open("wb"), self._stderr_path.open("wb")]
        self.proc = subprocess.Popen([str(DEALROOM), "run"], env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                     stdout=self._files[0], stderr=self._files[1])

    def stderr(self) -> str:
        return self._stderr_path.read_text(encoding="utf-8", errors="replace")

    def describe(self) -> str:
        return f"{self.name} (exit {self.proc.poll()}) stderr:\n{self.stderr()[-4000:]}"

    async def wait_healthy(self, http: aiohttp.ClientSession, within: float = HEALTHY_WITHIN) -> float:
        started = time.monotonic()
        while time.monotonic() - started < within:
            if self.proc.poll() is not None:
                pytest.fail(f"{self.name} exited before it was healthy: {self.describe()}")
            with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
                async with http.get(self.base_url + "/healthz", timeout=aiohttp.ClientTimeout(total=2)) as response:
                    if response.status == 200:
                        return time.monotonic() - started
            await asyncio.sleep(0.1)
        pytest.fail(f"{self.name}: GET /healthz not 200 within {within}s: {self.describe()}")

    async def terminate(self, within: float = STOP_WITHIN, sig: int = signal.SIGTERM) -> tuple[int | None, float]:
        """SIGTERM (or `sig`), then wait, without blocking the event loop that serves the emulator, for the exit."""
        started = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        while time.monotonic() - started < within:
            if self.proc.poll() is not None:
                break
            await asyncio.sleep(0.05)
        return self.proc.poll(), time.monotonic() - started

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
        for file in self._files:
            file.close()


def bot_env(slack: SlackEmulator, database_url: str, port: int) -> dict[str, str]:
    return clean_env(
        SLACK_BOT_TOKEN=slack.bot_token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.api_url,
        DATABASE_URL=database_url,
        HOST="127.0.0.1",
        PORT=str(port),
    )


def command_body(slack: SlackEmulator, text: str, key: str) -> str:
    return urllib.parse.urlencode({
        "token": "legacy", "team_id": slack.team_id, "team_domain": "emulated", "channel_id": "C0GENERAL",
        "channel_name": "general", "user_id": REP, "user_name": "ana", "command": "/deal", "text": text,
        "api_app_id": slack.app_id, "is_enterprise_install": "false", "response_url": slack.response_url(key),
        "trigger_id": f"1.{int(time.time())}.{key}",
    })


async def post_signed(http: aiohttp.ClientSession, bot: BotProcess, body: str, *, secret: str = SIGNING_SECRET,
                      timestamp: int | None = None) -> tuple[int, float]:
    headers = signed_headers(secret, body, timestamp=timestamp, content_type="application/x-www-form-urlencoded")
    started = time.monotonic()
    async with http.post(bot.base_url + "/slack/events", data=body.encode(), headers=headers,
                         timeout=aiohttp.ClientTimeout(total=10)) as response:
        await response.read()
        return response.status, time.monotonic() - started


def reply_text(slack: SlackEmulator, key: str) -> str | None:
    for response in slack.responses:
        if response["url_key"] == key:
            body = response["body"]
            return (body.get("text") or "") + "\n" + json.dumps(body.get("blocks") or [], ensure_ascii=False)
    return None


def pinned_card(slack: SlackEmulator, channel_name: str) -> Any:
    channel = slack.channel_named(channel_name)
    if channel is None or not channel.pins:
        return None
    message = slack.find_message(channel.id, channel.pins[0])
    return message if message is not None and message.user == slack.bot_user_id else None


async def create_deal(slack: SlackEmulator, http: aiohttp.ClientSession, bot: BotProcess, *, number: int,
                      customer: str, key: str) -> float:
    """`/deal new Pilot customer:<customer> amount:150k`: acked within 3 s, then channel, pinned card, reply."""
    status, elapsed = await post_signed(http, bot, command_body(slack, f"new Pilot customer:{customer} amount:150k",
                                                                key))
    assert status == 200, f"{status}: {bot.describe()}"
    assert elapsed < ACK_WITHIN, f"Slack needs the ack within {ACK_WITHIN}s, took {elapsed:.2f}s"
    channel_name = f"deal-{number}-{customer.lower()}"

    def deal_is_set_up() -> bool:
        reply = reply_text(slack, key)
        return pinned_card(slack, channel_name) is not None and reply is not None and f"D-{number}" in reply

    try:
        await slack.wait_for(deal_is_set_up, timeout=20)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nchannels: {[c.name for c in slack.channels.values()]}\n"
                             f"{bot.describe()}") from None
    return elapsed


@pytest.mark.parametrize("source", ["environment", "dotenv"])
async def test_run_serves_slack_end_to_end(
    slack: SlackEmulator, db_url: str, tmp_path: Path, workdir: Path, source: str
) -> None:
    """As a newcomer runs it: the console script, settings from the environment or from `.env` in the
    working directory (what `cp .env.example .env` leads to), the emulator as Slack. Stopped by SIGTERM
    (a process manager), or in the `.env` case by SIGINT (Ctrl-C on `make run`)."""
    assert slack.bot_token == BOT_TOKEN
    slack.add_user(REP, "ana", tz="Europe/Berlin")
    env = bot_env(slack, db_url, free_port())
    if source == "dotenv":
        settings = {name: value for name, value in env.items() if name not in ("PATH", "HOME")}
        (workdir / ".env").write_text("".join(f"{name}={value}\n" for name, value in settings.items()),
                                      encoding="utf-8")
        env = clean_env(PORT=settings["PORT"])  # PORT kept so BotProcess knows it; the rest only in .env
    bot = BotProcess("bot", env, workdir, tmp_path)
    try:
        async with aiohttp.ClientSession() as http:
            await bot.wait_healthy(http)
            await create_deal(slack, http, bot, number=1, customer="Acme", key="new1")

            # A forged request and a replayed (stale) one: 401, no effect.
            status, _ = await post_signed(http, bot, command_body(slack, "new Forged customer:Evil", "forged"),
                                          secret="not-the-signing-secret")
            assert status == 401
            status, _ = await post_signed(http, bot, command_body(slack, "new Replay customer:Old", "stale"),
                                          timestamp=int(time.time()) - 6 * 60)
            assert status == 401
            async with http.post(bot.base_url + "/slack/events", data=b"command=%2Fdeal&text=new+X",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"}) as response:
                assert response.status == 401  # unsigned

        stop_signal = signal.SIGINT if source == "dotenv" else signal.SIGTERM
        returncode, elapsed = await bot.terminate(sig=stop_signal)
        assert returncode == 0, f"{stop_signal.name}: {bot.describe()}"
        assert elapsed < STOP_WITHIN
        assert reply_text(slack, "forged") is None and reply_text(slack, "stale") is None
        assert [c.name for c in slack.channels.values() if c.name.startswith("deal-")] == ["deal-1-acme"]
        stderr = bot.stderr()
        assert "Traceback" not in stderr, stderr
        assert SIGNING_SECRET not in stderr and BOT_TOKEN not in stderr, "a secret was logged"
    finally:
        bot.kill()


# --- several processes starting at once on one fresh, empty database ------------------------------------------------


@pytest_asyncio.fixture(params=["sqlite", "postgresql"])
async def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database with no tables at all (db_url's are already migrated)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh' / 'dealroom.db'}"
        return
    reason = await _postgres_reachable()
    if reason:
        pytest.skip(reason)
    name = f"dealroom_cli_{uuid.uuid4().hex[:12]}"
    admin = await _raw(POSTGRES_URL.rsplit("/", 1)[1])
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield _admin_url(name)
    finally:
        admin = await _raw(POSTGRES_URL.rsplit("/", 1)[1])
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def alembic_versions(database_url: str) -> list[str]:
    if database_url.startswith("sqlite"):
        path = database_url.removeprefix("sqlite+aiosqlite:///")
        with contextlib.closing(sqlite3.connect(path)) as conn:
            return [row[0] for row in conn.execute("SELECT version_num FROM alembic_version")]
    name = database_url.rsplit("/", 1)[1]
    conn = await _raw(name)
    try:
        return [row[0] for row in await conn.fetch("SELECT version_num FROM alembic_version")]
    finally:
        await conn.close()


def migration_script():  # type: ignore[no-untyped-def]
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from models.infra.db import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config)


async def test_processes_starting_at_once_migrate_once(
    slack: SlackEmulator, empty_db_url: str, tmp_path: Path, workdir: Path
) -> None:
    slack.add_user(REP, "ana", tz="Europe/Berlin")
    bots: list[BotProcess] = []
    try:
        for i in range(3):  # started back to back: all race to migrate the same empty database
            bots.append(BotProcess(f"bot{i}", bot_env(slack, empty_db_url, free_port()), workdir, tmp_path))
        async with aiohttp.ClientSession() as http:
            await asyncio.gather(*(bot.wait_healthy(http, within=CONCURRENT_HEALTHY_WITHIN) for bot in bots))
            # the schema they built works, from either process, and deal numbers do not collide
            await create_deal(slack, http, bots[0], number=1, customer="Acme", key="first")
            await create_deal(slack, http, bots[1], number=2, customer="Beta", key="second")

        stops = await asyncio.gather(*(bot.terminate() for bot in bots))
        for bot, (returncode, _) in zip(bots, stops, strict=True):
            assert returncode == 0, f"SIGTERM: {bot.describe()}"
        for bot in bots:
            stderr = bot.stderr()
            assert "Traceback" not in stderr, bot.describe()
            assert "level=INFO logger=dealroom " in stderr, "one structured line per event: " + stderr[-500:]
            assert "level=ERROR" not in stderr and "level=CRITICAL" not in stderr, bot.describe()
        script = migration_script()
        upgrades = [bot.stderr().count("Running upgrade") for bot in bots]
        assert sum(upgrades) == len(list(script.walk_revisions())), f"migrations run per process: {upgrades}"
        assert sorted(upgrades)[:-1] == [0] * (len(bots) - 1), f"more than one process migrated: {upgrades}"
        assert await alembic_versions(empty_db_url) == list(script.get_heads())
    finally:
        for bot in bots:
            bot.kill()
