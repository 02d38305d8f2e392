"""Events: who joins or leaves a deal channel is recorded (members may read the deal, SPEC 10) and a
newcomer is shown the deal's story (SPEC 9); profile changes keep users' time zones current.

Bolt runs the first matching listener of an event only, so each event has one listener doing all its work,
through the runner (Bolt has acked already: nobody is waiting, a failure is logged); the event_id is recorded
in the same transaction as that work, so a retried event has no second effect."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp
from sqlalchemy.exc import IntegrityError

from bot.delivery.gateway import SlackFailure
from bot.runtime.deps import Deps
from bot.runtime.runner import Unit, run_job
from handlers.home import publish_home
from models.deals.queries import deal_for_channel
from models.infra import effects
from models.infra.tables import ProcessedEvent
from models.people import channel_members
from models.people.users import remember_tz

log = logging.getLogger(__name__)

# The creator of a deal is invited with it: they need no welcome in the first minutes.
CREATOR_GRACE = timedelta(minutes=10)


def register(app: AsyncApp, deps: Deps) -> None:
    @app.event("member_joined_channel")
    async def member_joined(body: dict[str, Any], event: dict[str, Any]) -> None:
        await run_job(deps, lambda unit: _member_joined(deps, unit, body, event), what="member_joined_channel",
                      after_ack=True)

    @app.event("member_left_channel")
    async def member_left(body: dict[str, Any], event: dict[str, Any]) -> None:
        await run_job(deps, lambda unit: _member_left(deps, unit, body, event), what="member_left_channel",
                      after_ack=True)

    @app.event("user_change")
    async def user_changed(event: dict[str, Any]) -> None:
        """A profile edit: keep the time zone of reminders and confirmations current."""
        profile = event.get("user") or {}
        if profile.get("id") and profile.get("tz"):
            await run_job(deps, lambda unit: _remember_tz(deps, unit, profile["id"], profile["tz"]),
                          what="user_change", after_ack=True)

    @app.event("app_home_opened")
    async def app_home_opened(event: dict[str, Any]) -> None:
        """The Home tab (not the Messages tab) was opened: draw it afresh."""
        if event.get("tab", "home") == "home" and event.get("user"):
            await run_job(deps, lambda unit: publish_home(deps, unit, event["user"]), what="app_home_opened",
                          after_ack=True)


async def _remember_tz(deps: Deps, unit: Unit, user_id: str, tz: str) -> None:
    async with unit.transaction() as session:
        await remember_tz(session, user_id, tz, now=deps.clock.now())


async def _member_joined(deps: Deps, unit: Unit, body: dict[str, Any], event: dict[str, Any]) -> None:
    """Someone joined a deal channel: recorded as a member, and welcomed unless they made the deal just now."""
    user_id, channel_id = event.get("user"), event.get("channel")
    if not user_id or not channel_id or user_id == deps.gateway.known_bot_user_id:
        return
    now = deps.clock.now()
    try:
        async with unit.transaction() as session:
            # Recording the event_id in the same transaction as its effect: a retry finds it and
            # does nothing, and a crash before commit leaves the retry free to do the work.
            if body.get("event_id"):
                session.add(ProcessedEvent(event_id=body["event_id"], received_at=now))
                await session.flush()
            deal = await deal_for_channel(session, channel_id)
            if deal is None:
                return
            await channel_members.event(session, channel_id, user_id, present=True,
                                        event_at=sent_at(body, event, now), now=now)
            if user_id == deal.created_by and now - deal.created_at < CREATOR_GRACE:
                return
            await effects.welcome(session, deal, user_id, now=now)
    except IntegrityError:
        log.info("event %s already handled", body.get("event_id"))


async def _member_left(deps: Deps, unit: Unit, body: dict[str, Any], event: dict[str, Any]) -> None:
    """Whoever leaves a deal channel no longer reads the deal from elsewhere; when the bot itself leaves,
    it hears no more of the channel, so nothing recorded about it holds (Slack is asked next time)."""
    user_id, channel_id = event.get("user"), event.get("channel")
    if not user_id or not channel_id:
        return
    try:
        bot_user_id: str | None = await deps.gateway.bot_user_id()
    except SlackFailure:
        bot_user_id = deps.gateway.known_bot_user_id
    now = deps.clock.now()
    try:
        async with unit.transaction() as session:
            if body.get("event_id"):
                session.add(ProcessedEvent(event_id=body["event_id"], received_at=now))
                await session.flush()
            if user_id == bot_user_id:
                await channel_members.forget(session, channel_id)
            elif await deal_for_channel(session, channel_id) is not None:  # only deal channels are kept
                await channel_members.event(session, channel_id, user_id, present=False,
                                            event_at=sent_at(body, event, now), now=now)
    except IntegrityError:
        log.info("event %s already handled", body.get("event_id"))


def sent_at(body: dict[str, Any], event: dict[str, Any], now: datetime) -> datetime:
    """When Slack says the event happened (`event_ts`, else the envelope's `event_time`): events come late
    and out of order, and only a later one may undo an earlier one."""
    for value in (event.get("event_ts"), body.get("event_time")):
        try:
            return datetime.fromtimestamp(float(value), UTC)  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError, OSError):
            continue
    return now
