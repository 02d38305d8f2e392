"""What Slack knows about people: users' time zones (`users.info`, cached in the database for a day) and
who is in a deal's channel (`conversations.members`, when the records are in doubt)."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.gateway import SlackFailure, SlackGateway
from models.infra.clock import Clock
from models.infra.limits import USER_NAME
from models.infra.tables import User
from models.people import channel_members
from models.people.users import ensure_user
from models.values import zone

log = logging.getLogger(__name__)

TZ_FRESH_FOR = timedelta(hours=24)


class Directory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], gateway: SlackGateway, clock: Clock,
                 default_tz: ZoneInfo) -> None:
        self.sessions = sessions
        self.gateway = gateway
        self.clock = clock
        self.default_tz = default_tz

    async def known_tz_of(self, user_id: str) -> ZoneInfo:
        """The time zone we have on file, without asking Slack: for work that must answer at once."""
        async with self.sessions() as session:
            user = await session.get(User, user_id)
        return zone(user.tz if user else None, self.default_tz)

    async def tz_of(self, user_id: str) -> ZoneInfo:
        """The user's Slack time zone; refreshed daily; the default when Slack has none or is down."""
        now = self.clock.now()
        async with self.sessions() as session:
            user = await session.get(User, user_id)
            cached = user.tz if user else None
            fresh = user is not None and user.tz_checked_at is not None and now - user.tz_checked_at < TZ_FRESH_FOR
        if fresh:
            return zone(cached, self.default_tz)
        try:
            info = await self.gateway.user_info(user_id)
        except SlackFailure as failure:
            log.info("users.info %s failed (%s); using the cached or default time zone", user_id, failure)
            return zone(cached, self.default_tz)
        async with self.sessions.begin() as session:
            record = await ensure_user(session, user_id, now=now)
            record.tz = info.get("tz") or None
            record.name = (info.get("real_name") or info.get("name") or record.name or "")[:USER_NAME] or None
            record.tz_checked_at = now
        return zone(info.get("tz"), self.default_tz)

    async def channel_members(self, channel_id: str) -> frozenset[str] | None:
        """Slack's list of the channel's members, recorded as the channel's roster; None when Slack cannot
        say (down, or the bot is not in the channel). No transaction is open during the call."""
        try:
            members = frozenset(await self.gateway.channel_members(channel_id))
        except SlackFailure as failure:
            log.info("conversations.members %s failed (%s); using the recorded members", channel_id, failure)
            return None
        async with self.sessions.begin() as session:
            await channel_members.replace(session, channel_id, members, now=self.clock.now())
        return members
