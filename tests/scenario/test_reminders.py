"""Follow-up reminders by DM (SPEC 7): 24 hours ahead and at the due time, Done and Snooze, late
after a restart, never twice, always to the deal's current owner."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from bot.blocks.ids import ActionId
from models.infra.tables import FollowUp, TimelineEntry, User
from models.people.users import ensure_user
from models.values import format_when
from tests.emulator import SlackEmulator
from tests.scenario.harness import MANAGER, REP, REP2, Bot

BERLIN = ZoneInfo("Europe/Berlin")


def button_value(message: Any, action_id: str) -> str:
    for block in message.blocks or []:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return element["value"]
    raise AssertionError(f"no {action_id} button in {json.dumps(message.blocks)[:500]}")


def has_button(message: Any, action_id: str) -> bool:
    return action_id in json.dumps(message.blocks or [])


def shown(message: Any) -> str:
    return message.text + "\n" + json.dumps(message.blocks or [], ensure_ascii=False)


async def deal_with_followup(bot: Bot, when: str, what: str = "call the CFO") -> str:
    await bot.command(REP, "new Pilot customer:Acme amount:150k")
    channel = bot.channel_of(1).id
    reply = await bot.command(REP, f"followup {when} {what}", channel=channel)
    assert "follow-up" in reply.text.lower(), reply.text
    return channel


async def click(bot: Bot, user: str, message: Any, action_id: str) -> str:
    """Click a reminder button, and wait until it was answered: the DM updated, or a private reply."""
    updates = len(bot.slack.calls_to("chat.update"))
    key = await bot.click(user, action_id, button_value(message, action_id), channel=message.channel,
                          message_ts=message.ts)
    await bot.slack.wait_for(lambda: len(bot.slack.calls_to("chat.update")) > updates
                             or any(r["url_key"] == key for r in bot.slack.responses))
    await bot.settle()
    return key


async def make_manager(bot: Bot, rep: str, manager: str) -> None:
    async with bot.deps.sessions.begin() as session:
        await ensure_user(session, manager, now=bot.clock.now())
        await ensure_user(session, rep, now=bot.clock.now())
        await session.execute(update(User).where(User.id == rep).values(manager_id=manager))


async def timeline_kinds(bot: Bot) -> list[str]:
    async with bot.deps.sessions() as session:
        return list(await session.scalars(select(TimelineEntry.kind).order_by(TimelineEntry.id)))


async def test_a_reminder_comes_24_hours_ahead_and_at_the_due_time_once_each(bot: Bot) -> None:
    await deal_with_followup(bot, "in 3d")
    await bot.tick()
    assert bot.dms_to(REP) == []

    await bot.wait_until(timedelta(days=2) - timedelta(minutes=1))
    assert bot.dms_to(REP) == []
    await bot.wait_until(timedelta(minutes=1))
    [early] = bot.dms_to(REP)
    due = bot.clock.now() + timedelta(days=1)
    assert "due in 24 hours" in early.text and "call the CFO" in early.text
    assert format_when(due, BERLIN) in shown(early)  # the owner's own zone
    for action in (ActionId.REMINDER_DONE, ActionId.SNOOZE_HOUR, ActionId.SNOOZE_DAY, ActionId.OPEN_CHANNEL):
        assert has_button(early, action)
    assert "D-1" in shown(early) and "Acme" in shown(early)

    await bot.wait_until(timedelta(hours=23, minutes=59))
    assert len(bot.dms_to(REP)) == 1
    await bot.wait_until(timedelta(minutes=1))
    _, at_due = bot.dms_to(REP)
    assert "due now" in at_due.text and "Sent late" not in shown(at_due)
    for _ in range(3):
        await bot.wait_until(timedelta(minutes=30))
    assert len(bot.dms_to(REP)) == 2


async def test_a_followup_due_within_a_day_gets_only_the_due_reminder(bot: Bot) -> None:
    await deal_with_followup(bot, "in 5h")
    await bot.wait_until(timedelta(hours=4, minutes=59))
    assert bot.dms_to(REP) == []
    await bot.wait_until(timedelta(seconds=60))
    [only] = bot.dms_to(REP)
    assert "due now" in only.text


async def test_done_logs_it_and_updates_the_dm_in_place(bot: Bot) -> None:
    channel = await deal_with_followup(bot, "in 2h")
    await bot.wait_until(timedelta(hours=2))
    [reminder] = bot.dms_to(REP)
    value, ts = button_value(reminder, ActionId.REMINDER_DONE), reminder.ts
    await click(bot, REP, reminder, ActionId.REMINDER_DONE)

    [updated] = bot.dms_to(REP)
    assert updated.ts == ts and "Done" in updated.text
    assert not has_button(updated, ActionId.SNOOZE_HOUR)
    assert "followup_done" in await timeline_kinds(bot)
    history = await bot.command(REP, "history", channel=channel)
    assert "followed up: call the CFO" in history.all_text

    key = await bot.click(REP, ActionId.REMINDER_DONE, value, channel=updated.channel, message_ts=ts)  # again
    again = await bot.reply(key)
    assert "done already" in again.text
    assert (await timeline_kinds(bot)).count("followup_done") == 1
    await bot.wait_until(timedelta(days=2))
    assert len(bot.dms_to(REP)) == 1


async def test_snooze_an_hour_counts_from_the_click_and_says_until_when(bot: Bot) -> None:
    await deal_with_followup(bot, "in 2h")
    await bot.wait_until(timedelta(hours=2))
    [reminder] = bot.dms_to(REP)
    value = button_value(reminder, ActionId.SNOOZE_HOUR)
    await bot.advance(timedelta(minutes=10))  # the owner reads it ten minutes later
    clicked_at = bot.clock.now()
    await click(bot, REP, reminder, ActionId.SNOOZE_HOUR)
    [updated] = bot.dms_to(REP)
    assert "Snoozed until" in updated.text
    assert format_when(clicked_at + timedelta(hours=1), BERLIN) in shown(updated)

    key = await bot.click(REP, ActionId.SNOOZE_HOUR, value, channel=updated.channel, message_ts=updated.ts)
    assert "snoozed already" in (await bot.reply(key)).text

    await bot.wait_until(timedelta(minutes=59))
    assert len(bot.dms_to(REP)) == 1
    await bot.wait_until(timedelta(minutes=1))
    assert len(bot.dms_to(REP)) == 2
    assert "due now" in bot.dms_to(REP)[-1].text


async def test_snooze_a_day_keeps_the_local_time_across_a_daylight_saving_change(slack: SlackEmulator,
                                                                               db_url: str) -> None:
    bot = await Bot(slack, db_url).start()
    try:
        bot.clock.set(datetime(2027, 3, 26, 9, 0, tzinfo=BERLIN))  # Friday; Berlin springs forward on Sunday
        await deal_with_followup(bot, "2027-03-27 09:00")
        await bot.wait_until(timedelta(days=1))
        [at_due] = bot.dms_to(REP)  # scheduled exactly 24 hours ahead: no early reminder
        await click(bot, REP, at_due, ActionId.SNOOZE_DAY)
        async with bot.deps.sessions() as session:
            due = await session.scalar(select(FollowUp.due_at))
        assert due.astimezone(BERLIN) == datetime(2027, 3, 28, 9, 0, tzinfo=BERLIN)
        assert due == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)  # 23 hours later, the same wall time
        await bot.wait_until(timedelta(hours=22, minutes=59))
        assert len(bot.dms_to(REP)) == 1
        await bot.wait_until(timedelta(minutes=1))
        assert len(bot.dms_to(REP)) == 2
    finally:
        await bot.stop()


async def test_snoozing_the_early_reminder_keeps_the_due_time(bot: Bot) -> None:
    await deal_with_followup(bot, "in 2d")
    await bot.wait_until(timedelta(days=1))
    [early] = bot.dms_to(REP)
    await click(bot, REP, early, ActionId.SNOOZE_HOUR)
    await bot.settle()
    assert "Reminder snoozed until" in bot.dms_to(REP)[0].text
    await bot.wait_until(timedelta(hours=1))
    assert len(bot.dms_to(REP)) == 2 and "due in" in bot.dms_to(REP)[1].text
    await bot.wait_until(timedelta(hours=23))
    assert len(bot.dms_to(REP)) == 3 and "due now" in bot.dms_to(REP)[2].text


async def test_a_reminder_missed_while_the_bot_was_down_comes_at_the_next_start_marked_late(
        slack: SlackEmulator, db_url: str) -> None:
    first = await Bot(slack, db_url).start()
    try:
        await deal_with_followup(first, "in 1h")
        stopped_at = first.clock.now()
    finally:
        await first.stop()

    second = Bot(slack, db_url)  # a new process on the same database, three hours later
    second.clock.set(stopped_at + timedelta(hours=3))
    await second.start()
    try:
        await second.tick()
        [late] = second.dms_to(REP)
        assert "due now" in late.text and "Sent late" in shown(late)
        await second.wait_until(timedelta(minutes=5))
        assert len(second.dms_to(REP)) == 1
    finally:
        await second.stop()


async def test_reminders_follow_the_deal_to_its_new_owner(bot: Bot) -> None:
    channel = await deal_with_followup(bot, "in 2h")
    await bot.command(REP, f"assign <@{REP2}|ben>", channel=channel)
    await bot.wait_until(timedelta(hours=2))
    assert bot.dms_to(REP) == []
    [reminder] = bot.dms_to(REP2)
    assert "call the CFO" in reminder.text


async def test_the_reminder_of_a_deal_in_the_pool_is_dropped_with_a_timeline_entry(bot: Bot) -> None:
    channel = await deal_with_followup(bot, "in 2h")
    await bot.command(REP, "lost no budget", channel=channel)
    await bot.wait_until(timedelta(hours=2))
    assert bot.dms_to(REP) == []
    assert "reminder_dropped" in await timeline_kinds(bot)


async def test_someone_who_may_not_edit_the_deal_cannot_click_its_reminder(bot: Bot) -> None:
    await deal_with_followup(bot, "in 2h")
    await bot.wait_until(timedelta(hours=2))
    [reminder] = bot.dms_to(REP)
    key = await click(bot, REP2, reminder, ActionId.REMINDER_DONE)
    assert "can't change" in (await bot.reply(key)).text
    async with bot.deps.sessions() as session:
        assert await session.scalar(select(func.count()).where(FollowUp.done_at.is_not(None))) == 0


async def test_list_shows_overdue_followups_first(bot: Bot) -> None:
    await bot.command(REP, "new Later customer:Beta")
    await bot.command(REP, "new Sooner customer:Gamma")
    await bot.command(REP, "followup D-1 in 3d send the contract")
    await bot.command(REP, "followup D-2 in 1h call back")
    await bot.advance(timedelta(hours=2))
    listed = await bot.command(REP, "list")
    text = listed.all_text
    assert text.index("D-2") < text.index("D-1")
    assert "⚠️" in text


async def test_reminders_show_times_in_the_zone_slack_reports_after_a_profile_change(bot: Bot) -> None:
    await deal_with_followup(bot, "in 2d")
    bot.slack.users[REP].tz = "Asia/Tokyo"
    assert await bot.event({"type": "user_change", "user": {"id": REP, "tz": "Asia/Tokyo", "name": "ana"}},
                           event_id="Ev-tz-1") == 200
    for _ in range(200):  # handled after the ack
        async with bot.deps.sessions() as session:
            if await session.scalar(select(User.tz).where(User.id == REP)) == "Asia/Tokyo":
                break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("the new time zone was not recorded")
    await bot.wait_until(timedelta(days=1))
    [early] = bot.dms_to(REP)
    due = bot.clock.now() + timedelta(days=1)
    assert format_when(due, ZoneInfo("Asia/Tokyo")) in shown(early)


async def test_a_manager_of_the_owner_may_mark_a_followup_done(bot: Bot) -> None:
    await deal_with_followup(bot, "in 2h")
    await make_manager(bot, REP, MANAGER)
    await bot.wait_until(timedelta(hours=2))
    [reminder] = bot.dms_to(REP)
    await click(bot, MANAGER, reminder, ActionId.REMINDER_DONE)
    await bot.settle()
    assert "followup_done" in await timeline_kinds(bot)


async def test_the_handoff_and_check_in_of_a_won_deal_are_reminded(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme amount:150k")
    await bot.command(REP, "won", channel=bot.channel_of(1).id)  # Monday: handoff Tuesday, check-in Thursday
    await bot.wait_until(timedelta(days=4))
    reminded = [m.text for m in bot.dms_to(REP)]
    assert any("Hand" in t and "customer success" in t and "due now" in t for t in reminded), reminded
    assert any("First check-in call" in t and "due now" in t for t in reminded), reminded


async def test_a_deal_claimed_from_the_pool_brings_its_reminders_to_the_claimant(bot: Bot) -> None:
    channel = await deal_with_followup(bot, "in 2h")
    await bot.command(REP, "lost no budget", channel=channel)  # lost deals go to the pool at once
    await bot.command(REP2, "claim D-1")
    await bot.wait_until(timedelta(hours=2))
    assert [m for m in bot.dms_to(REP) if "call the CFO" in m.text] == []
    assert [m for m in bot.dms_to(REP2) if "call the CFO" in m.text]
