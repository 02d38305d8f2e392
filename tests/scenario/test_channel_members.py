"""Reading is what SPEC 10 says: a member of a deal's channel may read the deal (`info`, `history`) from
anywhere, privately, and loses that the moment they leave. Membership is kept from Slack's events, the bot's
own invitations, and `conversations.members` (page by page) when the records are in doubt."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select

from models.infra.tables import ChannelMember, ChannelRoster, ProcessedEvent
from tests.scenario.harness import GENERAL, NEWCOMER, REP, REP2, Bot

LEGAL = "U0LEGAL"
PAYLOADS = Path(__file__).parents[1] / "data" / "payloads"


def _event(kind: str, user: str, channel: str, at: datetime | None = None) -> dict:
    """member_joined_channel / member_left_channel in the shape of Slack's own samples (tests/data/payloads),
    about this user and channel, sent `at`."""
    event = json.loads((PAYLOADS / f"event_{kind}.json").read_text(encoding="utf-8"))["event"]
    event.update(user=user, channel=channel, channel_type="G", team="T0001")
    event.pop("enterprise", None)
    if at is not None:
        event["event_ts"] = f"{at.timestamp():.6f}"
    if kind == "member_joined_channel":
        event["inviter"] = REP
    return event


async def _handled(bot: Bot, event_id: str) -> None:
    """Bolt acks an event at once and works after: wait until the work is committed."""
    for _ in range(200):
        async with bot.deps.sessions() as session:
            if await session.get(ProcessedEvent, event_id) is not None:
                await bot.settle()
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"event {event_id} was never handled")


async def _join(bot: Bot, user: str, channel: str, event_id: str) -> None:
    await bot.slack.add_member(channel, user, inviter=REP)
    assert await bot.event(_event("member_joined_channel", user, channel), event_id=event_id) == 200
    await _handled(bot, event_id)


async def _leave(bot: Bot, user: str, channel: str, event_id: str) -> None:
    await bot.slack.remove_member(channel, user)
    assert await bot.event(_event("member_left_channel", user, channel), event_id=event_id) == 200
    await _handled(bot, event_id)


def _refused(text: str) -> bool:
    return text.startswith(":warning:") and "only its channel members" in text


async def test_a_member_reads_the_deal_from_general_privately_and_loses_it_on_leaving(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme amount:150k")
    await bot.command(REP, "note D-1 called the CFO")
    channel = bot.channel_of(1).id
    assert _refused((await bot.command(NEWCOMER, "info D-1")).text), "not a member yet"

    await _join(bot, NEWCOMER, channel, "EvJOIN1")
    asked_before = len(bot.slack.calls_to("conversations.members"))
    info = await bot.command(NEWCOMER, "info D-1", channel=GENERAL)
    assert not info.text.startswith(":warning:") and "Pilot" in info.all_text
    assert info.body.get("response_type", "ephemeral") == "ephemeral", "shown to the member only"
    assert not [m for m in bot.slack.messages.get(GENERAL, []) if "Pilot" in m.text], "nothing posted in #general"
    history = await bot.command(NEWCOMER, "history D-1", channel=GENERAL)
    assert "called the CFO" in history.all_text
    assert len(bot.slack.calls_to("conversations.members")) == asked_before, "the records were enough"
    assert _refused((await bot.command(REP2, "info D-1", channel=GENERAL)).text), "a stranger is refused"
    assert (await bot.command(NEWCOMER, "note D-1 me too", channel=GENERAL)).text.startswith(":warning:"), \
        "membership never gives write access"

    await _leave(bot, NEWCOMER, channel, "EvLEFT1")
    assert _refused((await bot.command(NEWCOMER, "info D-1", channel=GENERAL)).text), "refused at once"
    assert _refused((await bot.command(NEWCOMER, "history D-1", channel=GENERAL)).text)

    await _join(bot, NEWCOMER, channel, "EvJOIN2")  # back again
    assert "Pilot" in (await bot.command(NEWCOMER, "info D-1", channel=GENERAL)).all_text
    # Slack retries the old leave event late: handled once already, it takes nobody out
    assert await bot.event(_event("member_left_channel", NEWCOMER, channel), event_id="EvLEFT1", retry_num=1) == 200
    await asyncio.sleep(0.3)
    await bot.settle()
    assert "Pilot" in (await bot.command(NEWCOMER, "info D-1", channel=GENERAL)).all_text


async def test_the_bots_invitations_make_members(bot: Bot) -> None:
    bot.slack.add_user(LEGAL, "lee", tz="UTC")
    await bot.command(REP, "new Pilot customer:Acme")
    await bot.command("U0ADMIN", f"role <@{LEGAL}> legal")
    await bot.command(REP, "invite D-1 legal")  # brought in by role: in the channel, not a collaborator
    assert LEGAL in bot.channel_of(1).members
    asked_before = len(bot.slack.calls_to("conversations.members"))
    assert "Pilot" in (await bot.command(LEGAL, "info D-1", channel=GENERAL)).all_text
    assert len(bot.slack.calls_to("conversations.members")) == asked_before
    async with bot.deps.sessions() as session:
        members = set(await session.scalars(select(ChannelMember.user_id).where(
            ChannelMember.channel_id == bot.channel_of(1).id, ChannelMember.present)))
    assert members >= {bot.slack.bot_user_id, REP, LEGAL}, "the bot itself and whom it invited"


async def test_in_doubt_the_bot_asks_slack_page_by_page_and_again_a_day_later(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme")
    channel = bot.channel_of(1).id
    crowd = [f"U0C{i:04d}" for i in range(250)]  # more than one page of conversations.members
    for user in crowd:
        bot.slack.add_user(user, user.lower())
        bot.slack.channels[channel].members.add(user)
    bot.slack.channels[channel].members.add(NEWCOMER)  # joined while the bot heard nothing
    async with bot.deps.sessions.begin() as session:  # as for a deal from before the records were kept
        await session.execute(delete(ChannelRoster))
        await session.execute(delete(ChannelMember))

    assert "Pilot" in (await bot.command(NEWCOMER, "info D-1", channel=GENERAL)).all_text
    calls = bot.slack.calls_to("conversations.members")
    assert len(calls) == 2 and calls[1].args.get("cursor"), "paged"
    assert _refused((await bot.command(REP2, "info D-1", channel=GENERAL)).text)
    assert _refused((await bot.command(REP2, "history D-1", channel=GENERAL)).text)
    assert len(bot.slack.calls_to("conversations.members")) == 2, "recorded once asked: no second question"

    bot.slack.channels[channel].members.discard(NEWCOMER)  # left while the bot heard nothing
    await bot.advance(timedelta(hours=25))
    assert _refused((await bot.command(NEWCOMER, "info D-1", channel=GENERAL)).text)
    assert len(bot.slack.calls_to("conversations.members")) == 4, "a day-old list is asked again"


async def test_when_the_bot_leaves_a_channel_its_records_of_it_are_forgotten(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme")
    channel = bot.channel_of(1).id
    await _join(bot, NEWCOMER, channel, "EvJOIN3")
    await bot.slack.remove_member(channel, bot.slack.bot_user_id)
    assert await bot.event(_event("member_left_channel", bot.slack.bot_user_id, channel), event_id="EvBOT") == 200
    await _handled(bot, "EvBOT")
    async with bot.deps.sessions() as session:
        assert await session.get(ChannelRoster, channel) is None
        assert list(await session.scalars(select(ChannelMember).where(ChannelMember.channel_id == channel))) == []
    # Slack no longer answers for a private channel the bot is not in: only someone who may anyway reads it
    assert _refused((await bot.command(NEWCOMER, "info D-1", channel=GENERAL)).text)
    assert bot.slack.calls_to("conversations.members")[-1].error == "channel_not_found"
    assert "Pilot" in (await bot.command(REP, "info D-1", channel=GENERAL)).all_text


async def test_a_late_join_event_older_than_the_leave_does_not_bring_a_former_member_back(bot: Bot) -> None:
    """Slack retries an event it could not deliver for up to an hour, and events are not ordered: the join
    it retries may reach the bot after the leave that followed it."""
    await bot.command(REP, "new Pilot customer:Acme")
    channel = bot.channel_of(1).id
    joined_at = bot.clock.now()
    await bot.slack.add_member(channel, NEWCOMER, inviter=REP)
    await bot.slack.remove_member(channel, NEWCOMER)
    left = _event("member_left_channel", NEWCOMER, channel, at=joined_at + timedelta(minutes=1))
    assert await bot.event(left, event_id="EvLATE2") == 200
    await _handled(bot, "EvLATE2")
    joined = _event("member_joined_channel", NEWCOMER, channel, at=joined_at)  # delivered late, retried
    assert await bot.event(joined, event_id="EvLATE1", retry_num=3) == 200
    await _handled(bot, "EvLATE1")
    assert _refused((await bot.command(NEWCOMER, "info D-1", channel=GENERAL)).text)
    async with bot.deps.sessions() as session:
        row = await session.get(ChannelMember, (channel, NEWCOMER))
        assert row is not None and row.present is False

    back = _event("member_joined_channel", NEWCOMER, channel, at=joined_at + timedelta(minutes=5))
    await bot.slack.add_member(channel, NEWCOMER, inviter=REP)
    assert await bot.event(back, event_id="EvLATE3") == 200
    await _handled(bot, "EvLATE3")
    assert "Pilot" in (await bot.command(NEWCOMER, "info D-1", channel=GENERAL)).all_text
