"""Cards, buttons, modals and the rest of a deal's life, driven as Slack would."""

from __future__ import annotations

import json
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.blocks.ids import ActionId, BlockId, CallbackId
from handlers.commands.table import OFFERED, ROUTES, UsageError, parse_command
from tests.clock import fake_clock
from tests.scenario import dates
from tests.scenario.harness import ADMIN, MANAGER, REP, REP2, Bot


async def test_won_and_lost_from_any_open_stage_and_reopening(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme amount:150k")
    channel = bot.channel_of(1).id
    refused = await bot.command(REP, "lost", channel=channel)
    assert "reason" in refused.all_text.lower()

    lost = await bot.command(REP, "lost went with a competitor", channel=channel)
    assert "lost" in lost.text.lower()
    assert "went with a competitor" in bot.messages_in(channel)[-1].text + str(bot.messages_in(channel)[-1].blocks)
    again = await bot.command(REP, "won", channel=channel)
    assert "closed" in again.all_text.lower() or "already" in again.all_text.lower()

    reopened = await bot.command(REP, "stage lead", channel=channel)
    assert "Reopened" in reopened.text
    won = await bot.command(REP, "won amount:145k", channel=channel)
    assert "won" in won.text.lower()
    info = await bot.command(REP, "info", channel=channel)
    assert "145,000" in info.all_text


async def test_backward_moves_are_allowed_and_recorded(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme amount:150k")
    channel = bot.channel_of(1).id
    await bot.command(REP, "score budget:200k authority:yes need:yes timing:10", channel=channel)
    await bot.command(REP, "stage 4", channel=channel)
    back = await bot.command(REP, "stage discovery", channel=channel)
    assert "Moved back" in back.text
    history = await bot.command(REP, "history", channel=channel)
    assert "moved back Proposal → Discovery" in history.all_text
    assert "moved Lead → Proposal" in history.all_text


async def test_set_names_custom_fields_so_a_typo_shows(bot: Bot) -> None:
    await bot.command(REP, "new Pilot")
    year = bot.clock.now().year + 1
    reply = await bot.command(REP, f'set D-1 amout:150k customer:"Acme Corp" close:{year}-12-31')
    assert "custom field amout" in reply.text
    assert "customer → Acme Corp" in reply.text
    assert str(year) in reply.text


async def test_the_card_buttons_move_the_stage_and_open_the_note_form(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme amount:150k")
    channel = bot.channel_of(1)
    await bot.command(REP, "score budget:200k authority:yes need:yes timing:10", channel=channel.id)
    card = bot.messages_in(channel.id)[0]
    assert ActionId.NEXT_STAGE.value in json.dumps(card.blocks)

    key = await bot.click(REP, ActionId.NEXT_STAGE.value, "1", channel=channel.id, message_ts=card.ts)
    moved = await bot.reply(key)
    await bot.settle()
    assert "Qualified" in moved.text
    assert "Qualified" in str(bot.messages_in(channel.id)[0].blocks)

    refused_key = await bot.click(REP2, ActionId.NEXT_STAGE.value, "1", channel=channel.id, message_ts=card.ts)
    assert "can't change" in (await bot.reply(refused_key)).text

    await bot.click(REP, ActionId.LOG_NOTE.value, "1", channel=channel.id, message_ts=card.ts)
    await bot.slack.wait_for(lambda: bool(bot.slack.calls_to("views.open")))
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    assert view["callback_id"] == CallbackId.LOG_NOTE.value
    response = await bot.submit(REP, CallbackId.LOG_NOTE.value,
                                {BlockId.NOTE_TEXT.value: "demo went well", BlockId.NOTE_NEXT.value: "in 3d"},
                                private_metadata=view["private_metadata"])
    assert response.status == 200
    await bot.slack.wait_for(lambda: any(
        m.ephemeral_to == REP and "Noted" in m.text for m in bot.slack.messages.get(channel.id, [])))
    history = await bot.command(REP, "history D-1")
    assert "demo went well" in history.all_text


async def test_a_bad_time_in_the_note_form_is_shown_in_the_form(bot: Bot) -> None:
    await bot.command(REP, "new Pilot")
    response = await bot.submit(REP, CallbackId.LOG_NOTE.value,
                                {BlockId.NOTE_TEXT.value: "x", BlockId.NOTE_NEXT.value: "last tuesday maybe"},
                                private_metadata='{"deal": 1}')
    body = await response.json()
    assert body["response_action"] == "errors" and BlockId.NOTE_NEXT.value in body["errors"]


async def test_new_without_a_title_opens_the_form_which_creates_the_deal(bot: Bot) -> None:
    key = "cmd-new-form"
    response = await bot.post(bot.command_body(REP, "new", key=key), "application/x-www-form-urlencoded")
    assert response.status == 200
    await bot.slack.wait_for(lambda: bool(bot.slack.calls_to("views.open")))
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    assert view["callback_id"] == CallbackId.NEW_DEAL.value

    bad = await bot.submit(REP, CallbackId.NEW_DEAL.value, {BlockId.TITLE.value: "Pilot",
                                                          BlockId.AMOUNT.value: "lots"},
                           private_metadata=view["private_metadata"])
    assert (await bad.json())["errors"].keys() == {BlockId.AMOUNT.value}
    good = await bot.submit(REP, CallbackId.NEW_DEAL.value, {BlockId.TITLE.value: "Pilot",
                                                           BlockId.CUSTOMER.value: "Globex",
                                                           BlockId.AMOUNT.value: "15万"},
                            private_metadata=view["private_metadata"])
    assert good.status == 200
    await bot.slack.wait_for(lambda: any(c.name == "deal-1-globex" for c in bot.slack.channels.values()))
    await bot.settle()
    assert "150,000" in bot.messages_in(bot.channel_of(1).id)[0].text


async def test_followups_are_stored_for_the_owner_and_confirmed_in_the_callers_zone(bot: Bot) -> None:
    await bot.command(REP, "new Pilot")
    reply = await bot.command(REP, "followup D-1 tomorrow 10:00 send the contract")
    tomorrow = dates.day_at(bot.clock.now(), days=1, at=time(10, 0), tz="Europe/Berlin")
    assert f"{dates.short_date(tomorrow)}, 10:00 (Europe/Berlin)" in reply.text
    past = await bot.command(REP, "followup D-1 2020-01-01 too late")
    assert "past" in past.text
    listed = await bot.command(REP, "list")
    assert "send the contract" in listed.all_text
    await bot.advance(timedelta(days=2))
    overdue = await bot.command(REP, "list")
    assert "⚠" in overdue.all_text


async def test_assign_hands_the_deal_over_and_invites_the_new_owner(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme")
    reply = await bot.command(REP, f"assign D-1 <@{REP2}|ben>")
    assert REP2 in reply.text
    assert REP2 in bot.channel_of(1).members
    refused = await bot.command(REP, "note D-1 still mine?")
    assert "can't change" in refused.text
    assert "Owner" in str(bot.messages_in(bot.channel_of(1).id)[0].blocks)


async def test_channel_members_may_read_but_not_write(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme")
    channel = bot.channel_of(1).id
    await bot.slack.add_member(channel, MANAGER)
    info = await bot.command(MANAGER, "info", channel=channel)
    assert "Pilot" in info.all_text
    elsewhere = await bot.command(MANAGER, "info D-1")
    assert "can't see" in elsewhere.text
    write = await bot.command(MANAGER, "note hello", channel=channel)
    assert "can't change" in write.text
    assert (await bot.command(ADMIN, "info D-1")).all_text.count("Pilot") >= 1


async def test_stage_changes_also_go_to_the_feed_channel(slack, db_url: str) -> None:  # type: ignore[no-untyped-def]
    slack.add_channel("sales-feed", is_private=False, creator=ADMIN)
    feed = slack.channel_named("sales-feed").id
    bot = await Bot(slack, db_url, dealroom_feed_channel=feed).start()
    try:
        await bot.command(REP, "new Pilot customer:Acme amount:150k")
        await bot.command(REP, "score D-1 budget:200k authority:yes need:yes timing:10")
        await bot.command(REP, "next D-1")
        posted = [m for m in slack.messages.get(feed, []) if not m.ephemeral_to]
        assert len(posted) == 1 and "Qualified" in posted[0].text
    finally:
        await bot.stop()


async def test_what_a_command_queued_is_delivered_when_it_commits_the_feed_too(slack, db_url: str) -> None:  # type: ignore[no-untyped-def]
    """The runner delivers the lanes of the outbox rows a transaction wrote, whichever they are: the feed's card
    does not wait for the outbox tick (which does not run here at all)."""
    slack.add_channel("sales-feed", is_private=False, creator=ADMIN)
    feed = slack.channel_named("sales-feed").id
    bot = await Bot(slack, db_url, dealroom_feed_channel=feed).start()
    try:
        await bot.command(REP, "new Pilot customer:Acme amount:150k")
        await bot.command(REP, "score D-1 budget:200k authority:yes need:yes timing:10")
        await bot.command(REP, "next D-1", settle=False)

        def in_the_feed() -> bool:
            return any("Qualified" in m.text for m in slack.messages.get(feed, []) if not m.ephemeral_to)

        await slack.wait_for(in_the_feed)
    finally:
        await bot.stop()


OFFERED_EXAMPLES = {
    "new": "new Pilot", "stage": "stage D-1 lead", "next": "next D-1", "set": "set D-1 amount:5",
    "note": "note D-1 hi", "followup": "followup D-1 in 2h call", "won": "won D-1", "lost": "lost D-1 price",
    "score": "score D-1 budget:1 authority:yes need:no timing:3", "info": "info D-1", "history": "history D-1",
    "list": "list", "assign": "assign D-1 <@U1>", "invite": "invite D-1 <@U1>", "help": "help",
    "pool": "pool", "claim": "claim D-1",
    "role": "role <@U1> legal", "team": "team <@U1> manager:<@U2>",
    "approvals": "approvals",
}
OFFERED_EXAMPLES |= {"report": "report week team", "target": "target <@U1> month 5k", "territory": "territory"}


def test_every_offered_subcommand_has_a_route_and_others_are_unknown() -> None:
    now, utc = fake_clock().now(), ZoneInfo("UTC")
    assert set(OFFERED_EXAMPLES) == OFFERED
    for text in OFFERED_EXAMPLES.values():
        assert type(parse_command(text, now=now, tz=utc, subcommands=OFFERED)) in ROUTES, text
    with pytest.raises(UsageError, match="don't know"):
        parse_command("frobnicate D-1", now=now, tz=utc, subcommands=OFFERED)


async def test_link_buttons_and_home_tab_visits_are_acknowledged(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme")
    await bot.click(REP, ActionId.OPEN_CHANNEL.value, "1", channel=bot.channel_of(1).id)
    home = {"type": "app_home_opened", "user": REP, "channel": "D0001", "tab": "home", "event_ts": "1.1"}
    assert await bot.event(home, event_id="EvHome1") == 200


async def test_a_button_value_we_did_not_write_gets_a_private_word(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme")
    channel = bot.channel_of(1).id
    for action_id, value in ((ActionId.NEXT_STAGE.value, "abc"), (ActionId.HISTORY_PAGE.value, "1;DROP")):
        reply = await bot.reply(await bot.click(REP, action_id, value, channel=channel))
        assert "out of date" in reply.text
