"""Everything a request needs, built once at start and handed to the app (no globals)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from slack_sdk.http_retry import RetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config.settings import Settings
from bot.delivery.directory import Directory
from bot.delivery.gateway import SlackGateway, build_client
from bot.delivery.outbox import Deliverer
from models.infra.calendar import BusinessCalendar
from models.infra.clock import Clock
from models.infra.db import create_engine, session_factory
from models.pipeline import load_pipeline
from models.pipeline.workspace import Workspace

AFTER_ACK_CONCURRENCY = 2


@dataclass
class Deps:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    ws: Workspace
    client: AsyncWebClient
    gateway: SlackGateway
    deliverer: Deliverer
    directory: Directory
    # Database work after Slack got its ack shares the event loop with the next acks: a few at a
    # time, the rest wait without costing the loop anything (bench/ack.py measures the difference).
    after_ack: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(AFTER_ACK_CONCURRENCY))
    _user_turns: dict[str, asyncio.Lock] = field(default_factory=dict)

    def turn_of(self, user_id: str) -> asyncio.Lock:
        """One person's requests in the order they came: Slack gets every ack at once, so `score`
        then `next` typed quickly must not overtake each other."""
        return self._user_turns.setdefault(user_id, asyncio.Lock())

    async def aclose(self) -> None:
        await self.deliverer.close()
        await self.gateway.close()
        await self.engine.dispose()


def build_deps(settings: Settings, *, clock: Clock, retry_interval: RetryIntervalCalculator | None = None) -> Deps:
    """`clock`: the process's one clock (`dealroom`'s main makes it). `retry_interval`: how long slack_sdk
    waits before retrying a 5xx or dropped connection (its own backoff by default; tests against the
    local emulator make it short)."""
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    ws = Workspace(
        pipeline=load_pipeline(settings.dealroom_pipeline), locale=settings.dealroom_locale,
        default_tz=settings.default_tz, feed_channel=settings.dealroom_feed_channel, admin_ids=settings.admin_ids,
        calendar=BusinessCalendar(settings.dealroom_holidays),
    )
    client = build_client(settings.bot_token(), settings.slack_api_url, retry_interval=retry_interval)
    gateway = SlackGateway(client, now=lambda: clock.now().timestamp())
    deliverer = Deliverer(sessions, gateway, ws, clock, private_channels=settings.dealroom_private_channels)
    directory = Directory(sessions, gateway, clock, settings.default_tz)
    return Deps(settings=settings, engine=engine, sessions=sessions, clock=clock, ws=ws, client=client,
                gateway=gateway, deliverer=deliverer, directory=directory)
