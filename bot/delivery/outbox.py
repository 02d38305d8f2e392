"""Delivers outbox rows to Slack, lane by lane, in order, retrying what Slack could not take.

A lane (one deal's channel, the feed) is leased by one process at a time, renewed while it delivers
(bot/delivery/lane_lease.py); the lease expires, so another process takes over if this one dies. Rows are marked
sent only after Slack accepted them. What a row says is for the renderer of its kind (bot/delivery/kinds/);
this module decides when to deliver, and what Slack's answer means for the row: sent, retried (backoff,
Retry-After, our own pacing), skipped, parked, or every delivery halted while the token is refused.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, inspect, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from bot.config.logs import deal_ref
from bot.delivery.context import DeliveryContext, Parked, Services
from bot.delivery.gateway import SlackFailure, SlackGateway
from bot.delivery.kinds import RENDERERS
from bot.delivery.kinds.cards import CARD_EVENT, STAGE_EVENT
from bot.delivery.lane_lease import POLL_SECONDS, Heartbeat
from bot.delivery.slack_errors import Outcome
from models.infra.clock import Clock
from models.infra.outbox import LEASE, release_lane, take_lane
from models.infra.tables import Deal, OutboxMessage
from models.people import channel_members
from models.pipeline.workspace import Workspace

log = logging.getLogger(__name__)

CLAIM_TTL = LEASE  # renewed while the lane is delivered; lapses this long after its process died
MAX_BACKOFF = timedelta(minutes=5)
MAX_ATTEMPTS = 200  # about a day of retries at the longest backoff; then the row is parked
RENDER_CURRENT = frozenset({"update_card", "set_topic"})  # rendered from the deal as it is now
LANES_AT_ONCE = 8  # lanes one process delivers at a time: a backlog must not crowd out the acks' turns
LANE_WINDOW = 100  # pending rows of a lane read at once
HALT_FOR = timedelta(minutes=5)  # a refused token: try again this often, not once per message

__all__ = ["CARD_EVENT", "CLAIM_TTL", "STAGE_EVENT", "Deliverer", "DeliveryContext", "Parked"]


class Deliverer:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], gateway: SlackGateway, ws: Workspace,
                 clock: Clock, *, private_channels: bool = True, worker_id: str | None = None) -> None:
        self.sessions = sessions
        self.gateway = gateway
        self.ws = ws
        self.clock = clock
        self.private_channels = private_channels
        self.worker_id = worker_id or uuid.uuid4().hex[:12]
        self.heartbeat_poll = POLL_SECONDS
        self._tasks: set[asyncio.Task[None]] = set()
        self._draining: set[str] = set()
        self._active: set[asyncio.Task[object]] = set()  # drains in progress (kicks and ticks)
        self._lane_slots = asyncio.Semaphore(LANES_AT_ONCE)
        self.services = Services(gateway, ws, clock, private_channels)  # what the renderers may use
        self.stopping = False
        self.halted_until: datetime | None = None  # the token was refused: deliver nothing before then
        self._slack_down = False  # a 5xx or dropped connection since the last delivery Slack took

    # --- scheduling -------------------------------------------------------------------------

    def kick(self, lanes: Iterable[str]) -> asyncio.Task[None]:
        """Deliver these lanes now, in the background (the request has been answered already)."""
        task = asyncio.create_task(self.drain(list(lanes)) if not self.stopping else asyncio.sleep(0))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self, lanes: list[str] | None = None) -> None:
        """Deliver every due row of these lanes (default: every lane with due rows)."""
        if self.stopping or self._halted():
            return
        task = asyncio.current_task()
        if task is not None:
            self._active.add(task)
        try:
            if lanes is None:
                lanes = await self._due_lanes()
            await asyncio.gather(*(self._drain_lane(lane) for lane in dict.fromkeys(lanes)))
        finally:
            if task is not None:
                self._active.discard(task)

    async def close(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def stop(self) -> None:
        """Take no new work; the rows being delivered finish and their lanes are released."""
        self.stopping = True
        await self.close()
        current = asyncio.current_task()
        others = [t for t in self._active if t is not current]
        if others:
            await asyncio.gather(*others, return_exceptions=True)

    def _halted(self) -> bool:
        return self.halted_until is not None and self.clock.now() < self.halted_until

    async def _due_lanes(self, limit: int = 200) -> list[str]:
        """Lanes whose first pending row is due, oldest first (a later row never overtakes the head of its lane)."""
        async with self.sessions() as session:
            rows = await session.scalars(_due_heads(self.clock.now()).order_by(OutboxMessage.id).limit(limit))
            return list(rows)

    # --- lanes ------------------------------------------------------------------------------

    async def _drain_lane(self, lane: str) -> None:
        if lane in self._draining:  # this process is on it already (a kick during a tick)
            return
        self._draining.add(lane)
        try:
            async with self._lane_slots:
                await self._drain_lane_turn(lane)
        finally:
            self._draining.discard(lane)

    async def _drain_lane_turn(self, lane: str) -> None:
        while not self.stopping and not self._halted() and await self._claim(lane):
            if not await self._drain_claimed(lane) or not await self._has_due(lane):
                return

    async def _drain_claimed(self, lane: str) -> bool:
        """False when the lane failed outside Slack (say, the database) or went to another process."""
        try:
            async with Heartbeat(self.sessions, self.clock, lane, self.worker_id, poll=self.heartbeat_poll) as lease:
                await self._deliver_lane(lane, lease)
            return not lease.lost
        except Exception:
            log.exception("outbox lane %s failed", lane)
            return False
        finally:
            await self._release(lane)

    async def _claim(self, lane: str) -> bool:
        async with self.sessions.begin() as session:
            return await take_lane(session, lane, self.worker_id, now=self.clock.now())

    async def _release(self, lane: str) -> None:
        async with self.sessions.begin() as session:
            await release_lane(session, lane, self.worker_id)

    async def _has_due(self, lane: str) -> bool:
        async with self.sessions() as session:
            return await session.scalar(_due_heads(self.clock.now()).where(OutboxMessage.lane == lane)) is not None

    async def _deliver_lane(self, lane: str, lease: Heartbeat) -> None:
        """Deliver the lane's due rows in order, a window read at a time; each row is marked in its own
        commit right after Slack took it. No write is held open across a Slack call: SQLite has one
        writer for the whole database."""
        while not self.stopping and not self._halted() and not lease.lost:
            async with self.sessions() as session:
                pending = (await session.scalars(
                    select(OutboxMessage).where(OutboxMessage.lane == lane, OutboxMessage.status == "pending")
                    .order_by(OutboxMessage.id).limit(LANE_WINDOW)
                )).all()
                await session.commit()
                if not pending:
                    return
                for index, head in enumerate(pending):
                    if self.stopping or self._halted() or lease.lost:
                        return
                    if head.status != "pending":
                        continue  # coalesced into an earlier row of this window
                    if head.not_before > self.clock.now():
                        return
                    deal = (await session.get(Deal, head.deal_id, populate_existing=True)
                            if head.deal_id is not None else None)
                    await session.commit()
                    go_on = await self._deliver_row(DeliveryContext(session, head, deal, self.services))
                    if deal is not None:
                        await _record_slack_ids(session, deal)
                    if go_on and head.status == "sent" and head.kind in RENDER_CURRENT:
                        for later in pending[index + 1:]:  # committed before the deal was read, so included
                            if later.kind == head.kind and later.status == "pending":
                                self._mark_sent(later)
                    await session.commit()
                    if not go_on:
                        return

    async def _deliver_row(self, ctx: DeliveryContext) -> bool:
        """Deliver one row; True to go on with the lane, False to stop it for now."""
        row = ctx.row
        if row.deal_id is not None:
            deal_ref.set(f"D-{row.deal_id}")
        try:
            await self._run_kind(ctx)
        except SlackFailure as failure:
            return self._failed(row, failure)
        except Parked as parked:
            self._park(row, str(parked))
            return True
        except Exception as exc:  # a bug of ours: retry later like an outage, park in the end
            log.exception("outbox %s #%s (%s) failed", row.lane, row.id, row.kind)
            internal = SlackFailure(error=f"internal: {type(exc).__name__}", transient=True)
            return self._retry_later(row, internal)
        row.attempts += 1
        self._mark_sent(row)
        if self._slack_down:
            self._slack_down = False
            await self._slack_is_back(ctx.session)
        return True

    async def _slack_is_back(self, session: AsyncSession) -> None:
        """Slack took a delivery after an outage: what waits only because of the outage goes now,
        not at the end of its backoff (up to MAX_BACKOFF); pacing keeps the rush under the tiers."""
        now = self.clock.now()
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.not_before > now,
                   or_(OutboxMessage.last_error.like("http_5%"), OutboxMessage.last_error.like("connection:%")))
            .values(not_before=now).execution_options(synchronize_session=False)
        )
        log.info("Slack answers again: outbox messages held back by the outage are due now")

    async def _run_kind(self, ctx: DeliveryContext) -> None:
        render = RENDERERS[ctx.row.kind]
        try:
            await render(ctx)
        except SlackFailure as failure:
            # Someone removed the bot from a public channel: it may join again by itself (a private
            # channel answers method_not_supported_for_channel_type, and the row is parked).
            target = ctx.row.payload.get("channel") or (ctx.deal.channel_id if ctx.deal else None)
            if failure.error != "not_in_channel" or not target:
                raise
            await self.gateway.join(target)
            await channel_members.forget(ctx.session, target)  # whatever happened while it was out went unheard
            await render(ctx)

    def _failed(self, row: OutboxMessage, failure: SlackFailure) -> bool:
        """What Slack's answer means for this row (bot/delivery/slack_errors.py); True to go on with the lane."""
        result = failure.outcome(row.kind)
        if failure.error == "paced":  # never sent: our own pacing under the tier limit; not an attempt
            row.not_before = self.clock.now() + timedelta(seconds=failure.retry_after or 1)
            return False
        if result is Outcome.SKIP:
            log.info("outbox %s #%s (%s) skipped: %s", row.lane, row.id, row.kind, failure)
            row.attempts += 1
            row.last_error = f"skipped: {failure}"
            self._mark_sent(row)
            return True
        if result is Outcome.HALT:
            if not self._halted():
                log.error("Slack refuses the bot token (%s): outbox deliveries paused for %s; fix SLACK_BOT_TOKEN",
                          failure, HALT_FOR)
            self.halted_until = self.clock.now() + HALT_FOR
            row.not_before = self.halted_until
            row.last_error = str(failure)[:500]
            return False
        if result is Outcome.PARK:
            row.attempts += 1
            self._park(row, f"slack: {failure}")
            return True
        return self._retry_later(row, failure)

    def _retry_later(self, row: OutboxMessage, failure: SlackFailure) -> bool:
        """Schedule the row again (the lane waits behind it), or park it when retrying is pointless."""
        if failure.error == "paced":  # our own pacing under Slack's limits: not a failure, not an attempt
            row.not_before = self.clock.now() + timedelta(seconds=failure.retry_after or 1)
            return False
        row.attempts += 1
        if not failure.transient or row.attempts >= MAX_ATTEMPTS:
            self._park(row, f"slack: {failure}")
            return True
        if failure.error.startswith(("http_5", "connection:")):
            self._slack_down = True
        delay = max(timedelta(seconds=failure.retry_after or 0), _backoff(row.attempts))
        row.not_before = self.clock.now() + delay
        row.last_error = str(failure)[:500]
        log.warning("outbox %s #%s (%s): %s, retry in %ss", row.lane, row.id, row.kind, failure,
                    int(delay.total_seconds()))
        return False

    def _mark_sent(self, row: OutboxMessage) -> None:
        row.status = "sent"
        row.sent_at = self.clock.now()

    def _park(self, row: OutboxMessage, reason: str) -> None:
        log.error("outbox %s #%s (%s) parked: %s", row.lane, row.id, row.kind, reason)
        row.status = "parked"
        row.last_error = reason[:500]


SLACK_IDS = ("channel_id", "channel_name", "card_ts")


async def _record_slack_ids(session: AsyncSession, deal: Deal) -> None:
    """Write what Slack gave us (channel, card) without touching the deal's version: it is no edit,
    and a rep's edit of the same deal at the same moment must not fail because of it (nor this)."""
    state = inspect(deal)
    changed = {name: getattr(deal, name) for name in SLACK_IDS if state.attrs[name].history.has_changes()}
    if not changed:
        return
    session.expire(deal, list(SLACK_IDS))  # drop the ORM's own (versioned) update of these
    await session.execute(update(Deal).where(Deal.id == deal.id).values(**changed)
                          .execution_options(synchronize_session=False))
    for name, value in changed.items():
        set_committed_value(deal, name, value)


def _due_heads(now: datetime) -> Select[Any]:
    """SELECT lane FROM outbox WHERE it is the lane's first pending row and it is due."""
    earlier = aliased(OutboxMessage)
    first_pending = (
        select(func.min(earlier.id))
        .where(earlier.lane == OutboxMessage.lane, earlier.status == "pending")
        .scalar_subquery()
    )
    return select(OutboxMessage.lane).where(
        OutboxMessage.status == "pending", OutboxMessage.not_before <= now, OutboxMessage.id == first_pending
    )


def _backoff(attempts: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(seconds=2 ** min(attempts, 10)))
