"""Delivers outbox rows to Slack, lane by lane, in order, retrying what Slack could not take.

A lane (one deal's channel, the feed) is leased by one process at a time, renewed while it delivers
(bot/delivery/lane_lease.py); the lease expires, so another process takes over if this one dies. Rows are marked
sent only after Slack accepted them.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import func, inspect, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from bot.blocks import cards
from bot.blocks import reminders as reminder_blocks
from bot.blocks.text import message
from bot.blocks.words import mrkdwn_text
from bot.config.logs import deal_ref
from bot.delivery import approval_delivery
from bot.delivery.dm_delivery import deliver_report_chart
from bot.delivery.gateway import SlackFailure, SlackGateway
from bot.delivery.lane_lease import POLL_SECONDS, Heartbeat
from bot.delivery.slack_errors import Outcome
from models.deals.queries import brief_snapshot, history, snapshot, stage_info
from models.deals.slugs import channel_name
from models.deals.snapshots import DealSnapshot, StageChangeInfo
from models.followups.reminders import ReminderRef, is_current
from models.infra.clock import Clock
from models.infra.i18n import from_body
from models.infra.outbox import LEASE, release_lane, take_lane
from models.infra.tables import Deal, FollowUp, OutboxMessage, User
from models.people import channel_members
from models.pipeline.workspace import Workspace
from models.values import zone

log = logging.getLogger(__name__)

CLAIM_TTL = LEASE  # renewed while the lane is delivered; lapses this long after its process died
MAX_BACKOFF = timedelta(minutes=5)
MAX_ATTEMPTS = 200  # about a day of retries at the longest backoff; then the row is parked
RENDER_CURRENT = frozenset({"update_card", "set_topic"})  # rendered from the deal as it is now
MAX_NAME_ATTEMPTS = 50
WELCOME_ITEMS = 8
LANES_AT_ONCE = 8  # lanes one process delivers at a time: a backlog must not crowd out the acks' turns
LANE_WINDOW = 100  # pending rows of a lane read at once
HALT_FOR = timedelta(minutes=5)  # a refused token: try again this often, not once per message
CARD_EVENT = "dealroom_card"  # message metadata that lets a retry find a card Slack already took
STAGE_EVENT = "dealroom_stage"
TZ_CACHED_FOR = timedelta(minutes=1)  # recipients' zones, read once per burst of DMs


class Parked(Exception):
    """This row can never be delivered; keep it for admins to see, move on."""


@dataclass
class DeliveryContext:
    session: AsyncSession
    row: OutboxMessage
    deal: Deal | None


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
        self._tz_cache: dict[str, tuple[str | None, datetime]] = {}
        self.stopping = False
        self.halted_until: datetime | None = None  # the token was refused: deliver nothing before then
        self._slack_down = False  # a 5xx or dropped connection since the last delivery Slack took
        self._kinds: dict[str, Callable[[DeliveryContext], Awaitable[None]]] = {
            "create_channel": self._create_channel, "post_card": self._post_card, "pin_card": self._pin_card,
            "set_topic": self._set_topic, "update_card": self._update_card, "invite": self._invite,
            "stage_card": self._stage_card, "welcome": self._welcome, "admin_alert": self._admin_alert,
            "reminder": self._reminder, "reminder_state": self._reminder_state, "nudge": self._nudge,
            "dm": self._dm, "post_message": self._post_message, "archive_channel": self._archive_channel,
            "unarchive_channel": self._unarchive_channel, "won_card": self._won_card,
            "approval": lambda ctx: approval_delivery.deliver(self, ctx),
        }
        self._kinds["report_chart"] = partial(deliver_report_chart, self)

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
            self._active.discard(task)  # type: ignore[arg-type]

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
                    go_on = await self._deliver_row(DeliveryContext(session, head, deal))
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
            failure = SlackFailure(error=f"internal: {type(exc).__name__}", transient=True)
            return self._retry_later(row, failure)
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
        try:
            await self._kinds[ctx.row.kind](ctx)
        except SlackFailure as failure:
            # Someone removed the bot from a public channel: it may join again by itself (a private
            # channel answers method_not_supported_for_channel_type, and the row is parked).
            target = ctx.row.payload.get("channel") or (ctx.deal.channel_id if ctx.deal else None)
            if failure.error != "not_in_channel" or not target:
                raise
            await self.gateway.join(target)
            await channel_members.forget(ctx.session, target)  # whatever happened while it was out went unheard
            await self._kinds[ctx.row.kind](ctx)

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

    # --- kinds --------------------------------------------------------------------------------

    def _require_channel(self, ctx: DeliveryContext) -> tuple[Deal, str]:
        deal = ctx.deal
        if deal is None:
            raise Parked("the deal no longer exists")
        if deal.channel_id is None:
            raise Parked("the deal has no channel")
        return deal, deal.channel_id

    async def _create_channel(self, ctx: DeliveryContext) -> None:
        deal = ctx.deal
        if deal is None:
            raise Parked("the deal no longer exists")
        if deal.channel_id is not None:
            return
        attempt = int(ctx.row.payload.get("attempt", 1))
        while attempt <= MAX_NAME_ATTEMPTS:
            name = channel_name(deal.id, deal.customer, deal.title, attempt)
            try:
                deal.channel_id = await self.gateway.create_channel(name, private=self.private_channels)
                deal.channel_name = name
                await channel_members.opened(ctx.session, deal.channel_id, await self.gateway.bot_user_id(),
                                             now=self.clock.now())
                return
            except SlackFailure as failure:
                if failure.error != "name_taken":
                    raise
            if await self._adopt(ctx.session, deal, name):
                return
            attempt += 1
            ctx.row.payload = {**ctx.row.payload, "attempt": attempt}
        raise Parked("no free channel name")

    async def _adopt(self, session: AsyncSession, deal: Deal, name: str) -> bool:
        """A channel with our name that this bot created and no deal holds is ours from an attempt
        that Slack accepted but we could not record (a crash or a lost response)."""
        channel = await self.gateway.find_channel(name)
        if not channel or channel.get("is_archived") or channel.get("creator") != await self.gateway.bot_user_id():
            return False
        if await session.scalar(select(Deal.id).where(Deal.channel_id == channel["id"])) is not None:
            return False
        deal.channel_id, deal.channel_name = channel["id"], name
        return True

    async def _post_card(self, ctx: DeliveryContext) -> None:
        deal, channel = self._require_channel(ctx)
        if deal.card_ts is not None:
            return
        mark = {"deal_id": deal.id}
        if await self._tried_before(ctx) and (found := await self.gateway.find_own_message(channel, CARD_EVENT, mark)):
            deal.card_ts = found  # Slack took it before a crash or a lost answer
            return
        message = cards.deal_card(await self._snapshot(ctx.session, deal), tz=self.ws.default_tz, locale=self.ws.locale)
        deal.card_ts = await self.gateway.post(channel, message.text, message.blocks,
                                               metadata={"event_type": CARD_EVENT, "event_payload": mark})

    async def _tried_before(self, ctx: DeliveryContext) -> bool:
        """Whether an earlier attempt at this row may have reached Slack; records this attempt first,
        so that a crash during the call leaves the mark for the next try."""
        if ctx.row.payload.get("tried"):
            return True
        ctx.row.payload = {**ctx.row.payload, "tried": True}
        await ctx.session.commit()
        return False

    async def _pin_card(self, ctx: DeliveryContext) -> None:
        deal, channel = self._require_channel(ctx)
        if deal.card_ts is None:
            raise Parked("the card was never posted")
        await self.gateway.pin(channel, deal.card_ts)  # already_pinned: skipped (bot/delivery/slack_errors.py)

    async def _update_card(self, ctx: DeliveryContext) -> None:
        deal, channel = self._require_channel(ctx)
        if deal.card_ts is None:
            return  # the pending post_card renders the current state
        message = cards.deal_card(await self._snapshot(ctx.session, deal), tz=self.ws.default_tz, locale=self.ws.locale)
        await self.gateway.update(channel, deal.card_ts, message.text, message.blocks)

    async def _set_topic(self, ctx: DeliveryContext) -> None:
        deal, channel = self._require_channel(ctx)
        topic = cards.channel_topic(await self._snapshot(ctx.session, deal), self.ws.locale)
        await self.gateway.set_topic(channel, topic)

    async def _invite(self, ctx: DeliveryContext) -> None:
        _, channel = self._require_channel(ctx)
        bot = await self.gateway.bot_user_id()
        users = [u for u in ctx.row.payload.get("users", []) if u != bot]
        if not users:
            return
        try:
            await self.gateway.invite(channel, users)  # a user Slack will not invite: skipped, see SKIP_ERRORS
        except SlackFailure:
            # Slack names only the first refusal, and may have invited the others: who is in the
            # channel now is for Slack to say, the next time it matters.
            await channel_members.in_doubt(ctx.session, channel)
            raise
        await channel_members.invited(ctx.session, channel, users, now=self.clock.now())

    async def _stage_card(self, ctx: DeliveryContext) -> None:
        deal, own_channel = self._require_channel(ctx)
        payload = ctx.row.payload
        pipeline = self.ws.pipeline
        deal_now = await self._snapshot(ctx.session, deal)
        from_key = payload.get("from")
        change = StageChangeInfo(
            deal=_with_amount(deal_now, payload.get("amount")),
            from_stage=stage_info(pipeline.stage(from_key), self.ws.locale) if from_key in pipeline else None,
            to_stage=stage_info(pipeline.stage(payload["to"]), self.ws.locale),
            actor_id=payload["actor"], at=datetime.fromisoformat(payload["at"]), backward=bool(payload.get("backward")),
        )
        feed = payload.get("channel")
        target = feed or own_channel
        mark = {"deal_id": deal.id, "outbox_id": ctx.row.id}
        if await self._tried_before(ctx) and await self.gateway.find_own_message(target, STAGE_EVENT, mark):
            return
        message = cards.stage_change_card(change, tz=self.ws.default_tz, locale=self.ws.locale, for_feed=bool(feed))
        await self.gateway.post(target, message.text, message.blocks,
                                metadata={"event_type": STAGE_EVENT, "event_payload": mark})

    async def _welcome(self, ctx: DeliveryContext) -> None:
        deal, channel = self._require_channel(ctx)
        if ctx.row.payload["user"] == await self.gateway.bot_user_id():
            return
        items, has_more = await history(ctx.session, deal.id, page=1)
        message = cards.welcome_card(await self._snapshot(ctx.session, deal), items[:WELCOME_ITEMS],
                                     tz=self.ws.default_tz, locale=self.ws.locale,
                                     has_more=has_more or len(items) > WELCOME_ITEMS)
        await self.gateway.post_ephemeral(channel, ctx.row.payload["user"], message.text, message.blocks)

    async def _admin_alert(self, ctx: DeliveryContext) -> None:
        """A DM to one admin about messages the outbox had to park (models/infra/parked.py)."""
        await self.gateway.post(ctx.row.payload["user"], ctx.row.payload["text"])

    async def _reminder(self, ctx: DeliveryContext) -> None:
        payload = ctx.row.payload
        followup = await ctx.session.get(FollowUp, payload["followup"])
        ref = ReminderRef(payload["followup"], payload["which"], datetime.fromisoformat(payload["at"]))
        if ctx.deal is None or followup is None or not is_current(followup, ref):
            return  # done, snoozed or rescheduled since the reminder was taken: it has nothing to say
        message = reminder_blocks.reminder(
            self._brief(ctx.deal), followup_id=followup.id, text=followup.text,
            which=ref.which, at=ref.at, due_at=followup.due_at, late=bool(payload.get("late")),
            tz=await self._tz_of(ctx.session, payload["user"]), locale=self.ws.locale,
        )
        await self.gateway.post(payload["user"], message.text, message.blocks)

    async def _reminder_state(self, ctx: DeliveryContext) -> None:
        """The reminder DM, updated in place once done or snoozed."""
        payload = ctx.row.payload
        followup = await ctx.session.get(FollowUp, payload["followup"])
        if ctx.deal is None or followup is None:
            return
        deal, tz = self._brief(ctx.deal), await self._tz_of(ctx.session, payload["user"])
        if payload["state"] == "done":
            message = reminder_blocks.reminder_done(deal, text=followup.text, by=payload["user"],
                                                    at=datetime.fromisoformat(payload["at"]), tz=tz,
                                                    locale=self.ws.locale)
        else:
            message = reminder_blocks.reminder_snoozed(deal, text=followup.text,
                                                       until=datetime.fromisoformat(payload["until"]),
                                                       moved_due=bool(payload.get("moved_due")), tz=tz,
                                                       locale=self.ws.locale)
        try:
            await self.gateway.update(payload["channel"], payload["ts"], message.text, message.blocks)
        except SlackFailure as failure:
            if failure.error not in ("message_not_found", "cant_update_message", "channel_not_found"):
                raise
            log.info("reminder DM %s/%s not updated: %s", payload["channel"], payload["ts"], failure.error)

    async def _nudge(self, ctx: DeliveryContext) -> None:
        payload, deal = ctx.row.payload, ctx.deal
        if deal is None or deal.closed_at is not None:
            return
        if payload["what"] in ("sla_warning", "sla_missed") and deal.sla_met_at is not None:
            return  # the lead was contacted between the sweep and now
        stage = self.ws.pipeline.stage(deal.stage_key) if deal.stage_key in self.ws.pipeline else None
        message = reminder_blocks.nudge(
            payload["what"], self._brief(deal), sla_due_at=deal.sla_due_at,
            stale_days=stage.stale_after_days if stage else None,
            tz=await self._tz_of(ctx.session, payload["user"]), locale=self.ws.locale,
        )
        await self.gateway.post(payload["user"], message.text, message.blocks)

    async def _tz_of(self, session: AsyncSession, user_id: str) -> ZoneInfo:
        """The recipient's zone as last seen from Slack (kept fresh by the directory), else the default."""
        now = self.clock.now()
        cached = self._tz_cache.get(user_id)
        if cached is not None and now - cached[1] < TZ_CACHED_FOR:
            name = cached[0]
        else:
            name = await session.scalar(select(User.tz).where(User.id == user_id))
            self._tz_cache[user_id] = (name, now)
        return zone(name, self.ws.default_tz)

    def _brief(self, deal: Deal) -> DealSnapshot:
        return brief_snapshot(deal, self.ws.pipeline, locale=self.ws.locale)
    async def _dm(self, ctx: DeliveryContext) -> None:
        """A direct message: payload {"user", "body"} (a sentence of the domain, rendered now in the language
        it was written in), or {"user", "text", "blocks"} rendered when it was queued."""
        payload = ctx.row.payload
        if payload.get("body"):
            body, locale = from_body(payload["body"])
            said = message(mrkdwn_text(body, locale), [])
            await self.gateway.post(payload["user"], said.text, said.blocks)
            return
        await self.gateway.post(payload["user"], payload.get("text") or "", payload.get("blocks") or [])

    async def _post_message(self, ctx: DeliveryContext) -> None:
        """A message in the deal's channel: payload {"text", "blocks"} rendered when it was queued."""
        _, channel = self._require_channel(ctx)
        await self.gateway.post(channel, ctx.row.payload.get("text") or "", ctx.row.payload.get("blocks") or [])

    async def _archive_channel(self, ctx: DeliveryContext) -> None:
        _, channel = self._require_channel(ctx)
        try:
            await self.gateway.archive(channel)
        except SlackFailure as failure:
            if failure.error != "already_archived":
                raise

    async def _unarchive_channel(self, ctx: DeliveryContext) -> None:
        _, channel = self._require_channel(ctx)
        try:
            await self.gateway.unarchive(channel)
        except SlackFailure as failure:
            if failure.error != "not_archived":
                raise
        if not self.private_channels:  # a public channel the bot may have left can be joined again
            await self.gateway.join(channel)

    async def _won_card(self, ctx: DeliveryContext) -> None:
        deal, channel = self._require_channel(ctx)
        payload = ctx.row.payload
        message = cards.won_card(
            await self._snapshot(ctx.session, deal), actor_id=payload["actor"],
            amount=Decimal(payload["amount"]) if payload.get("amount") is not None else None,
            handoff_at=datetime.fromisoformat(payload["handoff_at"]),
            checkin_at=datetime.fromisoformat(payload["checkin_at"]), cs_ids=payload.get("cs") or [],
            tz=zone(payload.get("tz"), self.ws.default_tz), locale=self.ws.locale,
        )
        await self.gateway.post(channel, message.text, message.blocks)

    async def _snapshot(self, session: AsyncSession, deal: Deal) -> DealSnapshot:
        return await snapshot(session, deal, self.ws.pipeline, now=self.clock.now(), locale=self.ws.locale)




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


def _with_amount(deal: DealSnapshot, amount: str | None) -> DealSnapshot:
    """The deal as it is now, with the amount it had at the moment of the change."""
    return replace(deal, amount=Decimal(amount) if amount is not None else None)


def _due_heads(now: datetime):  # type: ignore[no-untyped-def]
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
