"""The public pool (SPEC 6): warning, pooling, listing and claiming, as Slack would see it."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from models.infra.tables import Deal, TimelineEntry
from scheduler.sweeps_pool import pool_inactive, warn_before_pool
from tests.scenario import dates
from tests.scenario.harness import NEWCOMER, REP, REP2, Bot

DAY = timedelta(days=1)




async def sweep(bot: Bot, *sweeps) -> list[str]:  # type: ignore[no-untyped-def]
    lanes = []
    for one in sweeps:
        lanes += await bot.sweep(one)
    await bot.settle()
    return lanes


async def deal(bot: Bot, number: int) -> Deal:
    async with bot.deps.sessions() as session:
        found = await session.get(Deal, number)
        assert found is not None
        return found


async def test_a_quiet_deal_is_warned_once_two_days_ahead_then_goes_to_the_pool(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme amount:150k")

    await bot.advance(28 * DAY - timedelta(minutes=1))
    assert await sweep(bot, warn_before_pool, pool_inactive) == []
    assert bot.dm_texts(REP) == []

    await bot.advance(timedelta(minutes=2))
    assert await sweep(bot, warn_before_pool) == [f"dm:{REP}"]
    [warning] = bot.dm_texts(REP)
    pooled_on = (bot.clock.now() + 2 * DAY).astimezone(ZoneInfo("Europe/Berlin"))  # in the rep's zone
    assert "D-1" in warning and f"public pool on {dates.short_date(pooled_on)}" in warning

    for _ in range(3):  # later ticks, and another process ticking too: no second warning, not pooled early
        await bot.advance(timedelta(hours=12))
        assert await sweep(bot, warn_before_pool, pool_inactive) == []
    assert len(bot.dm_texts(REP)) == 1

    await bot.advance(timedelta(hours=12, minutes=1))  # 30 days quiet, warned 2 days ago
    assert await sweep(bot, pool_inactive, warn_before_pool) == [f"dm:{REP}"]
    assert "went to the public pool" in bot.dm_texts(REP)[-1]
    pooled = await deal(bot, 1)
    assert pooled.pooled_at == bot.clock.now() and pooled.pool_reason == "inactive"
    assert await sweep(bot, pool_inactive, warn_before_pool) == []

    assert "/deal claim D-1" in bot.dm_texts(REP)[-1]
    listing = await bot.command(REP2, "pool")
    assert "D-1" in listing.all_text and "150,000" in listing.all_text and "no updates" in listing.all_text
    assert "Lead" in listing.all_text and "1 deal," in listing.all_text and f"was <@{REP}>'s" in listing.all_text
    history = await bot.command(REP, "history D-1")
    assert "went to the public pool" in history.all_text

    kept = await bot.command(REP, "claim D-1")  # the owner takes it back: no DM to themselves
    assert "You own D-1" in kept.text and "reopened" not in kept.text
    assert (await deal(bot, 1)).pooled_at is None and len(bot.dm_texts(REP)) == 2


async def test_an_update_after_the_warning_keeps_the_deal_and_starts_a_new_quiet_period(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme")
    await bot.advance(28 * DAY + timedelta(minutes=1))
    await sweep(bot, warn_before_pool)
    await bot.advance(DAY)
    await bot.command(REP, "note D-1 called them, still interested")

    await bot.advance(2 * DAY)
    assert await sweep(bot, pool_inactive, warn_before_pool) == []
    assert (await deal(bot, 1)).pooled_at is None

    await bot.advance(26 * DAY)  # 28 days after the note
    assert await sweep(bot, warn_before_pool) == [f"dm:{REP}"]
    assert len(bot.dm_texts(REP)) == 2


async def test_a_lost_deal_is_in_the_pool_at_once_and_a_claim_reopens_it_for_the_claimant(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme amount:150k")
    await bot.command(REP, "score D-1 budget:200k authority:yes need:yes timing:10")
    await bot.command(REP, "next D-1")
    await bot.command(REP, "lost D-1 budget cut")
    channel = bot.channel_of(1)
    assert REP2 not in channel.members

    listing = await bot.command(REP2, "pool")
    assert "D-1" in listing.all_text and "lost: budget cut" in listing.all_text
    assert "reached Qualified" in listing.all_text

    reply = await bot.command(REP2, "claim D-1")
    assert "You own D-1" in reply.text and "Qualified" in reply.text
    claimed = await deal(bot, 1)
    assert (claimed.owner_id, claimed.stage_key, claimed.pooled_at) == (REP2, "qualified", None)
    assert REP2 in channel.members
    assert f"<@{REP2}>" in channel.topic and "Qualified" in channel.topic
    assert f"<@{REP2}>" in bot.messages_in(channel.id)[0].text or REP2 in str(bot.messages_in(channel.id)[0].blocks)
    [told] = bot.dm_texts(REP)
    assert "claimed" in told and "D-1" in told and f"<@{REP2}>" in told
    history = await bot.command(REP2, "history D-1")
    assert "claimed the deal from the public pool" in history.all_text and "reopened" in history.all_text

    again = await bot.command(NEWCOMER, "claim D-1")
    assert "not in the public pool" in again.text and f"<@{REP2}>" in again.text
    assert "empty" in (await bot.command(NEWCOMER, "pool")).text


async def test_two_claims_at_once_exactly_one_wins_and_the_other_is_told_who(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme amount:150k")
    await bot.command(REP, "lost D-1 went with a competitor")

    replies = await asyncio.gather(bot.command(REP2, "claim D-1", settle=False),
                                   bot.command(NEWCOMER, "claim D-1", settle=False))
    await bot.settle()
    winners = [r for r in replies if "You own D-1" in r.text]
    losers = [r for r in replies if "You own" not in r.text]
    assert len(winners) == 1 and len(losers) == 1
    owner = (await deal(bot, 1)).owner_id
    assert owner in (REP2, NEWCOMER)
    assert f"<@{owner}>" in losers[0].text and "holds it" in losers[0].text
    assert len(bot.dm_texts(REP)) == 1
    async with bot.deps.sessions() as session:
        claims = await session.scalar(select(func.count()).select_from(TimelineEntry)
                                      .where(TimelineEntry.text.like("claimed%")))
    assert claims == 1


async def test_the_pool_listing_is_summarised_within_slacks_limits(bot: Bot) -> None:
    now = bot.clock.now()
    async with bot.deps.sessions.begin() as session:
        for i in range(45):
            session.add(Deal(title=f"Old deal {i} " + "x" * 250, amount=Decimal(1000), stage_key="lost",
                             last_open_stage_key="proposal", owner_id=REP, created_by=REP, created_at=now,
                             updated_at=now, closed_at=now, lost_reason="price " * 100, custom_fields={},
                             pooled_at=now - timedelta(minutes=i), pool_reason="lost"))
    listing = await bot.command(REP2, "pool")
    assert "45 deals" in listing.all_text and "45,000" in listing.all_text
    assert "and 15 more" in listing.all_text
    assert "*D-1*" in listing.all_text and "*D-45*" not in listing.all_text  # newest in the pool first
