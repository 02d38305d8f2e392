"""Timed sweeps of the public pool and lost channels (SPEC 3, 6), each ONE transaction.

Each marks its deals with one conditional UPDATE (models.pool) and queues the Slack messages in
the same transaction, so a deal is warned, pooled or archived once however many processes tick.
`tick` is what the scheduler runs: the sweep in one transaction of the runner, which delivers what it
queued (tests run `tick` with a FakeClock).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks import pool as pool_blocks
from bot.blocks.text import Message
from bot.runtime.runner import Done, once, run_job
from models.deals import pool
from models.infra.dms import enqueue_dm
from models.infra.outbox import deal_lane, enqueue
from models.infra.tables import User
from models.pipeline.workspace import Workspace
from models.values import zone
from scheduler.sweeps import Sweep

if TYPE_CHECKING:
    from bot.runtime.deps import Deps

EVERY_SECONDS = 60


async def send_dm(session: AsyncSession, user_id: str, message: Message, *, now: datetime, deal_id: int) -> None:
    await enqueue_dm(session, user_id, text=message.text, blocks=message.blocks, now=now, deal_id=deal_id)


async def warn_before_pool(session: AsyncSession, ws: Workspace, *, now: datetime) -> None:
    """DM owners whose open deal goes to the pool in 2 days unless updated; once per quiet period."""
    marked = await pool.mark_warnings(session, ws, now=now)
    zones = await _zones(session, {m.owner_id for m in marked}, ws.default_tz)
    for m in marked:
        message = pool_blocks.pool_warning_dm(m.number, m.title, last_update=m.updated_at,
                                              pool_at=pool.pool_date(m, ws.pipeline, now), tz=zones[m.owner_id],
                                              locale=ws.locale)
        await send_dm(session, m.owner_id, message, now=now, deal_id=m.number)


async def pool_inactive(session: AsyncSession, ws: Workspace, *, now: datetime) -> None:
    """Open deals quiet for pool_after_days, warned 2 days before, go to the pool; the owner is told."""
    for m in await pool.mark_pooled(session, ws, now=now):
        message = pool_blocks.pooled_dm(m.number, m.title, days=ws.pipeline.pool_after_days, locale=ws.locale)
        await send_dm(session, m.owner_id, message, now=now, deal_id=m.number)


async def archive_lost(session: AsyncSession, ws: Workspace, *, now: datetime) -> None:
    """Channels of deals lost archive_lost_after_days ago: a last message, then the archive."""
    for m in await pool.mark_archived(session, ws, now=now):
        notice = pool_blocks.archive_notice(days=ws.pipeline.archive_lost_after_days, locale=ws.locale)
        lane = deal_lane(m.number)
        await enqueue(session, lane=lane, kind="post_message", deal_id=m.number, now=now,
                      payload={"text": notice.text, "blocks": notice.blocks})
        await enqueue(session, lane=lane, kind="archive_channel", deal_id=m.number, now=now)


SWEEPS: dict[str, Sweep] = {"pool-warn": warn_before_pool, "pool": pool_inactive, "archive-lost": archive_lost}


async def tick(deps: Deps, sweep: Sweep) -> Done:
    """Run one sweep in one transaction; what it queued is delivered, a failure waits for the next tick."""
    return await run_job(deps, lambda unit: once(unit, lambda session: sweep(session, deps.ws, now=deps.clock.now())),
                         what=f"sweep {getattr(sweep, '__name__', sweep)}")


async def _zones(session: AsyncSession, user_ids: set[str], default: ZoneInfo) -> dict[str, ZoneInfo]:
    rows = await session.execute(select(User.id, User.tz).where(User.id.in_(user_ids))) if user_ids else []
    found = {user_id: tz for user_id, tz in rows}
    return {u: zone(found.get(u), default) for u in user_ids}


