"""PostgreSQL stopped in the middle of a session, on a throwaway server of this test's own (a cluster in a
temporary folder on another port): whoever types, clicks or submits meanwhile is told privately within
seconds that nothing was saved; once the server is back, the next request works (issue 14, item 6)."""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.blocks.ids import ActionId, BlockId, CallbackId
from models.deals import service as deals
from models.infra.db import create_engine, migrate
from tests.emulator import SlackEmulator
from tests.scenario.conftest import pipeline_file, started_bot
from tests.scenario.harness import MANAGER, REP, Bot
from tests.scenario.test_approvals import PIPELINE, _deal_needing_approval, _requests
from tests.scenario.test_failures import UNAVAILABLE, WITHIN_SECONDS, _command, deal_row, told

pytestmark = pytest.mark.timeout(60)


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class ThrowawayPostgres:
    """A PostgreSQL cluster of the test's own: initdb in a temporary folder, on a free port. As root
    (CI here), the server runs as the ``postgres`` user, since PostgreSQL refuses to run as root."""

    def __init__(self, binaries: Path, folder: Path, port: int) -> None:
        self.binaries, self.folder, self.port = binaries, folder, port
        self.data = folder / "data"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.binaries / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=30)

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        # fsync off: only a machine crash loses data then; every commit still reaches the OS before
        # the client hears of it, so an immediate stop (a server crash) keeps what was committed.
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "server.log"), "-w",
                  "start")

    def stop(self) -> None:
        """As a crash would: no goodbye to the connected clients."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def own_postgres() -> Iterator[ThrowawayPostgres]:
    binaries = _binaries()
    if binaries is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root without a postgres user to run a throwaway server as")
    folder = Path(tempfile.mkdtemp(prefix="dealroom-pg-"))
    if os.geteuid() == 0:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    server = ThrowawayPostgres(binaries, folder, _free_port())
    try:
        server.create()
        server.start()
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


async def _database(server: ThrowawayPostgres) -> str:
    import asyncpg

    admin = await asyncpg.connect(server.url("postgres").replace("postgresql+asyncpg", "postgresql"), timeout=10)
    try:
        await admin.execute("CREATE DATABASE dealroom")
    finally:
        await admin.close()
    engine = create_engine(server.url("dealroom"))
    await migrate(engine)
    await engine.dispose()
    return server.url("dealroom")


@pytest_asyncio.fixture
async def bot_on_own_postgres(slack: SlackEmulator, own_postgres: ThrowawayPostgres,
                              tmp_path: Path) -> AsyncIterator[tuple[Bot, ThrowawayPostgres]]:
    url = await _database(own_postgres)
    async with started_bot(slack, url, dealroom_pipeline=pipeline_file(tmp_path, PIPELINE)) as running:
        yield running, own_postgres


async def test_a_server_stopped_mid_session_is_told_within_seconds_and_the_bot_recovers(
    bot_on_own_postgres: tuple[Bot, ThrowawayPostgres], caplog: pytest.LogCaptureFixture
) -> None:
    bot, server = bot_on_own_postgres
    started = time.monotonic()
    await _deal_needing_approval(bot)  # D-1, discount 20: a move to proposal needs the manager
    await bot.command(REP, "stage D-1 proposal")
    request_id = (await _requests(bot))[0].id
    channel = bot.channel_of(1).id

    await asyncio.to_thread(server.stop)
    caplog.clear()
    typed = time.monotonic()
    reply = await _command(bot, REP, "set D-1 customer:Globex")
    took = time.monotonic() - typed
    assert UNAVAILABLE in reply.all_text and "Try again in a minute" in reply.all_text, reply.all_text
    assert took < WITHIN_SECONDS, took

    key = await bot.click(REP, ActionId.NEXT_STAGE.value, "1", channel=channel)
    assert UNAVAILABLE in (await told(bot, key)).all_text

    key = await bot.click(MANAGER, ActionId.APPROVE.value, str(request_id), channel=bot.slack.ims[MANAGER])
    assert UNAVAILABLE in (await told(bot, key)).all_text

    # A form cannot be read without the database: it stays open with what was typed, and says why.
    response = await bot.submit(REP, CallbackId.NEW_DEAL.value, {BlockId.TITLE.value: "Second pilot"})
    answer = await response.json()
    assert answer["response_action"] == "errors" and UNAVAILABLE in answer["errors"][BlockId.TITLE.value], answer
    failures = [r for r in caplog.records if r.exc_info]
    assert len(failures) == 4, [r.getMessage() for r in failures]  # one traceback per failed request

    await asyncio.to_thread(server.start)
    assert "Updated D-1" in (await _command(bot, REP, "set D-1 customer:Globex")).text
    assert "Approved" in (await told(bot, await bot.click(MANAGER, ActionId.APPROVE.value, str(request_id),
                                                           channel=bot.slack.ims[MANAGER]))).text
    assert [r.status for r in await _requests(bot)] == ["approved"]
    assert time.monotonic() - started < 20


async def test_a_server_stopped_while_a_command_runs_saves_nothing_and_says_so(
    bot_on_own_postgres: tuple[Bot, ThrowawayPostgres], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture
) -> None:
    bot, server = bot_on_own_postgres
    await bot.command(REP, "new Pilot customer:Acme")
    set_fields = deals.set_fields

    async def stopped_halfway(session: Any, *args: Any, **kwargs: Any) -> Any:
        lines = await set_fields(session, *args, **kwargs)
        await session.flush()  # written, not committed: then the server goes away
        await asyncio.to_thread(server.stop)
        return lines

    monkeypatch.setattr("models.deals.service.set_fields", stopped_halfway)
    caplog.clear()
    reply = await _command(bot, REP, "set D-1 customer:Globex")
    assert UNAVAILABLE in reply.all_text, reply.all_text
    assert len([r for r in caplog.records if r.exc_info]) == 1, [r.getMessage() for r in caplog.records]

    monkeypatch.setattr("models.deals.service.set_fields", set_fields)
    await asyncio.to_thread(server.start)
    assert (await deal_row(bot)).customer == "Acme", "nothing of the interrupted command was saved"
    info = await bot.command(REP, "info D-1")
    assert "Acme" in info.all_text and "Globex" not in info.all_text
    assert "Updated D-1" in (await _command(bot, REP, "set D-1 customer:Globex")).text
