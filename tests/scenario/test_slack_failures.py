"""Slack failing never loses a deal: the outbox retries, in order, honouring Retry-After."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models.infra.tables import OutboxMessage
from tests.scenario.harness import REP, Bot


async def test_during_an_outage_the_deal_is_saved_and_the_channel_follows_once(bot: Bot) -> None:
    bot.slack.outage(True)
    reply = await bot.command(REP, "new Pilot customer:Acme amount:150k")
    assert "D-1" in reply.text and "saved" in reply.text and "follow" in reply.text
    noted = await bot.command(REP, "note D-1 first call went well")
    assert "Noted" in noted.text
    assert not [c for c in bot.slack.channels.values() if c.name.startswith("deal-")]

    bot.slack.outage(False)
    await bot.advance(timedelta(minutes=10))
    channel = bot.channel_of(1)
    assert len([c for c in bot.slack.calls_to("conversations.create") if c.ok]) == 1
    card = bot.messages_in(channel.id)[0]
    assert card.ts in channel.pins and REP in channel.members
    history = await bot.command(REP, "history D-1")
    assert "first call went well" in history.all_text


async def test_retry_after_is_honoured(bot: Bot) -> None:
    bot.slack.fail("conversations.create", status=429, retry_after=30)
    reply = await bot.command(REP, "new Pilot customer:Acme")
    assert "saved" in reply.text
    assert not [c for c in bot.slack.channels.values() if c.name.startswith("deal-")]
    await bot.advance(timedelta(seconds=10))
    assert not [c for c in bot.slack.channels.values() if c.name.startswith("deal-")], "too early: Retry-After 30"
    await bot.advance(timedelta(seconds=25))
    assert bot.channel_of(1).name == "deal-1-acme"


async def test_a_taken_name_gets_a_suffix_that_keeps_the_prefix(bot: Bot) -> None:
    bot.slack.add_channel("deal-1-acme", is_private=False, creator="U0SOMEONE")
    await bot.command(REP, "new Pilot customer:Acme")
    names = sorted(c.name for c in bot.slack.channels.values() if c.name.startswith("deal-1-"))
    assert names == ["deal-1-acme", "deal-1-acme-2"]
    ours = bot.slack.channel_named("deal-1-acme-2")
    assert ours is not None and ours.pins


async def test_a_channel_slack_created_but_whose_answer_was_lost_is_adopted_not_duplicated(bot: Bot) -> None:
    bot.slack.fail("conversations.create", status=500, process=True)
    await bot.command(REP, "new Pilot customer:Acme")
    await bot.advance(timedelta(minutes=1))
    names = [c.name for c in bot.slack.channels.values() if c.name.startswith("deal-1")]
    assert names == ["deal-1-acme"]
    assert bot.slack.channel_named("deal-1-acme").pins  # type: ignore[union-attr]


async def test_cards_and_invites_arrive_in_order_per_deal(bot: Bot) -> None:
    bot.slack.outage(True)
    await bot.command(REP, "new Pilot customer:Acme amount:150k")
    await bot.command(REP, "score D-1 budget:200k authority:yes need:yes timing:10")
    await bot.command(REP, "next D-1")
    await bot.command(REP, "next D-1")
    bot.slack.outage(False)
    await bot.advance(timedelta(minutes=10))
    channel = bot.channel_of(1)
    posts = bot.messages_in(channel.id)
    assert posts[0].ts in channel.pins
    assert "Qualified" in posts[1].text and "Discovery" in posts[2].text
    ok_methods = [c.method for c in bot.slack.calls if c.ok and c.method != "users.info" and c.method != "auth.test"]
    assert ok_methods.index("conversations.create") < ok_methods.index("chat.postMessage") < ok_methods.index(
        "pins.add")


async def test_a_message_slack_will_never_take_is_parked_not_retried_forever(bot: Bot) -> None:
    bot.slack.fail("pins.add", error="message_not_found")
    await bot.command(REP, "new Pilot customer:Acme")
    await bot.advance(timedelta(hours=1))
    assert len(bot.slack.calls_to("pins.add")) == 1
    async with bot.deps.sessions() as session:
        statuses = {row.kind: row.status for row in await session.scalars(select(OutboxMessage))}
    assert statuses["pin_card"] == "parked" and statuses["set_topic"] == "sent"


async def test_a_failure_of_our_own_is_retried_later_not_in_a_tight_loop(bot: Bot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.blocks import cards

    real, calls = cards.deal_card, []

    def broken_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a rendering bug")
        return real(*args, **kwargs)

    monkeypatch.setattr(cards, "deal_card", broken_once)
    await bot.command(REP, "new Pilot customer:Acme")
    channel = bot.channel_of(1)
    assert not bot.messages_in(channel.id) and len(calls) == 1, "the card waits; the lane is not spun"
    await bot.advance(timedelta(minutes=1))
    assert bot.messages_in(channel.id)[0].ts in channel.pins
