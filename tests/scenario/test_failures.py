"""Whatever goes wrong after the ack reaches the person, privately and within seconds: a use case that
raises, or a SQLite database locked by another writer past the busy timeout. They are told nothing was
saved and what to do, in the workspace's language; the log has the traceback once (issue 14, item 6)."""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import shutil
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from bot.blocks.ids import ActionId, BlockId, CallbackId
from models.infra.tables import Deal, TimelineEntry
from tests.emulator import SlackEmulator
from tests.scenario.conftest import pipeline_file, started_bot
from tests.scenario.harness import MANAGER, REP, Bot, Reply
from tests.scenario.test_approvals import PIPELINE, _deal_needing_approval, _requests

WITHIN_SECONDS = 5.0
_KEYS = itertools.count(1)
UNEXPECTED = "Something went wrong on our side, so nothing was saved."
UNAVAILABLE = "The database is not answering, so nothing was saved."


class Boom(RuntimeError):
    """What a use case raises here, where no handler expects it."""


def boom(*args: Any, **kwargs: Any) -> Any:
    raise Boom("a bug in a use case")


def tracebacks(caplog: pytest.LogCaptureFixture, kind: type[BaseException] = BaseException) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info and isinstance(r.exc_info[1], kind)]


async def told(bot: Bot, key: str) -> Reply:
    """The private reply to the request whose response_url is ``key``, within seconds."""
    return await bot.reply(key, wait_seconds=WITHIN_SECONDS)


async def _command(bot: Bot, user: str, text: str) -> Reply:
    """`/deal <text>`: its private reply within seconds, and nothing delivered afterwards."""
    key = f"fail{next(_KEYS)}"
    response = await bot.post(bot.command_body(user, text, key=key), "application/x-www-form-urlencoded")
    assert response.status == 200, response.status
    return await told(bot, key)


def ephemerals_to(bot: Bot, user: str, channel: str) -> list[str]:
    return [m.text + json.dumps(m.blocks or []) for m in bot.slack.messages.get(channel, []) if m.ephemeral_to == user]


async def deal_row(bot: Bot, number: int = 1) -> Deal:
    async with bot.deps.sessions() as session:
        deal = await session.get(Deal, number)
        assert deal is not None
        return deal


async def deal_count(bot: Bot) -> int:
    async with bot.deps.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Deal)) or 0)


# --- an exception nobody expected, in each kind of entry point ------------------------------------------


async def test_a_command_whose_use_case_raises_is_told_nothing_was_saved(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.command(REP, "new Pilot customer:Acme")
    monkeypatch.setattr("models.deals.service.set_fields", boom)
    caplog.clear()
    reply = await _command(bot, REP, "set D-1 customer:Globex")
    assert UNEXPECTED in reply.all_text and "tell your Dealroom admin" in reply.all_text, reply.all_text
    assert (await deal_row(bot)).customer == "Acme"
    assert len(tracebacks(caplog, Boom)) == 1, [r.getMessage() for r in tracebacks(caplog)]
    assert len(tracebacks(caplog)) == 1


async def test_a_button_whose_use_case_raises_is_told_nothing_was_saved(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.command(REP, "new Pilot customer:Acme")
    await bot.command(REP, "score D-1 budget:150k authority:yes need:yes timing:30")
    monkeypatch.setattr("models.deals.moves.move", boom)
    caplog.clear()
    key = await bot.click(REP, ActionId.NEXT_STAGE.value, "1", channel=bot.channel_of(1).id)
    assert UNEXPECTED in (await told(bot, key)).all_text
    assert (await deal_row(bot)).stage_key == "lead"
    assert len(tracebacks(caplog, Boom)) == 1 and len(tracebacks(caplog)) == 1


async def test_a_modal_whose_use_case_raises_tells_the_person_where_they_were(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    general = bot.slack.add_channel("general", members=[REP]).id
    monkeypatch.setattr("models.deals.service.create_deal", boom)
    caplog.clear()
    response = await bot.submit(REP, CallbackId.NEW_DEAL.value, {BlockId.TITLE.value: "Pilot"},
                                private_metadata=json.dumps({"channel_id": general}))
    assert response.status == 200 and not await response.read(), "the form closes: the work runs after the ack"
    await bot.slack.wait_for(lambda: ephemerals_to(bot, REP, general), timeout=WITHIN_SECONDS)
    assert UNEXPECTED in ephemerals_to(bot, REP, general)[0]
    assert await deal_count(bot) == 0
    assert len(tracebacks(caplog, Boom)) == 1 and len(tracebacks(caplog)) == 1


async def test_a_value_the_database_refuses_is_told_not_saved(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    if not bot.settings.database_url.startswith("postgresql"):
        pytest.skip("SQLite keeps text of any length: there is no DataError to provoke")
    monkeypatch.setattr("models.deals.service.check_lengths", lambda changes: None)  # as if a limit had been missed
    caplog.clear()
    reply = await _command(bot, REP, "new " + "T" * 600)
    assert "The database refused a value you entered, so nothing was saved." in reply.all_text, reply.all_text
    assert await deal_count(bot) == 0
    assert len(tracebacks(caplog)) == 1


@pytest_asyncio.fixture
async def approvals_bot(slack: SlackEmulator, db_url: str, tmp_path: Path) -> AsyncIterator[Bot]:
    async with started_bot(slack, db_url, dealroom_pipeline=pipeline_file(tmp_path, PIPELINE)) as running:
        yield running


async def test_an_approval_click_whose_use_case_raises_is_told_nothing_was_decided(
    approvals_bot: Bot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    bot = approvals_bot
    await _deal_needing_approval(bot)
    await bot.command(REP, "stage D-1 proposal")
    request_id = (await _requests(bot))[0].id
    monkeypatch.setattr("models.deals.moves.decide", boom)
    caplog.clear()
    key = await bot.click(MANAGER, ActionId.APPROVE.value, str(request_id), channel=bot.slack.ims[MANAGER])
    assert UNEXPECTED in (await told(bot, key)).all_text
    assert [r.status for r in await _requests(bot)] == ["pending"]
    assert len(tracebacks(caplog, Boom)) == 1 and len(tracebacks(caplog)) == 1


async def test_the_person_is_told_in_the_workspace_language(
    slack: SlackEmulator, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with started_bot(slack, db_url, dealroom_locale="zh-CN") as bot:
        await bot.command(REP, "new Pilot customer:Acme")
        monkeypatch.setattr("models.deals.service.set_fields", boom)
        reply = await _command(bot, REP, "set D-1 customer:Globex")
        assert "我们这边出了问题，所以什么都没有保存" in reply.all_text, reply.all_text
        assert "Something" not in reply.all_text


# --- SQLite locked by another writer past the busy timeout ---------------------------------------------------


@pytest_asyncio.fixture
async def sqlite_bot(slack: SlackEmulator, sqlite_template: Path, tmp_path: Path,
                     monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[Bot, Path]]:
    monkeypatch.setattr("models.infra.db.SQLITE_BUSY_TIMEOUT", 0.3)  # the bot gives up on the lock after 0.3 s
    path = tmp_path / "dealroom.db"
    shutil.copy(sqlite_template, path)
    async with started_bot(slack, f"sqlite+aiosqlite:///{path}") as running:
        yield running, path


@contextlib.contextmanager
def another_writer(path: Path) -> Iterator[None]:
    """A second process's connection holding the write lock (BEGIN IMMEDIATE) until the block ends."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield
        connection.execute("ROLLBACK")
    finally:
        connection.close()


async def test_a_database_locked_by_another_writer_is_told_and_the_next_try_works(
    sqlite_bot: tuple[Bot, Path], caplog: pytest.LogCaptureFixture
) -> None:
    bot, path = sqlite_bot
    await bot.command(REP, "new Pilot customer:Acme")
    await bot.command(REP, "score D-1 budget:150k authority:yes need:yes timing:30")  # so Next stage may move it
    channel = bot.channel_of(1).id
    caplog.clear()
    with another_writer(path):
        response = await bot.submit(REP, CallbackId.LOG_NOTE.value, {BlockId.NOTE_TEXT.value: "called the CFO"},
                                    private_metadata=json.dumps({"deal": 1}))
        assert response.status == 200
        await bot.slack.wait_for(lambda: any(UNAVAILABLE in text for text in bot.dm_texts(REP)),
                                 timeout=WITHIN_SECONDS)  # a closed modal has no response_url: a DM
        assert len(tracebacks(caplog)) == 1, [r.getMessage() for r in tracebacks(caplog)]
        assert "database is locked" in str(tracebacks(caplog)[0].exc_info[1])  # type: ignore[index]

        reply = await _command(bot, REP, "set D-1 customer:Globex")
        assert UNAVAILABLE in reply.all_text and "Try again in a minute" in reply.all_text, reply.all_text

        key = await bot.click(REP, ActionId.NEXT_STAGE.value, "1", channel=channel)
        assert UNAVAILABLE in (await told(bot, key)).all_text
        assert len(tracebacks(caplog)) == 3, "one traceback for each of the three failures"

    assert "Updated D-1" in (await _command(bot, REP, "set D-1 customer:Globex")).text
    deal = await deal_row(bot)
    assert (deal.customer, deal.stage_key) == ("Globex", "lead")
    async with bot.deps.sessions() as session:
        notes = await session.scalar(select(func.count()).select_from(TimelineEntry).where(
            TimelineEntry.kind == "note"))
    assert notes == 0, "the note that failed was not saved"
