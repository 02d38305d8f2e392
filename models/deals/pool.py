"""The public pool (SPEC 6): deals nobody works on, for any rep to claim.

A lost deal enters at once (models.automation); an open deal with no update for
`pool_after_days` enters after its owner was warned 2 days before. The sweeps here mark rows
with one conditional UPDATE each, so two processes never warn, pool or archive a deal twice;
the caller queues the messages in the same transaction. A claim is one conditional UPDATE on
the deal's version: of two claims at once exactly one changes the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.approvals.handover import Handover, owner_changed
from models.approvals.requests import PENDING, Asked
from models.deals import moves
from models.deals.queries import stage_info
from models.deals.snapshots import StageInfo
from models.infra import effects
from models.infra.db import rows_changed
from models.infra.errors import Conflict, Refused
from models.infra.i18n import Text, t, tn
from models.infra.outbox import deal_lane, enqueue
from models.infra.tables import ApprovalRequest, Deal
from models.infra.timeline import entry, log
from models.infra.words import Person
from models.people.permissions import Actor
from models.people.users import ensure_user, manager_of
from models.pipeline import Pipeline, Stage
from models.pipeline.transitions import Move
from models.pipeline.workspace import Workspace

WARN_BEFORE = timedelta(days=2)
SWEEP_BATCH = 200  # rows one sweep marks in one transaction; the next tick takes the rest
LIST_LIMIT = 100


@dataclass(frozen=True)
class PoolEntry:
    number: int
    title: str
    customer: str | None
    amount: Decimal | None
    reached: StageInfo  # the last open stage (a lost deal is reopened there when claimed)
    reason: str  # "lost" | "inactive"
    lost_reason: str | None
    since: datetime
    former_owner_id: str


@dataclass(frozen=True)
class PoolPage:
    entries: list[PoolEntry]
    total: int
    total_amount: Decimal


@dataclass(frozen=True)
class Claimed:
    deal: Deal
    former_owner_id: str
    reopened: Move | Asked | None  # Asked: the reopen waits for approval
    handover: Handover | None = None  # what became of a request pending when it was claimed


@dataclass(frozen=True)
class Marked:
    """A deal a sweep has just marked, with what its message needs."""

    number: int
    title: str
    owner_id: str
    channel_id: str | None
    updated_at: datetime
    closed_at: datetime | None


def reached_stage(deal: Deal, pipeline: Pipeline) -> Stage:
    """The stage a pool deal got to: its own when open, else the last open one it was in."""
    for key in (deal.stage_key, deal.last_open_stage_key):
        if key and key in pipeline and pipeline.stage(key).closed is None:
            return pipeline.stage(key)
    return pipeline.first_open_stage


async def pool_page(session: AsyncSession, pipeline: Pipeline, *, locale: str, limit: int = LIST_LIMIT) -> PoolPage:
    """Pool deals, newest in the pool first, with the count and sum of all of them (one query each)."""
    total, amount = (await session.execute(
        select(func.count(Deal.id), func.coalesce(func.sum(Deal.amount), 0)).where(Deal.pooled_at.is_not(None))
    )).one()
    rows = await session.scalars(
        select(Deal).where(Deal.pooled_at.is_not(None)).order_by(Deal.pooled_at.desc(), Deal.id.desc()).limit(limit)
    )
    entries = [
        PoolEntry(number=d.id, title=d.title, customer=d.customer, amount=d.amount,
                  reached=stage_info(reached_stage(d, pipeline), locale), reason=d.pool_reason or "inactive",
                  lost_reason=d.lost_reason, since=d.pooled_at, former_owner_id=d.owner_id)  # type: ignore[arg-type]
        for d in rows
    ]
    return PoolPage(entries=entries, total=int(total), total_amount=Decimal(amount or 0))


async def claim(session: AsyncSession, ws: Workspace, actor: Actor, deal: Deal, *, now: datetime) -> Claimed:
    """Take a deal from the pool: the claimant owns it, a lost deal is reopened where it was."""
    if deal.pooled_at is None:
        raise Refused(_not_in_pool(deal))
    former = deal.owner_id
    won = await session.execute(
        update(Deal)
        .where(Deal.id == deal.id, Deal.pooled_at.is_not(None), Deal.version == deal.version)
        .values(owner_id=actor.user_id, pooled_at=None, pool_reason=None, pool_warned_at=None, updated_at=now,
                version=deal.version + 1)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(deal)
    if rows_changed(won) != 1:
        if deal.pooled_at is None:
            raise Refused(_not_in_pool(deal))
        raise Conflict(t("D-{number} changed at the same moment; nothing was claimed. Try again.", number=deal.id))
    await ensure_user(session, actor.user_id, now=now)
    log(session, deal, actor.user_id, "owner",
        t("claimed the deal from the public pool (it was {former}'s)", former=Person(former)), now,
        locale=ws.locale, data={"from": former, "to": actor.user_id})
    handover = await owner_changed(session, ws, deal, actor.user_id, now=now)
    if deal.archived_at is not None:  # the claimant needs the channel, reopened or not yet
        deal.archived_at = None
        await enqueue(session, lane=deal_lane(deal.id), kind="unarchive_channel", deal_id=deal.id, now=now)
    reopened = None
    if ws.pipeline.stage(deal.stage_key).closed is not None:
        # Reopening is a move into a stage like any other: its approval rules apply (SPEC 12). When one
        # matches, the claim stands (the claimant owns the deal, out of the pool) and the reopen waits.
        move = await moves.move(session, ws, actor, deal, moves.Named(reached_stage(deal, ws.pipeline).key), now=now)
        assert not isinstance(move, moves.Closed)
        reopened = move
    invitees = [actor.user_id]
    if manager := await manager_of(session, actor.user_id):
        invitees.append(manager)
    await effects.invite(session, deal, invitees, now=now)
    if not isinstance(reopened, Move):
        await effects.refresh_card(session, deal, now=now)
    return Claimed(deal=deal, former_owner_id=former, reopened=reopened, handover=handover)


def _not_in_pool(deal: Deal) -> Text:
    return t("D-{number} is not in the public pool: {owner} holds it.", number=deal.id, owner=Person(deal.owner_id))


# --- sweeps: one conditional UPDATE each ---------------------------------------------------------


def _open(pipeline: Pipeline) -> ColumnElement[bool]:
    return Deal.stage_key.in_([s.key for s in pipeline.open_stages])


def _warn_due(pipeline: Pipeline, now: datetime) -> ColumnElement[bool]:
    """Open, not pooled, quiet long enough to warn, and not warned since its last update."""
    quiet = now - max(timedelta(days=pipeline.pool_after_days) - WARN_BEFORE, timedelta(0))
    return and_(_open(pipeline), Deal.pooled_at.is_(None), Deal.updated_at <= quiet,
                or_(Deal.pool_warned_at.is_(None), Deal.pool_warned_at < Deal.updated_at))


def _pool_due(pipeline: Pipeline, now: datetime) -> ColumnElement[bool]:
    """Open, not pooled, quiet for pool_after_days, and warned at least 2 days ago since its last update."""
    return and_(_open(pipeline), Deal.pooled_at.is_(None),
                Deal.updated_at <= now - timedelta(days=pipeline.pool_after_days),
                Deal.pool_warned_at.is_not(None), Deal.pool_warned_at >= Deal.updated_at,
                Deal.pool_warned_at <= now - WARN_BEFORE)


def _archive_due(pipeline: Pipeline, now: datetime) -> ColumnElement[bool]:
    lost = [s.key for s in pipeline.stages if s.closed == "lost"]
    waiting = select(ApprovalRequest.id).where(ApprovalRequest.deal_id == Deal.id,
                                               ApprovalRequest.status == PENDING)
    return and_(Deal.stage_key.in_(lost), Deal.archived_at.is_(None), Deal.channel_id.is_not(None),
                Deal.closed_at <= now - timedelta(days=pipeline.archive_lost_after_days),
                ~waiting.exists())  # a claimed deal waiting for approval to reopen keeps its channel


async def _mark(session: AsyncSession, due: ColumnElement[bool], values: dict[str, Any]) -> list[Marked]:
    """Lock a batch of candidates (skipping rows another process holds), then mark those still due."""
    candidates = select(Deal.id).where(due).order_by(Deal.id).limit(SWEEP_BATCH)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(await session.scalars(candidates))
    if not ids:
        return []
    rows = await session.execute(
        update(Deal).where(Deal.id.in_(ids), due).values(**values)
        .returning(Deal.id, Deal.title, Deal.owner_id, Deal.channel_id, Deal.updated_at, Deal.closed_at)
        .execution_options(synchronize_session=False)
    )
    return sorted((Marked(*row) for row in rows), key=lambda m: m.number)


async def mark_warnings(session: AsyncSession, ws: Workspace, *, now: datetime) -> list[Marked]:
    return await _mark(session, _warn_due(ws.pipeline, now), {"pool_warned_at": now})


async def mark_pooled(session: AsyncSession, ws: Workspace, *, now: datetime) -> list[Marked]:
    marked = await _mark(session, _pool_due(ws.pipeline, now),
                         {"pooled_at": now, "pool_reason": "inactive", "version": Deal.version + 1})
    days = ws.pipeline.pool_after_days
    text = tn("went to the public pool: no update for {n} day", "went to the public pool: no update for {n} days",
              days)
    session.add_all(entry(m.number, None, "pool", text, now, locale=ws.locale) for m in marked)
    return marked


async def mark_archived(session: AsyncSession, ws: Workspace, *, now: datetime) -> list[Marked]:
    marked = await _mark(session, _archive_due(ws.pipeline, now), {"archived_at": now})
    days = ws.pipeline.archive_lost_after_days
    text = tn("archived the channel, {n} day after the deal was lost",
              "archived the channel, {n} days after the deal was lost", days)
    session.add_all(entry(m.number, None, "archive", text, now, locale=ws.locale) for m in marked)
    return marked


def pool_date(marked: Marked, pipeline: Pipeline, now: datetime) -> datetime:
    """When a just-warned deal goes to the pool unless someone updates it."""
    return max(marked.updated_at + timedelta(days=pipeline.pool_after_days), now + WARN_BEFORE)
