"""Slack down for 10 minutes while reps keep working: nothing lost, nothing twice, in order per deal."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.delivery.outbox import CARD_EVENT, STAGE_EVENT
from tests.scenario.harness import REP, REP2, Bot

DEALS = 3


@pytest.fixture(autouse=True)
def short_channel_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """`/deal new` waits 2 s for a channel Slack is not creating here; the replies are not under test."""
    monkeypatch.setattr("handlers.commands.deals.CHANNEL_WAIT_SECONDS", 0.2)


def ok_calls_in(bot: Bot, channel_id: str) -> list[tuple[str, dict]]:
    return [(c.method, c.args) for c in bot.slack.calls if c.ok and c.args.get("channel") == channel_id]


def bot_posts(bot: Bot, channel_id: str, event_type: str) -> list:
    return [m for m in bot.bot_messages(channel_id) if (m.metadata or {}).get("event_type") == event_type]


async def test_a_ten_minute_outage_loses_nothing_and_delivers_everything_once_in_order(bot: Bot) -> None:
    bot.slack.outage(True)  # 5 minutes of 503s ...
    moves = {n: 0 for n in range(1, DEALS + 1)}
    for minute in range(10):
        if minute == 5:  # ... then 5 minutes of dropped connections
            bot.slack.outage(False)
            bot.slack.fail(None, connection_error=True, times=100_000)
        if minute < DEALS:
            n = minute + 1
            reply = await bot.command(REP if n % 2 else REP2, f"new Pilot {n} customer:Cust{n} amount:{n}0k")
            assert f"D-{n}" in reply.text and "saved" in reply.text, reply.text
            await bot.command(REP if n % 2 else REP2, f"score D-{n} budget:200k authority:yes need:yes timing:10")
        for n in range(1, min(minute, DEALS) + 1):
            owner = REP if n % 2 else REP2
            if minute % 3 == 0 and moves[n] < 2:
                reply = await bot.command(owner, f"next D-{n}")
                assert f"D-{n}" in reply.all_text, reply.all_text
                moves[n] += 1
            if minute % 2 == 0:
                noted = await bot.command(owner, f"note D-{n} call in minute {minute}")
                assert "Noted" in noted.text, noted.text
        await bot.advance(timedelta(minutes=1))
    assert not [c for c in bot.slack.channels.values() if c.name.startswith("deal-")]

    bot.slack.heal()
    for _ in range(12):
        await bot.advance(timedelta(minutes=1))

    for n in range(1, DEALS + 1):
        channel = bot.channel_of(n)
        creates = [c for c in bot.slack.calls_to("conversations.create") if c.ok and c.args["name"] == channel.name]
        assert len(creates) == 1, f"D-{n}: {len(creates)} channels"
        cards = bot_posts(bot, channel.id, CARD_EVENT)
        assert len(cards) == 1 and channel.pins == [cards[0].ts], f"D-{n}: cards {len(cards)}, pins {channel.pins}"
        stage_cards = bot_posts(bot, channel.id, STAGE_EVENT)
        assert len(stage_cards) == moves[n], f"D-{n}: {len(stage_cards)} stage cards for {moves[n]} moves"
        methods = [m for m, _ in ok_calls_in(bot, channel.id)]
        assert methods.count("pins.add") == 1 and methods.count("conversations.invite") == 1, methods
        # in order: card, pin, topic, invite, then the stage cards; nothing before the channel existed
        first = {m: methods.index(m) for m in ("chat.postMessage", "pins.add", "conversations.setTopic",
                                               "conversations.invite")}
        assert first["chat.postMessage"] < first["pins.add"] < first["conversations.setTopic"] < first[
            "conversations.invite"], methods
        assert [m.ts for m in bot.bot_messages(channel.id)] == [cards[0].ts] + [m.ts for m in stage_cards]
        owner = REP if n % 2 else REP2
        assert owner in channel.members
        stage = "Qualified" if moves[n] == 1 else "Discovery" if moves[n] == 2 else "Lead"
        assert stage in channel.topic, (channel.topic, moves[n])
        history = await bot.command(owner, f"history D-{n}")
        notes = len([m for m in range(n, 10) if m % 2 == 0])
        assert history.all_text.count("call in minute") == notes, history.all_text
