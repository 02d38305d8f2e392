"""Claims and sweeps at the database: the conditional UPDATE decides, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.deals import pool
from models.infra.db import create_engine, session_factory
from models.infra.errors import Refused
from models.infra.tables import Deal, OutboxMessage
from models.people.permissions import Actor
from models.pipeline import load_pipeline
from models.pipeline.workspace import Workspace
from tests.shown import as_shown

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WS = Workspace(pipeline=load_pipeline("standard"))


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(db_url)
    yield session_factory(engine)
    await engine.dispose()


async def _add(sessions: async_sessionmaker[AsyncSession], **values) -> int:  # type: ignore[no-untyped-def]
    fields = dict(title="Pilot", stage_key="lost", last_open_stage_key="proposal", owner_id="U0OLD",
                  created_by="U0OLD", created_at=NOW, updated_at=NOW, closed_at=NOW, lost_reason="price",
                  custom_fields={}, pooled_at=NOW, pool_reason="lost", channel_id=None)
    fields.update(values)
    async with sessions.begin() as session:
        deal = Deal(**fields)
        session.add(deal)
        await session.flush()
        return deal.id


async def test_a_claim_on_a_deal_someone_claimed_meanwhile_is_refused_naming_them(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    number = await _add(sessions)
    with pytest.raises(Refused) as refused:
        async with sessions.begin() as second:
            stale = await second.get(Deal, number)
            assert stale is not None and stale.pooled_at is not None
            async with sessions.begin() as first:  # someone else claims it between our read and our claim
                fresh = await first.get(Deal, number)
                assert fresh is not None
                await pool.claim(first, WS, Actor("U0ANA"), fresh, now=NOW)
            await pool.claim(second, WS, Actor("U0BEN"), stale, now=NOW)
    assert "<@U0ANA> holds it" in as_shown(refused.value.message)  # as Slack shows it
    async with sessions() as session:
        deal = await session.get(Deal, number)
        assert deal is not None and (deal.owner_id, deal.stage_key, deal.pooled_at) == ("U0ANA", "proposal", None)


async def test_concurrent_claims_from_many_sessions_have_exactly_one_winner(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    number = await _add(sessions)

    async def attempt(user: str) -> str:
        try:
            async with sessions.begin() as session:
                deal = await session.get(Deal, number)
                assert deal is not None
                await asyncio.sleep(0.01)  # every attempt has read the pooled deal before any claims
                await pool.claim(session, WS, Actor(user), deal, now=NOW)
        except Refused as refused:
            return as_shown(refused.message)
        return "won"

    results = await asyncio.gather(*(attempt(f"U0R{i}") for i in range(6)))
    assert results.count("won") == 1
    async with sessions() as session:
        owner = await session.scalar(select(Deal.owner_id).where(Deal.id == number))
    assert all(f"<@{owner}>" in r for r in results if r != "won")


async def test_sweeps_running_side_by_side_mark_each_deal_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    quiet = NOW - timedelta(days=29)
    numbers = [await _add(sessions, stage_key="lead", pooled_at=None, pool_reason=None, closed_at=None,
                          updated_at=quiet) for _ in range(30)]

    async def sweep() -> list[int]:
        async with sessions.begin() as session:
            return [m.number for m in await pool.mark_warnings(session, WS, now=NOW)]

    runs = await asyncio.gather(*(sweep() for _ in range(4)))
    marked = sorted(n for run in runs for n in run)
    assert marked == numbers
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Deal).where(Deal.pool_warned_at == NOW)) == 30
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0  # the caller queues
