"""Two processes on one database (two Deliverers, own engines, own Slack clients, different worker
ids): each outbox row is delivered once; a process that dies holding a lane gives it up within a minute."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest_asyncio
from slack_sdk.http_retry import FixedValueRetryIntervalCalculator
from sqlalchemy import select

from bot.gateway import SlackGateway, build_client
from bot.outbox import CLAIM_TTL, Deliverer
from models import deals
from models.db import create_engine, session_factory
from models.deals import FieldChanges
from models.people import load_actor
from models.tables import OutboxMessage
from tests.scenario.harness import REP, REP2, Bot

DEALS = 6


@pytest_asyncio.fixture
async def deliverers(bot: Bot) -> AsyncIterator[list[Deliverer]]:
    await bot.deps.deliverer.stop()  # the harness's own deliverer takes no part
    engines, made = [], []
    for worker in ("proc-a", "proc-b"):
        engine = create_engine(bot.settings.database_url)
        engines.append(engine)
        client = build_client(bot.settings.bot_token(), bot.settings.slack_api_url,
                              retry_interval=FixedValueRetryIntervalCalculator(0.01))
        gateway = SlackGateway(client, now=lambda: bot.clock.now().timestamp())
        made.append(Deliverer(session_factory(engine), gateway, bot.deps.ws, bot.clock, worker_id=worker))
    yield made
    for deliverer in made:
        await deliverer.stop()
    for engine in engines:
        await engine.dispose()


async def create_deals(bot: Bot, count: int) -> None:
    """Deals as `/deal new` makes them (rows for the outbox included), without waiting for Slack."""
    async with bot.deps.sessions.begin() as session:
        for n in range(1, count + 1):
            actor = await load_actor(session, REP if n % 2 else REP2, bot.deps.ws.admin_ids)
            await deals.create_deal(session, bot.deps.ws, actor, FieldChanges(title=f"Deal {n}", customer=f"Cust{n}"),
                                    owner_id=None, now=bot.clock.now())


async def all_rows(bot: Bot) -> list[OutboxMessage]:
    async with bot.deps.sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_two_processes_deliver_every_row_once(bot: Bot, deliverers: list[Deliverer]) -> None:
    await create_deals(bot, DEALS)
    for _ in range(4):
        await asyncio.gather(*(d.drain() for d in deliverers), *(d.drain() for d in deliverers))
        bot.clock.advance(timedelta(seconds=5))
    assert {row.status for row in await all_rows(bot)} == {"sent"}
    created = Counter(c.args["name"] for c in bot.slack.calls_to("conversations.create") if c.ok)
    assert sorted(created.values()) == [1] * DEALS, created
    posts = Counter(c.args["channel"] for c in bot.slack.calls_to("chat.postMessage") if c.ok)
    pins = Counter(c.args["channel"] for c in bot.slack.calls_to("pins.add") if c.ok)
    invites = Counter(c.args["channel"] for c in bot.slack.calls_to("conversations.invite") if c.ok)
    assert len(posts) == len(pins) == len(invites) == DEALS
    assert set(posts.values()) == set(pins.values()) == set(invites.values()) == {1}


async def test_a_process_dying_mid_claim_hands_the_lane_over_within_a_minute(
    bot: Bot, deliverers: list[Deliverer]
) -> None:
    dead, alive = deliverers
    await create_deals(bot, 1)
    assert await dead._claim("deal:1")  # then it is SIGKILLed: no release, no extension
    await alive.drain()
    assert not bot.slack.calls_to("conversations.create"), "the lane is still claimed"
    waited = timedelta(0)
    while not bot.slack.calls_to("conversations.create"):
        bot.clock.advance(timedelta(seconds=2))  # the outbox tick
        waited += timedelta(seconds=2)
        await alive.drain()
    assert CLAIM_TTL < waited <= CLAIM_TTL + timedelta(seconds=2) and waited < timedelta(seconds=60)
    assert {row.status for row in await all_rows(bot)} == {"sent"}
    assert bot.channel_of(1).pins
