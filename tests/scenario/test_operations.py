"""Operations: structured, secret-free logs; a graceful stop that finishes what it started."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.config.logs import StructuredFormatter
from models.infra.tables import OutboxLane, OutboxMessage
from tests.scenario.harness import BOT_TOKEN, REP, SIGNING_SECRET, Bot


@pytest.fixture(autouse=True)
def short_channel_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """`/deal new` waits 2 s for a channel Slack is not creating here; the replies are not under test."""
    monkeypatch.setattr("handlers.commands.deals.CHANNEL_WAIT_SECONDS", 0.2)


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(StructuredFormatter(secrets=[SIGNING_SECRET]))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


async def test_logs_are_one_line_per_event_with_request_and_deal_and_no_secret(
    bot: Bot, log_lines: io.StringIO
) -> None:
    bot.slack.fail("conversations.create", status=503, times=2)
    bot.slack.fail("pins.add", error="message_not_found")
    await bot.command(REP, "new Pilot customer:Acme")
    await bot.advance(timedelta(minutes=1))
    logging.getLogger("bot.test").warning("a careless message with %s and %s", BOT_TOKEN, SIGNING_SECRET)
    try:
        raise RuntimeError(f"failure carrying {BOT_TOKEN}\nover two lines")
    except RuntimeError:
        logging.getLogger("bot.test").exception("an exception")
    text = log_lines.getvalue()
    assert BOT_TOKEN not in text and SIGNING_SECRET not in text and "xoxb-" not in text
    lines = text.splitlines()
    assert len(lines) > 10
    assert all(" req=" in line and " deal=" in line and " level=" in line for line in lines)
    parked = [line for line in lines if "parked" in line and "bot.delivery.outbox" in line]
    assert parked and "deal=D-1" in parked[0]
    retried = [line for line in lines if "create_channel): http_503" in line]
    assert retried and " req=-" not in retried[0], "the work a request started carries its id"
    assert sum("an exception" in line for line in lines) == 1


async def test_a_graceful_stop_finishes_the_delivery_in_flight_and_releases_the_lane(bot: Bot) -> None:
    held = bot.slack.hold("chat.postMessage")
    await bot.command(REP, "new Pilot customer:Acme", settle=False)
    await asyncio.wait_for(held.reached.wait(), timeout=10)
    stopping = asyncio.create_task(bot.deps.deliverer.stop())  # SIGTERM arrives mid-call
    await asyncio.sleep(0.1)
    assert not stopping.done(), "stop waits for the delivery in flight"
    held.release()
    await asyncio.wait_for(stopping, timeout=10)
    async with bot.deps.sessions() as session:
        rows = {row.kind: row.status for row in await session.scalars(select(OutboxMessage))}
        lanes = list(await session.scalars(select(OutboxLane)))
    assert rows["post_card"] == "sent" and rows["pin_card"] == "pending", "no new work after the stop"
    assert all(lane.claimed_by is None for lane in lanes), "claims released for the next process"
    await bot.deps.deliverer.drain()
    assert not bot.slack.calls_to("pins.add")
