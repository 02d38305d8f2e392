"""Two processes on one database (two Deliverers, own engines, own Slack clients, different worker
ids): each outbox row is delivered once; a process that dies holding a lane gives it up within a minute;
one whose Slack call outlives the lease keeps the lane (the lease is renewed while it delivers)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Coroutine
from datetime import datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from slack_sdk.http_retry import FixedValueRetryIntervalCalculator
from sqlalchemy import select, update

from bot.delivery.gateway import SlackGateway, build_client
from bot.delivery.outbox import CLAIM_TTL, Deliverer
from models.deals import service as deals
from models.deals.service import FieldChanges
from models.infra.db import create_engine, session_factory
from models.infra.dms import enqueue_rendered_dm
from models.infra.tables import OutboxLane, OutboxMessage
from models.people.users import load_actor
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
        deliverer = Deliverer(session_factory(engine), gateway, bot.deps.ws, bot.clock, worker_id=worker)
        deliverer.heartbeat_poll = 0.005  # real seconds between looks at the (fake) clock
        made.append(deliverer)
    yield made
    for deliverer in made:
        await deliverer.stop()
        await deliverer.gateway.close()
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


@contextlib.asynccontextmanager
async def answered_late(bot: Bot, method: str, delivering: Coroutine[Any, Any, None]) -> AsyncIterator[None]:
    """Runs `delivering`; the next `method` call is carried out by Slack at once but answered only when
    the block ends (also when it fails, so that the delivery ends)."""
    held = bot.slack.hold(method)
    task = asyncio.create_task(delivering)
    try:
        await asyncio.wait_for(held.reached.wait(), 5)
        yield
    finally:
        held.release()
        await task


async def lease_until(bot: Bot, lane: str) -> datetime | None:
    async with bot.deps.sessions() as session:
        return await session.scalar(select(OutboxLane.claimed_until).where(OutboxLane.key == lane))


async def outlive_the_lease(bot: Bot, other: Deliverer, lane: str) -> None:
    """Twice the lease passes on the clock, in outbox ticks, while the other process tries the lanes.
    Each tick gives the heartbeat (which looks at the clock every few milliseconds here) up to 2 s of
    real time to renew a lease about to lapse: a busy machine must not make the test pass or fail."""
    step = timedelta(seconds=5)
    for _ in range(int(2 * CLAIM_TTL / step) + 1):
        bot.clock.advance(step)
        for _ in range(200):
            until = await lease_until(bot, lane)
            if until is None or until > bot.clock.now() + step:
                break
            await asyncio.sleep(0.01)
        await other.drain()


async def test_a_dm_whose_answer_comes_after_the_lease_is_sent_once(bot: Bot, deliverers: list[Deliverer]) -> None:
    slow, other = deliverers
    async with bot.deps.sessions.begin() as session:
        lane = await enqueue_rendered_dm(session, REP, text="first", blocks=[], now=bot.clock.now())
        await enqueue_rendered_dm(session, REP, text="second", blocks=[], now=bot.clock.now())
    async with answered_late(bot, "chat.postMessage", slow.drain([lane])):  # Slack posts the first at once
        await outlive_the_lease(bot, other, lane)
    for deliverer in deliverers:
        await deliverer.drain()
    assert bot.dm_texts(REP) == ["first", "second"], bot.slack.describe()
    assert {row.status for row in await all_rows(bot)} == {"sent"}


async def test_a_card_retry_whose_history_look_up_outlives_the_lease_posts_one_card(
    bot: Bot, deliverers: list[Deliverer]
) -> None:
    slow, other = deliverers
    await create_deals(bot, 1)
    bot.slack.fail("chat.postMessage", status=503)  # the card's first try: Slack may or may not have it
    await slow.drain()
    assert not bot.slack.messages.get(bot.channel_of(1).id)
    bot.clock.advance(timedelta(seconds=3))  # its backoff
    async with answered_late(bot, "conversations.history", slow.drain()):  # the retry looks for the first try
        await outlive_the_lease(bot, other, "deal:1")
    for deliverer in deliverers:
        await deliverer.drain()
    channel = bot.channel_of(1)
    assert len(bot.bot_messages(channel.id)) == 1, bot.slack.describe()
    assert len(channel.pins) == 1
    assert {row.status for row in await all_rows(bot)} == {"sent"}


async def test_a_process_that_finds_its_lease_taken_leaves_the_rest_of_the_lane(
    bot: Bot, deliverers: list[Deliverer], caplog: pytest.LogCaptureFixture
) -> None:
    slow, other = deliverers
    async with bot.deps.sessions.begin() as session:
        lane = await enqueue_rendered_dm(session, REP, text="first", blocks=[], now=bot.clock.now())
        await enqueue_rendered_dm(session, REP, text="second", blocks=[], now=bot.clock.now())
    async with answered_late(bot, "chat.postMessage", slow.drain([lane])):
        async with bot.deps.sessions.begin() as session:  # its lease lapsed unseen (the database was away)
            await session.execute(update(OutboxLane).where(OutboxLane.key == lane)  # and another process took it
                                  .values(claimed_by="proc-b", claimed_until=bot.clock.now() + CLAIM_TTL))
        bot.clock.advance(CLAIM_TTL / 2)
        with caplog.at_level(logging.WARNING, logger="bot.delivery.lane_lease"):
            await bot.slack.wait_for(lambda: "lease lost to another process" in caplog.text)  # renews nothing
    assert bot.dm_texts(REP) == ["first"], "the rest of the lane is the other process's now"
    async with bot.deps.sessions() as session:
        assert (await session.get(OutboxLane, lane)).claimed_by == "proc-b"
    bot.clock.advance(CLAIM_TTL)
    await other.drain()
    assert bot.dm_texts(REP) == ["first", "second"]
