"""Lead-score contact SLAs (SPEC 5) and stale-deal nudges (SPEC 7), driven by the clock."""

from __future__ import annotations

from datetime import timedelta

from tests.scenario.harness import ADMIN, MANAGER, REP, Bot
from tests.scenario.test_reminders import make_manager, shown

HIGH = "score budget:200k authority:yes need:yes timing:10"  # 10: high, contact within 24 h
MEDIUM = "score budget:200k authority:yes need:no timing:90"  # 5: medium, within 48 h
LOW = "score budget:10k authority:no need:no timing:90"  # 0: low, nurture


async def scored_deal(bot: Bot, score: str) -> str:
    await bot.command(REP, "new Pilot customer:Acme amount:150k")
    channel = bot.channel_of(1).id
    reply = await bot.command(REP, score, channel=channel)
    assert "scored" in reply.all_text.lower() or "score" in reply.all_text.lower()
    return channel


async def test_a_high_lead_warns_the_owner_at_75_percent_then_tells_the_manager_once(bot: Bot) -> None:
    await make_manager(bot, REP, MANAGER)
    await scored_deal(bot, HIGH)
    await bot.wait_until(timedelta(hours=17, minutes=59))
    assert bot.dms_to(REP) == []
    await bot.wait_until(timedelta(minutes=1))
    [warning] = bot.dms_to(REP)
    assert "high lead" in warning.text and "/deal note" in warning.text
    assert bot.dms_to(MANAGER) == []

    await bot.wait_until(timedelta(hours=6))
    [missed] = bot.dms_to(MANAGER)
    assert f"<@{REP}>" in missed.text and "has not contacted" in missed.text
    assert bot.dms_to(ADMIN) == []
    for _ in range(3):
        await bot.wait_until(timedelta(hours=12))
    assert len(bot.dms_to(MANAGER)) == 1 and len(bot.dms_to(REP)) == 1


async def test_a_note_in_time_meets_the_sla(bot: Bot) -> None:
    await make_manager(bot, REP, MANAGER)
    channel = await scored_deal(bot, MEDIUM)
    await bot.wait_until(timedelta(hours=10))
    await bot.command(REP, "note called the buyer via:call", channel=channel)
    await bot.wait_until(timedelta(days=3))
    assert bot.dms_to(REP) == [] and bot.dms_to(MANAGER) == []


async def test_a_medium_lead_has_48_hours_and_without_a_manager_the_admins_are_told(bot: Bot) -> None:
    await scored_deal(bot, MEDIUM)
    await bot.wait_until(timedelta(hours=35, minutes=59))
    assert bot.dms_to(REP) == []
    await bot.wait_until(timedelta(minutes=1))
    assert len(bot.dms_to(REP)) == 1
    await bot.wait_until(timedelta(hours=12))
    [missed] = bot.dms_to(ADMIN)
    assert "medium lead" in missed.text


async def test_rescoring_starts_a_new_window(bot: Bot) -> None:
    channel = await scored_deal(bot, HIGH)
    await bot.wait_until(timedelta(hours=20))
    assert len(bot.dms_to(REP)) == 1
    await bot.command(REP, MEDIUM, channel=channel)
    await bot.wait_until(timedelta(hours=35))
    assert len(bot.dms_to(REP)) == 1
    await bot.wait_until(timedelta(hours=1))
    assert len(bot.dms_to(REP)) == 2


async def test_a_closed_deal_has_no_sla(bot: Bot) -> None:
    channel = await scored_deal(bot, HIGH)
    await bot.command(REP, "won", channel=channel)
    await bot.wait_until(timedelta(days=2))
    assert [m for m in bot.dms_to(REP) if "lead" in m.text] == []
    assert bot.dms_to(ADMIN) == []


async def test_a_low_lead_is_up_for_a_rescore_after_90_days(bot: Bot) -> None:
    channel = await scored_deal(bot, LOW)
    for _ in range(8):  # keep the deal fresh so that no stale nudge mixes in
        await bot.wait_until(timedelta(days=11))
        await bot.command(REP, "note still nurturing", channel=channel)
    assert [m for m in bot.dms_to(REP) if "re-score" in m.text] == []
    await bot.wait_until(timedelta(days=2))
    [nurture] = [m for m in bot.dms_to(REP) if "re-score" in m.text]
    assert "/deal score" in nurture.text


async def test_a_stale_deal_gets_one_nudge_per_quiet_period(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme")  # Lead: stale after 14 days in the standard pipeline
    channel = bot.channel_of(1).id
    await bot.wait_until(timedelta(days=13, hours=23))
    assert bot.dms_to(REP) == []
    await bot.wait_until(timedelta(hours=1))
    [nudge] = bot.dms_to(REP)
    assert "no update for 14 days in Lead" in nudge.text
    assert "Open channel" in shown(nudge)

    await bot.wait_until(timedelta(days=7))
    assert len(bot.dms_to(REP)) == 1
    await bot.wait_until(timedelta(days=7))
    assert len(bot.dms_to(REP)) == 2  # another full quiet period

    await bot.command(REP, "note sent the proposal", channel=channel)  # an update starts a new period
    await bot.wait_until(timedelta(days=13))
    assert len(bot.dms_to(REP)) == 2
    await bot.wait_until(timedelta(days=1))
    assert len(bot.dms_to(REP)) == 3
