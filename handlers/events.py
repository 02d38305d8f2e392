"""Events: a newcomer in a deal channel is shown the deal's story (SPEC section 9); profile changes
keep users' time zones current."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp
from sqlalchemy.exc import IntegrityError

from bot.container import Deps
from handlers.home import publish_home
from models import effects
from models.outbox import deal_lane
from models.people import remember_tz
from models.queries import deal_for_channel
from models.tables import ProcessedEvent

log = logging.getLogger(__name__)

# The creator of a deal is invited with it: they need no welcome in the first minutes.
CREATOR_GRACE = timedelta(minutes=10)


def register(app: AsyncApp, deps: Deps) -> None:
    @app.event("member_joined_channel")
    async def member_joined(body: dict[str, Any], event: dict[str, Any]) -> None:
        async with deps.after_ack:  # Bolt has acked the event already
            await _welcome_newcomer(deps, body, event)

    @app.event("user_change")
    async def user_changed(event: dict[str, Any]) -> None:
        """A profile edit: keep the time zone of reminders and confirmations current."""
        profile = event.get("user") or {}
        if profile.get("id") and profile.get("tz"):
            async with deps.after_ack, deps.sessions.begin() as session:
                await remember_tz(session, profile["id"], profile["tz"], now=deps.clock.now())

    @app.event("app_home_opened")
    async def app_home_opened(event: dict[str, Any]) -> None:
        """The Home tab (not the Messages tab) was opened: draw it afresh."""
        if event.get("tab", "home") == "home" and event.get("user"):
            await publish_home(deps, event["user"])


async def _welcome_newcomer(deps: Deps, body: dict[str, Any], event: dict[str, Any]) -> None:
    user_id, channel_id = event.get("user"), event.get("channel")
    if not user_id or not channel_id or user_id == deps.gateway.known_bot_user_id:
        return
    now = deps.clock.now()
    lane = None
    try:
        async with deps.sessions.begin() as session:
            # Recording the event_id in the same transaction as its effect: a retry finds it and
            # does nothing, and a crash before commit leaves the retry free to do the work.
            if body.get("event_id"):
                session.add(ProcessedEvent(event_id=body["event_id"], received_at=now))
                await session.flush()
            deal = await deal_for_channel(session, channel_id)
            if deal is None:
                return
            if user_id == deal.created_by and now - deal.created_at < CREATOR_GRACE:
                return
            await effects.welcome(session, deal, user_id, now=now)
            lane = deal_lane(deal.id)
    except IntegrityError:
        log.info("event %s already handled", body.get("event_id"))
        return
    if lane:
        deps.deliverer.kick([lane])
