"""Won and lost automation (SPEC 3, 7): handoff and check-in follow-ups, the won card, archiving."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from models.infra.tables import Deal, FollowUp, UserRole
from models.people.users import ensure_user
from scheduler.sweeps_pool import archive_lost
from tests.blocklimits import assert_message_within_limits
from tests.emulator import SlackEmulator
from tests.scenario import dates
from tests.scenario.conftest import assert_everything_slack_received_is_valid
from tests.scenario.harness import NEWCOMER, REP, REP2, Bot

BERLIN = ZoneInfo("Europe/Berlin")
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = timedelta(days=1)
CS = "U0CS"


async def followups(bot: Bot, number: int) -> dict[str, FollowUp]:
    async with bot.deps.sessions() as session:
        rows = await session.scalars(select(FollowUp).where(FollowUp.deal_id == number))
        return {f.source: f for f in rows}


async def test_won_on_friday_hands_off_on_monday_and_posts_a_won_card(bot: Bot) -> None:
    bot.slack.add_user(CS, "cara", tz="UTC")
    async with bot.deps.sessions.begin() as session:
        await ensure_user(session, CS, now=bot.clock.now())
        session.add(UserRole(user_id=CS, role="cs"))
    now = bot.clock.now()
    friday = dates.day_at(now, days=(4 - now.weekday()) % 7, at=time(16, 30), tz="Europe/Berlin")
    bot.clock.set(friday)  # this week's Friday afternoon in Berlin
    await bot.command(REP, "new Pilot customer:Acme amount:150k")
    reply = await bot.command(REP, "won D-1")
    assert "won" in reply.text

    due = await followups(bot, 1)
    monday = dates.day_at(friday, days=3, at=time(16, 30), tz="Europe/Berlin")
    assert due["handoff"].due_at.astimezone(BERLIN) == monday
    assert due["checkin"].due_at.astimezone(BERLIN) == monday
    assert {f.owner_id for f in due.values()} == {REP} and due["handoff"].tz == "Europe/Berlin"
    assert due["handoff"].early_reminder_at == due["handoff"].due_at - DAY, "due more than 24 h ahead"

    channel = bot.channel_of(1)
    assert CS in channel.members
    card = bot.messages_in(channel.id)[-1]
    assert "is won" in card.text and "150,000" in card.text
    body = str(card.blocks)
    assert "Customer handoff" in body and f"{dates.short_date(monday)}, 16:30" in body and f"<@{CS}>" in body
    assert (await deal_of(bot)).pooled_at is None, "a won deal is not in the pool"

    listed = await bot.command(REP, "list")
    assert "D-1" in listed.all_text and "Hand Acme over" in listed.all_text, "open follow-ups of a won deal show"


async def test_won_before_chinas_national_day_hands_off_after_the_holidays(slack: SlackEmulator, db_url: str) -> None:
    bot = await Bot(slack, db_url, dealroom_holidays="CN").start()
    try:
        bot.clock.set(datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI))  # Wednesday before Oct 1-7
        await bot.command(NEWCOMER, "new 华为 Cloud customer:华为 amount:15万")
        await bot.command(NEWCOMER, "won D-1")
        due = await followups(bot, 1)
        assert due["handoff"].due_at.astimezone(SHANGHAI) == datetime(2026, 10, 8, 10, 0, tzinfo=SHANGHAI)
        assert due["checkin"].due_at.astimezone(SHANGHAI) == datetime(2026, 10, 3, 10, 0, tzinfo=SHANGHAI)
        history = await bot.command(NEWCOMER, "history D-1")
        assert "scheduled the customer handoff for Thu 8 Oct 2026, 10:00" in history.all_text
    finally:
        await bot.stop()
    assert_everything_slack_received_is_valid(slack)


async def test_without_holidays_only_the_weekend_is_skipped(bot: Bot) -> None:
    bot.clock.set(datetime(2026, 9, 30, 10, 0, tzinfo=BERLIN))
    await bot.command(REP, "new Pilot")
    await bot.command(REP, "won D-1")
    assert (await followups(bot, 1))["handoff"].due_at.astimezone(BERLIN) == datetime(2026, 10, 1, 10, 0, tzinfo=BERLIN)


async def deal_of(bot: Bot, number: int = 1) -> Deal:
    async with bot.deps.sessions() as session:
        found = await session.get(Deal, number)
        assert found is not None
        return found


async def test_a_lost_channel_is_archived_once_after_30_days_with_a_last_word_and_reopening_unarchives(
    bot: Bot,
) -> None:
    await bot.command(REP, "new Pilot customer:Acme amount:150k")
    await bot.command(REP, "lost D-1 no budget this year")
    channel = bot.channel_of(1)

    await bot.advance(30 * DAY - timedelta(minutes=1))
    assert await bot.sweep(archive_lost) == []
    await bot.advance(timedelta(minutes=2))
    assert await bot.sweep(archive_lost) == ["deal:1"]
    assert await bot.sweep(archive_lost) == [], "marked once"
    await bot.settle()
    assert channel.is_archived
    last = bot.messages_in(channel.id)[-1]
    assert "archived" in last.text and "30 days" in last.text
    assert len(bot.slack.calls_to("conversations.archive")) == 1

    await bot.advance(DAY)
    reply = await bot.command(REP, "stage D-1 lead")
    assert "Reopened" in reply.text
    assert not channel.is_archived
    assert [c.ok for c in bot.slack.calls_to("conversations.unarchive")] == [True]
    assert "Reopened" in bot.messages_in(channel.id)[-1].text, "the bot posts in the channel again"
    reopened = await deal_of(bot)
    assert reopened.archived_at is None and reopened.pooled_at is None

    await bot.command(REP, "lost D-1 lost again")  # a new loss: a new 30 days, a new archive
    await bot.advance(30 * DAY + timedelta(minutes=1))
    assert await bot.sweep(archive_lost) == ["deal:1"]
    await bot.settle()
    assert channel.is_archived and len(bot.slack.calls_to("conversations.archive")) == 2


async def test_claiming_a_deal_whose_channel_is_archived_unarchives_it_first(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme")
    await bot.command(REP, "lost D-1 timing")
    await bot.advance(31 * DAY)
    await bot.sweep(archive_lost)
    await bot.settle()
    channel = bot.channel_of(1)
    assert channel.is_archived

    reply = await bot.command(REP2, "claim D-1")
    assert "You own D-1" in reply.text and "Lead" in reply.text
    assert not channel.is_archived and REP2 in channel.members
    assert f"<@{REP2}>" in channel.topic
    calls = [c.method for c in bot.slack.calls if c.method.startswith("conversations.") and c.ok]
    assert calls.index("conversations.unarchive") < len(calls) - 1 - calls[::-1].index("conversations.invite")
    parked = [m for m in bot.slack.calls if not m.ok and m.method != "users.info"]
    assert parked == [], "nothing failed against the archived channel"


def test_the_won_card_stays_within_block_kit_limits_with_long_content() -> None:
    from bot.blocks.cards import won_card
    from models.deals.snapshots import DealSnapshot, StageInfo

    stage = StageInfo(key="won", name="Won", number=6, probability=100, closed="won")
    deal = DealSnapshot(number=1, title="x" * 3000, customer="y" * 300, amount=None, stage=stage, stages=(stage,),
                        owner_id=REP, close_at=None, source=None, score=None, score_band=None, channel_id="C1")
    now = datetime(2026, 1, 1, tzinfo=BERLIN)
    for cs in ([], [f"U{i:08d}" for i in range(300)]):
        card = won_card(deal, actor_id=REP, amount=None, handoff_at=now, checkin_at=now, cs_ids=cs, tz=BERLIN)
        assert_message_within_limits({"text": card.text, "blocks": card.blocks})


async def test_a_public_channel_is_unarchived_and_joined_again(slack: SlackEmulator, db_url: str) -> None:
    bot = await Bot(slack, db_url, dealroom_private_channels=False).start()
    try:
        await bot.command(REP, "new Pilot customer:Acme")
        await bot.command(REP, "lost D-1 timing")
        await bot.advance(31 * DAY)
        await bot.sweep(archive_lost)
        await bot.settle()
        channel = bot.channel_of(1)
        assert channel.is_archived and not channel.is_private
        await bot.command(REP, "stage D-1 lead")
        methods = [c.method for c in slack.calls if c.ok]
        assert methods.index("conversations.unarchive") < methods.index("conversations.join")
        assert not channel.is_archived and "Reopened" in bot.messages_in(channel.id)[-1].text
    finally:
        await bot.stop()
    assert_everything_slack_received_is_valid(slack)
