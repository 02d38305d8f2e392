"""Retention (issue 14): delivered outbox rows older than DEALROOM_OUTBOX_RETENTION_DAYS and event ids
older than a day go, in batches of 1,000 rows, each its own transaction; pending and parked rows and
recent ones stay; processes may prune side by side. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.infra.clock import FakeClock
from models.infra.db import create_engine, session_factory
from models.infra.retention import forget_sent_messages
from models.infra.tables import OutboxMessage, ProcessedEvent
from scheduler import retention
from tests.clock import fake_clock

OLD_SENT, RECENT_SENT, OLD_PENDING, OLD_PARKED = 3_500, 300, 40, 20
OLD_EVENTS, RECENT_EVENTS = 2_200, 100


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(db_url)
    yield session_factory(engine)
    await engine.dispose()


def process(sessions: async_sessionmaker[AsyncSession], clock: FakeClock, days: int = 30) -> Any:
    """What retention.prune reads of a process's Deps."""
    return SimpleNamespace(sessions=sessions, clock=clock,
                           settings=SimpleNamespace(dealroom_outbox_retention_days=days))


def row(n: int, status: str, at: Any) -> dict[str, Any]:
    return dict(lane=f"dm:U{n % 50:04d}", kind="dm", payload={"user": f"U{n % 50:04d}", "text": "x" * 200},
                status=status, attempts=1, not_before=at, created_at=at,
                sent_at=at + timedelta(seconds=1) if status == "sent" else None)


async def seed(sessions: async_sessionmaker[AsyncSession], clock: FakeClock) -> None:
    now = clock.now()
    long_ago, lately = now - timedelta(days=45), now - timedelta(days=29)
    rows = [row(n, "sent", long_ago + timedelta(minutes=n)) for n in range(OLD_SENT)]
    rows += [row(n, "sent", lately + timedelta(minutes=n)) for n in range(RECENT_SENT)]
    rows += [row(n, "pending", long_ago) for n in range(OLD_PENDING)]  # Slack refused for weeks: still due
    rows += [row(n, "parked", long_ago) for n in range(OLD_PARKED)]  # waiting for an admin
    async with sessions.begin() as session:
        await session.execute(insert(OutboxMessage), sorted(rows, key=lambda r: r["created_at"]))
        await session.execute(insert(ProcessedEvent), [
            {"event_id": f"Ev{n}", "received_at": now - timedelta(days=2, seconds=n)} for n in range(OLD_EVENTS)
        ] + [{"event_id": f"New{n}", "received_at": now - timedelta(hours=23)} for n in range(RECENT_EVENTS)])


async def counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as session:
        by_status = dict((await session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all())
        events = await session.scalar(select(func.count()).select_from(ProcessedEvent))
    return {**by_status, "events": events}


async def test_a_pass_removes_old_delivered_rows_in_batches_and_keeps_what_is_still_needed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = fake_clock()
    await seed(sessions, clock)
    done = await retention.prune(process(sessions, clock), pause=0)
    assert (done["outbox"].rows, done["outbox"].batches) == (OLD_SENT, 4)  # 1,000 + 1,000 + 1,000 + 500
    assert (done["processed_events"].rows, done["processed_events"].batches) == (OLD_EVENTS, 3)
    assert await counts(sessions) == {"sent": RECENT_SENT, "pending": OLD_PENDING, "parked": OLD_PARKED,
                                      "events": RECENT_EVENTS}
    again = await retention.prune(process(sessions, clock), pause=0)
    assert again["outbox"].rows == again["processed_events"].rows == 0 and again["outbox"].batches == 1
    clock.advance(timedelta(days=2))  # the recent ones come of age
    later = await retention.prune(process(sessions, clock), pause=0)
    assert later["outbox"].rows == RECENT_SENT and later["processed_events"].rows == RECENT_EVENTS
    assert await counts(sessions) == {"pending": OLD_PENDING, "parked": OLD_PARKED, "events": 0}


async def test_one_transaction_deletes_at_most_a_batch(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = fake_clock()
    await seed(sessions, clock)
    removed = []
    while True:
        async with sessions.begin() as session:
            removed.append(await forget_sent_messages(session, before=clock.now() - timedelta(days=30), limit=700))
        if removed[-1] == 0:
            break
    assert removed == [700] * 5 + [0]


async def test_zero_days_keeps_delivered_messages_forever(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = fake_clock()
    await seed(sessions, clock)
    done = await retention.prune(process(sessions, clock, days=0), pause=0)
    assert "outbox" not in done and done["processed_events"].rows == OLD_EVENTS
    assert (await counts(sessions))["sent"] == OLD_SENT + RECENT_SENT


async def test_processes_pruning_at_the_same_moment_remove_each_row_once(db_url: str) -> None:
    clock = fake_clock()
    engines = [create_engine(db_url) for _ in range(3)]
    try:
        factories = [session_factory(engine) for engine in engines]
        await seed(factories[0], clock)
        passes = await asyncio.gather(*(retention.prune(process(f, clock), pause=0) for f in factories))
        assert sum(p["outbox"].rows for p in passes) == OLD_SENT
        assert sum(p["processed_events"].rows for p in passes) == OLD_EVENTS
        left = await counts(factories[0])
        assert left["sent"] == RECENT_SENT and left["pending"] == OLD_PENDING and left["parked"] == OLD_PARKED
    finally:
        for engine in engines:
            await engine.dispose()
