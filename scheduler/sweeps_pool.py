"""Timed sweeps of the public pool and lost channels (SPEC 3, 6), each ONE transaction.

Each marks its deals with one conditional UPDATE (models.pool) and queues the Slack messages in
the same transaction, so a deal is warned, pooled or archived once however many processes tick. The messages
are typed notices (bot/delivery/events.py), worded at delivery.
Tests call the sweeps directly with a FakeClock; `tick` is what the scheduler runs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import events
from bot.delivery.events import queue_dm, queue_in_channel
from models.deals import pool
from models.infra.clock import Clock
from models.infra.outbox import enqueue
from models.infra.tables import User
from models.pipeline.workspace import Workspace
from models.values import zone

if TYPE_CHECKING:
    from bot.runtime.deps import Deps

log = logging.getLogger(__name__)

EVERY_SECONDS = 60
Sweep = Callable[[async_sessionmaker[AsyncSession], Workspace, Clock], Awaitable[list[str]]]


async def warn_before_pool(sessions: async_sessionmaker[AsyncSession], ws: Workspace, clock: Clock) -> list[str]:
    """DM owners whose open deal goes to the pool in 2 days unless updated; once per quiet period."""
    now = clock.now()
    lanes: list[str] = []
    async with sessions.begin() as session:
        marked = await pool.mark_warnings(session, ws, now=now)
        zones = await _zones(session, {m.owner_id for m in marked}, ws.default_tz)
        for m in marked:
            notice = events.pool_warning(m.number, m.title, last_update=m.updated_at,
                                         pool_at=pool.pool_date(m, ws.pipeline, now), tz=zones[m.owner_id])
            lanes.append(await queue_dm(session, m.owner_id, notice, now=now, deal_id=m.number))
    return lanes


async def pool_inactive(sessions: async_sessionmaker[AsyncSession], ws: Workspace, clock: Clock) -> list[str]:
    """Open deals quiet for pool_after_days, warned 2 days before, go to the pool; the owner is told."""
    now = clock.now()
    lanes: list[str] = []
    async with sessions.begin() as session:
        for m in await pool.mark_pooled(session, ws, now=now):
            notice = events.pooled(m.number, m.title, days=ws.pipeline.pool_after_days)
            lanes.append(await queue_dm(session, m.owner_id, notice, now=now, deal_id=m.number))
    return lanes


async def archive_lost(sessions: async_sessionmaker[AsyncSession], ws: Workspace, clock: Clock) -> list[str]:
    """Channels of deals lost archive_lost_after_days ago: a last message, then the archive."""
    now = clock.now()
    lanes: list[str] = []
    async with sessions.begin() as session:
        for m in await pool.mark_archived(session, ws, now=now):
            notice = events.archive_notice(days=ws.pipeline.archive_lost_after_days)
            lane = await queue_in_channel(session, m.number, notice, now=now)
            await enqueue(session, lane=lane, kind="archive_channel", deal_id=m.number, now=now)
            lanes.append(lane)
    return lanes


SWEEPS: dict[str, Sweep] = {"pool-warn": warn_before_pool, "pool": pool_inactive, "archive-lost": archive_lost}


async def tick(deps: Deps, sweep: Sweep) -> None:
    """Run one sweep and deliver what it queued; a failure waits for the next tick."""
    try:
        lanes = await sweep(deps.sessions, deps.ws, deps.clock)
    except Exception:
        log.exception("sweep %s failed", getattr(sweep, "__name__", sweep))
        return
    if lanes:
        deps.deliverer.kick(lanes)


async def _zones(session: AsyncSession, user_ids: set[str], default: ZoneInfo) -> dict[str, ZoneInfo]:
    rows = await session.execute(select(User.id, User.tz).where(User.id.in_(user_ids))) if user_ids else []
    found = {user_id: tz for user_id, tz in rows}
    return {u: zone(found.get(u), default) for u in user_ids}


