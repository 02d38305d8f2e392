"""After the retention pass removed a deal's delivered outbox rows, the deal works as before: its
pinned card is updated in place (the card's ts lives on the deal, not on the outbox row)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from models.infra.tables import OutboxMessage
from scheduler import retention
from tests.scenario.harness import REP, Bot


async def outbox_rows(bot: Bot) -> int:
    async with bot.deps.sessions() as session:
        return await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


async def test_a_card_posted_before_the_retention_period_is_still_updated_in_place(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme amount:150k")
    channel = bot.channel_of(1)
    card = bot.bot_messages(channel.id)[0]
    assert await outbox_rows(bot) > 0
    bot.clock.advance(timedelta(days=31))
    done = await retention.prune(bot.deps, pause=0)
    assert done["outbox"].rows > 0 and await outbox_rows(bot) == 0
    await bot.command(REP, "score budget:200k authority:yes need:yes timing:20", channel=channel.id)
    await bot.command(REP, "next", channel=channel.id)
    updates = [c for c in bot.slack.calls_to("chat.update") if c.ok]
    assert updates and {c.args["ts"] for c in updates} == {card.ts}
    assert "Qualified" in str(bot.bot_messages(channel.id)[0].blocks)
    assert channel.pins == [card.ts]
