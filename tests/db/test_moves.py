"""The one move use case (models/deals/moves.py): what the person typed in, a move (or a request) out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.approvals.requests import Asked
from models.deals import moves
from models.infra.db import create_engine, session_factory
from models.infra.errors import Forbidden, InputError, Refused
from models.infra.tables import ApprovalRequest, Deal, StageChange, TimelineEntry
from models.people.permissions import Actor
from models.pipeline import UnknownStage, loads_pipeline
from models.pipeline.workspace import Workspace
from tests.shown import entry_as_shown

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OWNER = Actor("U0OWNER")
PIPELINE = loads_pipeline("""
[[stages]]
key = "lead"
name = "Lead"
name_zh = "线索"
probability = 10

[[stages]]
key = "proposal"
name = "Proposal"
name_zh = "方案报价"
probability = 50

[[stages.approvals]]
when = "discount > 15"
approvers = ["admin"]

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
""")
WS = Workspace(pipeline=PIPELINE, admin_ids=frozenset({"U0ADMIN"}))


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(db_url)
    yield session_factory(engine)
    await engine.dispose()


async def _deal(sessions: async_sessionmaker[AsyncSession], **custom: str) -> int:
    async with sessions.begin() as session:
        deal = Deal(title="Pilot", stage_key="lead", last_open_stage_key="lead", owner_id=OWNER.user_id,
                    created_by=OWNER.user_id, created_at=NOW, updated_at=NOW, custom_fields=dict(custom))
        session.add(deal)
        await session.flush()
        return deal.id


async def _move(sessions: async_sessionmaker[AsyncSession], number: int, to: moves.Target,
                actor: Actor = OWNER) -> object:
    async with sessions.begin() as session:
        deal = await session.get(Deal, number)
        assert deal is not None
        return await moves.move(session, WS, actor, deal, to, now=NOW)


@pytest.mark.parametrize("typed", ["proposal", "2", "Prop", "方案", "ＰＲＯＰＯＳＡＬ"])
async def test_the_stage_is_resolved_from_what_was_typed(sessions: async_sessionmaker[AsyncSession],
                                                         typed: str) -> None:
    number = await _deal(sessions)
    moved = await _move(sessions, number, moves.Named(typed))
    assert isinstance(moved, moves.Moved) and moved.to_stage.key == "proposal"
    async with sessions() as session:
        assert (await session.get(Deal, number)).stage_key == "proposal"  # type: ignore[union-attr]
        entry = (await session.scalars(select(TimelineEntry).where(TimelineEntry.kind == "stage"))).one()
    assert entry_as_shown(entry) == "moved Lead → Proposal"


@pytest.mark.parametrize("to", [moves.Named("lost"), moves.Lost(None), moves.Lost("   ")])
async def test_losing_a_deal_needs_a_reason_however_it_is_asked(sessions: async_sessionmaker[AsyncSession],
                                                                to: moves.Target) -> None:
    number = await _deal(sessions)
    with pytest.raises(InputError) as refused:
        await _move(sessions, number, to)
    assert str(refused.value) == "Say why the deal was lost." and refused.value.usage == "/deal lost <reason>"
    closed = await _move(sessions, number, moves.Lost("went with a competitor"))
    assert isinstance(closed, moves.Closed) and closed.move.to_stage.key == "lost"
    async with sessions() as session:
        assert (await session.get(Deal, number)).lost_reason == "went with a competitor"  # type: ignore[union-attr]


async def test_a_stage_nobody_named_is_told_with_the_usage(sessions: async_sessionmaker[AsyncSession]) -> None:
    number = await _deal(sessions)
    with pytest.raises(UnknownStage) as unknown:
        await _move(sessions, number, moves.Named("propsal"))
    assert isinstance(unknown.value, InputError) and unknown.value.usage == "/deal stage <stage>"


async def test_only_who_may_change_the_deal_moves_it_and_only_as_the_pipeline_allows(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    number = await _deal(sessions)
    with pytest.raises(Forbidden):
        await _move(sessions, number, moves.Next(), actor=Actor("U0STRANGER"))
    assert isinstance(await _move(sessions, number, moves.Won(None)), moves.Closed)
    with pytest.raises(Refused, match="no next stage"):
        await _move(sessions, number, moves.Next())


async def test_a_held_move_waits_and_the_decision_continues_it(sessions: async_sessionmaker[AsyncSession]) -> None:
    number = await _deal(sessions, discount="20")
    asked = await _move(sessions, number, moves.Next())
    assert isinstance(asked, Asked) and asked.approvers == ("U0ADMIN",)
    async with sessions.begin() as session:
        decided = await moves.decide(session, WS, Actor("U0ADMIN", is_admin=True), asked.request.id, approve=True,
                                     now=NOW)
    assert decided.status == "approved" and decided.move is not None and decided.move.to_stage.key == "proposal"
    async with sessions() as session:
        change = (await session.scalars(select(StageChange))).one()
        request = (await session.scalars(select(ApprovalRequest))).one()
    assert (change.to_stage, change.actor_id, request.status) == ("proposal", OWNER.user_id, "approved")
