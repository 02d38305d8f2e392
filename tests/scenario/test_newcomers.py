"""Whoever joins a deal channel later is shown the deal's story, once (SPEC section 9)."""

from __future__ import annotations

from bot.blocks.ids import ActionId
from tests.scenario.harness import NEWCOMER, REP, REP2, Bot


def _joined(user: str, channel: str) -> dict:
    return {"type": "member_joined_channel", "user": user, "channel": channel, "channel_type": "G",
            "team": "T0001", "inviter": REP, "event_ts": "1700000000.000100"}


async def _deal_with_history(bot: Bot) -> str:
    await bot.command(REP, "new Pilot customer:Acme amount:150k")
    channel = bot.channel_of(1).id
    await bot.command(REP, "note called the CFO, budget approved via:call", channel=channel)
    await bot.command(REP, "followup tomorrow 10:00 send the proposal", channel=channel)
    return channel


def _ephemerals_to(bot: Bot, user: str, channel: str) -> list:
    return [m for m in bot.slack.messages.get(channel, []) if m.ephemeral_to == user]


async def test_a_newcomer_sees_the_card_and_latest_timeline_privately(bot: Bot) -> None:
    channel = await _deal_with_history(bot)
    await bot.slack.add_member(channel, NEWCOMER, inviter=REP)

    assert await bot.event(_joined(NEWCOMER, channel), event_id="Ev0001") == 200
    await bot.slack.wait_for(lambda: len(_ephemerals_to(bot, NEWCOMER, channel)) == 1)
    welcome = _ephemerals_to(bot, NEWCOMER, channel)[0]
    shown = str(welcome.blocks)
    assert "Pilot" in shown and "called the CFO" in shown and "send the proposal" in shown
    assert ActionId.HISTORY_PAGE.value in shown


async def test_a_retried_event_has_no_second_effect(bot: Bot) -> None:
    channel = await _deal_with_history(bot)
    await bot.slack.add_member(channel, NEWCOMER, inviter=REP)
    assert await bot.event(_joined(NEWCOMER, channel), event_id="Ev0002") == 200
    await bot.slack.wait_for(lambda: len(_ephemerals_to(bot, NEWCOMER, channel)) == 1)
    for retry in (1, 2, 3):
        assert await bot.event(_joined(NEWCOMER, channel), event_id="Ev0002", retry_num=retry) == 200
    await bot.settle()
    assert len(_ephemerals_to(bot, NEWCOMER, channel)) == 1


async def test_joining_an_unknown_channel_or_the_bot_joining_is_ignored(bot: Bot) -> None:
    channel = await _deal_with_history(bot)
    calls_before = len(bot.slack.calls)
    assert await bot.event(_joined(NEWCOMER, "C0UNKNOWN"), event_id="Ev0003") == 200
    assert await bot.event(_joined("UBOT", channel), event_id="Ev0004") == 200
    await bot.settle()
    assert not [c for c in bot.slack.calls[calls_before:] if c.method == "chat.postEphemeral"]


async def test_the_full_history_pages_in_place(bot: Bot) -> None:
    channel = await _deal_with_history(bot)
    for i in range(25):
        await bot.command(REP, f"note update number {i}", channel=channel, settle=False)
    await bot.settle()
    await bot.slack.add_member(channel, NEWCOMER)
    key = await bot.click(NEWCOMER, ActionId.HISTORY_PAGE.value, "1:1", channel=channel, ephemeral=True)
    first = await bot.reply(key)
    assert "update number 24" in first.all_text and "Older" in first.all_text
    key = await bot.click(NEWCOMER, ActionId.HISTORY_PAGE.value, "1:2", channel=channel, ephemeral=True)
    second = await bot.reply(key)
    assert "created the deal" in second.all_text
    assert second.body.get("replace_original") is True


async def test_people_in_the_history_are_mentions_not_escaped_text(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme")
    channel = bot.channel_of(1).id
    await bot.command(REP, f"assign <@{REP2}|ben>", channel=channel)
    history = await bot.command(REP2, "history", channel=channel)
    assert f"<@{REP2}>" in history.all_text
    assert "&lt;@" not in history.all_text
