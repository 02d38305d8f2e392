"""Several requests and several deliverers at once: one channel per deal, never two."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

from bot.delivery.outbox import Deliverer
from tests.scenario.harness import NEWCOMER, REP, REP2, Bot

PAYLOADS = Path(__file__).resolve().parent.parent / "data" / "payloads"


async def test_concurrent_new_deals_each_get_exactly_one_channel(bot: Bot) -> None:
    replies = await asyncio.gather(*(
        bot.command(REP if i % 2 else REP2, f"new Deal {i} customer:Acme", settle=False) for i in range(8)
    ))
    await bot.settle()
    assert all("Created" in r.text for r in replies)
    deal_channels = sorted(c.name for c in bot.slack.channels.values() if c.name.startswith("deal-"))
    assert deal_channels == sorted(f"deal-{n}-acme" for n in range(1, 9))
    assert len([c for c in bot.slack.calls_to("conversations.create") if c.ok]) == 8


async def test_two_processes_delivering_the_same_outbox_create_one_channel_and_one_card(bot: Bot) -> None:
    bot.slack.outage(True)
    await bot.command(REP, "new Pilot customer:Acme amount:150k")
    bot.slack.outage(False)
    deps = bot.deps
    other = Deliverer(deps.sessions, deps.gateway, deps.ws, deps.clock, worker_id="other-process")
    bot.clock.advance(timedelta(minutes=5))
    await asyncio.gather(deps.deliverer.drain(), other.drain(), deps.deliverer.drain(), other.drain())
    await asyncio.gather(deps.deliverer.drain(), other.drain())
    channel = bot.channel_of(1)
    assert len([c for c in bot.slack.calls_to("conversations.create") if c.ok]) == 1
    assert len(bot.messages_in(channel.id)) == 1 and channel.pins == [bot.messages_in(channel.id)[0].ts]


async def test_slacks_own_captured_payload_shape_is_understood(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme")
    channel = bot.channel_of(1).id
    await bot.slack.add_member(channel, NEWCOMER)
    envelope = json.loads((PAYLOADS / "event_member_joined_channel_captured.json").read_text())
    envelope["event"].update(user=NEWCOMER, channel=channel, team=bot.slack.team_id)
    # captured in another workspace: as Slack would send it to ours (others' are refused)
    envelope["team_id"] = envelope["authorizations"][0]["team_id"] = bot.slack.team_id
    body = json.dumps(envelope)
    response = await bot.post(body, "application/json")
    assert response.status == 200
    await bot.slack.wait_for(lambda: any(m.ephemeral_to == NEWCOMER for m in bot.slack.messages[channel]))


async def test_one_persons_quick_commands_are_handled_in_the_order_they_came(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme")
    channel = bot.channel_of(1).id
    keys = ["quick-score", "quick-next"]
    for key, text in zip(keys, ["score budget:200k authority:yes need:yes timing:10", "next"], strict=True):
        response = await bot.post(bot.command_body(REP, text, channel=channel, key=key),
                                  "application/x-www-form-urlencoded")
        assert response.status == 200
    replies = [await bot.reply(key) for key in keys]
    assert "scores *10*" in replies[0].text
    assert "Qualified" in replies[1].text, "next must see the score typed just before it"
