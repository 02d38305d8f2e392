"""Timed sweeps of the public pool and lost channels (SPEC 3, 6), each ONE transaction.

Each marks its deals with one conditional UPDATE (models.pool) and queues the Slack messages in
the same transaction, so a deal is warned, pooled or archived once however many processes tick. The messages
are typed notices (bot/delivery/events.py), worded at delivery. `tick` is what the scheduler runs: the sweep in
one transaction of the runner, which delivers what it queued (tests run `tick` with a FakeClock).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery import events
from bot.delivery.events import queue_dm, queue_in_channel
from bot.runtime.runner import Done, once, run_job
from models.deals import pool
from models.infra.outbox import enqueue
from models.infra.tables import User
from models.pipeline.workspace import Workspace
from models.values import zone
from scheduler.sweeps import Sweep

if TYPE_CHECKING:
    from bot.runtime.deps import Deps

EVERY_SECONDS = 60


async def warn_before_pool(session: AsyncSession, ws: Workspace, *, now: datetime) -> None:
    """DM owners whose open deal goes to the pool in 2 days unless updated; once per quiet period."""
    marked = await pool.mark_warnings(session, ws, now=now)
    zones = await _zones(session, {m.owner_id for m in marked}, ws.default_tz)
    for m in marked:
        notice = events.pool_warning(m.number, m.title, last_update=m.updated_at,
                                     pool_at=pool.pool_date(m, ws.pipeline, now), tz=zones[m.owner_id])
        await queue_dm(session, m.owner_id, notice, now=now, deal_id=m.number)


async def pool_inactive(session: AsyncSession, ws: Workspace, *, now: datetime) -> None:
    """Open deals quiet for pool_after_days, warned 2 days before, go to the pool; the owner is told."""
    for m in await pool.mark_pooled(session, ws, now=now):
        notice = events.pooled(m.number, m.title, days=ws.pipeline.pool_after_days)
        await queue_dm(session, m.owner_id, notice, now=now, deal_id=m.number)


async def archive_lost(session: AsyncSession, ws: Workspace, *, now: datetime) -> None:
    """Channels of deals lost archive_lost_after_days ago: a last message, then the archive."""
    for m in await pool.mark_archived(session, ws, now=now):
        notice = events.archive_notice(days=ws.pipeline.archive_lost_after_days)
        lane = await queue_in_channel(session, m.number, notice, now=now)
        await enqueue(session, lane=lane, kind="archive_channel", deal_id=m.number, now=now)


SWEEPS: dict[str, Sweep] = {"pool-warn": warn_before_pool, "pool": pool_inactive, "archive-lost": archive_lost}


async def tick(deps: Deps, sweep: Sweep) -> Done:
    """Run one sweep in one transaction; what it queued is delivered, a failure waits for the next tick."""
    return await run_job(deps, lambda unit: once(unit, lambda session: sweep(session, deps.ws, now=deps.clock.now())),
                         what=f"sweep {getattr(sweep, '__name__', sweep)}")


async def _zones(session: AsyncSession, user_ids: set[str], default: ZoneInfo) -> dict[str, ZoneInfo]:
    found: dict[str, str | None] = {}
    if user_ids:
        found = dict((await session.execute(select(User.id, User.tz).where(User.id.in_(user_ids)))).all())
    return {u: zone(found.get(u), default) for u in user_ids}


