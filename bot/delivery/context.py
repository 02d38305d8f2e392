"""What a renderer of an outbox kind gets (bot/delivery/kinds/): the row, its deal, a session, and the few
services of the deliverer it may use (Slack, the workspace, the clock, people's time zones).

A renderer turns one row into Slack calls: it raises :class:`Parked` when the row can never be delivered,
lets :class:`~bot.delivery.gateway.SlackFailure` through for the deliverer to judge (retry, skip, park, halt),
and returns when Slack took it. It never reaches into the deliverer itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.gateway import SlackGateway
from models.deals.queries import brief_snapshot, snapshot
from models.deals.snapshots import DealSnapshot
from models.infra.clock import Clock
from models.infra.tables import Deal, OutboxMessage, User
from models.pipeline.workspace import Workspace
from models.values import zone

TZ_CACHED_FOR = timedelta(minutes=1)  # recipients' zones, read once per burst of DMs


class Parked(Exception):
    """This row can never be delivered; keep it for admins to see, move on."""


@dataclass
class Services:
    """The deliverer's means, shared by every row it delivers."""

    gateway: SlackGateway
    ws: Workspace
    clock: Clock
    private_channels: bool = True
    _zones: dict[str, tuple[str | None, datetime]] = field(default_factory=dict, init=False, repr=False)

    async def tz_of(self, session: AsyncSession, user_id: str) -> ZoneInfo:
        """The recipient's zone as last seen from Slack (kept fresh by the directory), else the default."""
        now = self.clock.now()
        cached = self._zones.get(user_id)
        if cached is not None and now - cached[1] < TZ_CACHED_FOR:
            name = cached[0]
        else:
            name = await session.scalar(select(User.tz).where(User.id == user_id))
            self._zones[user_id] = (name, now)
        return zone(name, self.ws.default_tz)


@dataclass
class DeliveryContext:
    session: AsyncSession
    row: OutboxMessage
    deal: Deal | None
    services: Services

    @property
    def payload(self) -> dict[str, Any]:
        return self.row.payload

    @property
    def gateway(self) -> SlackGateway:
        return self.services.gateway

    @property
    def ws(self) -> Workspace:
        return self.services.ws

    @property
    def locale(self) -> str:
        return self.services.ws.locale

    def now(self) -> datetime:
        return self.services.clock.now()

    def require_channel(self) -> tuple[Deal, str]:
        """The row's deal and its channel; parked when either is gone."""
        deal = self.deal
        if deal is None:
            raise Parked("the deal no longer exists")
        if deal.channel_id is None:
            raise Parked("the deal has no channel")
        return deal, deal.channel_id

    async def tz_of(self, user_id: str) -> ZoneInfo:
        return await self.services.tz_of(self.session, user_id)

    def brief(self, deal: Deal) -> DealSnapshot:
        return brief_snapshot(deal, self.ws.pipeline, locale=self.locale)

    async def snapshot(self, deal: Deal) -> DealSnapshot:
        return await snapshot(self.session, deal, self.ws.pipeline, now=self.now(), locale=self.locale)

    async def tried_before(self) -> bool:
        """Whether an earlier attempt at this row may have reached Slack; records this attempt first,
        so that a crash during the call leaves the mark for the next try."""
        if self.row.payload.get("tried"):
            return True
        self.row.payload = {**self.row.payload, "tried": True}
        await self.session.commit()
        return False


Renderer = Callable[[DeliveryContext], Awaitable[None]]
