"""The runner's unit of work (bot/runtime/runner.py) on SQLite and PostgreSQL: what a transaction queued is
delivered once it commits, from the outbox rows it wrote (models/infra/outbox.py), never passed by hand; a
job's failure is logged once and nobody's reply is lost."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.runtime.runner import Unit, run_job
from models.infra.db import create_engine, session_factory
from models.infra.errors import Refused
from models.infra.i18n import t
from models.infra.outbox import enqueue, enqueue_many, lanes_written
from models.infra.tables import OutboxMessage

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(db_url)
    yield session_factory(engine)
    await engine.dispose()


class Kicks:
    """The deliverer's kick, recorded."""

    def __init__(self) -> None:
        self.kicked: list[list[str]] = []

    def __call__(self, lanes: list[str]) -> None:
        self.kicked.append(list(lanes))


async def _rows(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxMessage.lane).order_by(OutboxMessage.id)))


async def test_a_transaction_knows_the_lanes_of_the_rows_it_wrote(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await enqueue(session, lane="deal:1", kind="update_card", now=NOW)
        await enqueue_many(session, [{"lane": "dm:U1", "kind": "dm"}, {"lane": "deal:1", "kind": "post_message"}],
                           now=NOW)
        await enqueue(session, lane="dm:U2", kind="dm", now=NOW)
    assert lanes_written(session) == ["deal:1", "dm:U1", "dm:U2"]  # once each, in the order first written

    async with sessions() as session:  # reads nothing into the outbox
        await session.scalar(select(OutboxMessage.id).limit(1))
    assert lanes_written(session) == []

    with pytest.raises(RuntimeError):
        async with sessions.begin() as session:
            await enqueue(session, lane="dm:U3", kind="dm", now=NOW)
            await session.flush()
            raise RuntimeError("rolled back")
    assert lanes_written(session) == [], "a rolled-back row is nothing to deliver"


async def test_a_unit_delivers_each_transaction_once_it_has_committed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    kicks = Kicks()
    unit = Unit(sessions, kicks)
    async with unit.transaction() as session:
        await enqueue(session, lane="deal:7", kind="update_card", now=NOW)
        await enqueue(session, lane="dm:U1", kind="dm", now=NOW)
        assert kicks.kicked == [], "nothing is delivered before the commit"
    assert kicks.kicked == [["deal:7", "dm:U1"]] and unit.saved
    async with unit.transaction() as session:
        pass  # wrote nothing: nothing to deliver
    with pytest.raises(Refused):
        async with unit.transaction() as session:
            await enqueue(session, lane="dm:U9", kind="dm", now=NOW)
            raise Refused(t("Nothing was changed."))
    async with unit.transaction() as session:
        await enqueue(session, lane="dm:U1", kind="dm", now=NOW)
    assert kicks.kicked == [["deal:7", "dm:U1"], ["dm:U1"]]
    assert unit.lanes == ["deal:7", "dm:U1", "dm:U1"], "each transaction's lanes, in commit order"
    assert await _rows(sessions) == ["deal:7", "dm:U1", "dm:U1"]


async def test_a_job_is_logged_once_when_it_fails_and_never_raises(
    sessions: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture,
) -> None:
    kicks = Kicks()
    deps = SimpleNamespace(sessions=sessions, deliverer=SimpleNamespace(kick=kicks))

    async def queues_then_breaks(unit: Unit) -> None:
        async with unit.transaction() as session:
            await enqueue(session, lane="dm:U1", kind="dm", now=NOW)
        async with unit.transaction() as session:
            await enqueue(session, lane="dm:U2", kind="dm", now=NOW)
            raise RuntimeError("database went away")

    async def refused(unit: Unit) -> None:
        raise Refused(t("Territory {name} has no manager to send its digest to; an admin sets one with "
                        "/deal territory {key} manager @user.", name="EMEA", key="emea"))

    with caplog.at_level(logging.INFO, logger="bot.runtime.runner"):
        done = await run_job(deps, queues_then_breaks, what="the nightly job")  # type: ignore[arg-type]
        no = await run_job(deps, refused, what="digest --territory")  # type: ignore[arg-type]
    assert done.failed and done.lanes == ["dm:U1"] and done.refusal is None
    assert kicks.kicked == [["dm:U1"]], "what committed before the failure is delivered"
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in failures] == ["the nightly job failed"] and failures[0].exc_info
    assert no.failed and no.lanes == [] and "has no manager" in str(no.refusal)
    assert "digest --territory refused: Territory EMEA has no manager" in caplog.text
