"""A rep creates a deal and drives it through the pipeline, as Slack would deliver it."""

from __future__ import annotations

from tests.scenario.harness import ADMIN, REP, REP2, Bot


async def test_new_deal_gets_a_private_channel_with_pinned_card_topic_and_owner(bot: Bot) -> None:
    reply = await bot.command(REP, 'new Pilot customer:"Acme Corp" amount:150k')

    channel = bot.channel_of(1)
    assert channel.name == "deal-1-acme-corp"
    assert channel.is_private
    assert REP in channel.members
    assert "D-1" in reply.text and f"<#{channel.id}>" in reply.text
    card = bot.messages_in(channel.id)[0]
    assert card.ts in channel.pins
    assert "Pilot" in card.text and "150,000" in card.text
    assert "Lead" in channel.topic and "150,000" in channel.topic
    assert len(bot.slack.calls_to("conversations.create")) == 1


async def test_stage_moves_post_change_cards_and_keep_the_card_current(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme amount:150k")
    channel = bot.channel_of(1)

    refused = await bot.command(REP, "next", channel=channel.id)
    assert "score" in refused.all_text.lower()

    await bot.command(REP, "score budget:200k authority:yes need:yes timing:20", channel=channel.id)
    moved = await bot.command(REP, "next", channel=channel.id)
    assert "Qualified" in moved.text

    posts = bot.messages_in(channel.id)
    change_card = posts[-1]
    assert "Lead" in change_card.text and "Qualified" in change_card.text
    assert REP in str(change_card.blocks) and "150,000" in str(change_card.blocks) and "20%" in str(change_card.blocks)
    card = posts[0]
    assert "Qualified" in str(card.blocks), "the pinned card is updated in place"
    assert bot.slack.calls_to("chat.update"), "chat.update keeps the pinned card current"
    assert "Qualified" in channel.topic


async def test_a_stage_requirement_says_what_is_missing(bot: Bot) -> None:
    await bot.command(REP, "new Pilot")
    channel = bot.channel_of(1)
    refused = await bot.command(REP, "stage proposal", channel=channel.id)
    assert "amount" in refused.all_text.lower() and "score" in refused.all_text.lower()
    assert len(bot.messages_in(channel.id)) == 1, "a refused move posts nothing"


async def test_someone_else_cannot_change_the_deal_until_invited(bot: Bot) -> None:
    await bot.command(REP, "new Pilot amount:150k")
    refused = await bot.command(REP2, "note D-1 sneaky edit")
    assert "can't change D-1" in refused.text
    history = await bot.command(REP, "history D-1")
    assert "sneaky" not in history.all_text

    await bot.command(REP, f"invite D-1 <@{REP2}|ben>")
    assert REP2 in bot.channel_of(1).members
    noted = await bot.command(REP2, "note D-1 called the CFO via:call")
    assert "Noted" in noted.text
    admin = await bot.command(ADMIN, "set D-1 amount:1.5m")
    assert "1,500,000" in admin.text
