"""What reaches /slack/events: signatures, URL verification, health, hostile and oversized input."""

from __future__ import annotations

import json
import time

import pytest

from tests.scenario.harness import REP, REP2, Bot

HOSTILE = [
    "",
    "frobnicate everything",
    "stage",
    "note D-999 hello",
    "new Pilot amount:-5",
    "new Pilot amount:abc",
    "new Pilot amount:1e999",
    "new Pilot close:yesterday-ish",
    'new "unclosed quote',
    "new Robert'); DROP TABLE deals;-- customer:x",
    "new <!channel> &lt;b&gt;hi&lt;/b&gt; *bold* `code`",
    "new \u202eevil\u200b \u200fname",
    "followup yesterday call",
    "score budget:1 authority:maybe need:yes timing:3",
    "lost",
    "x" * 4001,
    "note " + "y" * 3995,
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
async def test_bad_input_gets_a_private_reply_in_time_and_the_bot_keeps_serving(bot: Bot, text: str) -> None:
    started = time.monotonic()
    reply = await bot.command(REP, text)
    assert time.monotonic() - started < 3, "Slack must get its answer within 3 s"
    assert reply.body.get("response_type") == "ephemeral"
    assert reply.text
    assert "<!channel>" not in reply.all_text and "<!here>" not in reply.all_text
    follow = await bot.command(REP, "list")
    assert follow.text, "the bot keeps serving"


async def test_hostile_titles_are_stored_verbatim_and_never_ping(bot: Bot) -> None:
    reply = await bot.command(REP, "new <!channel> Robert'); DROP TABLE deals;-- &lt;b&gt;")
    assert "D-1" in reply.text
    card = bot.messages_in(bot.channel_of(1).id)[0]
    rendered = card.text + json.dumps(card.blocks)
    assert "<!channel>" not in rendered
    assert "DROP TABLE deals" in rendered
    assert (await bot.command(REP, "info D-1")).text


async def test_a_bad_signature_or_old_timestamp_is_401_and_has_no_effect(bot: Bot) -> None:
    body = bot.command_body(REP, "new Pilot", key="forged")
    forged = await bot.post(body, "application/x-www-form-urlencoded", secret="not-the-secret")
    stale = await bot.post(body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 600)
    assert (forged.status, stale.status) == (401, 401)
    await bot.settle()
    assert not bot.slack.calls_to("conversations.create")
    assert not bot.slack.responses


async def test_url_verification_answers_the_challenge(bot: Bot) -> None:
    body = json.dumps({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"})
    response = await bot.post(body, "application/json")
    assert response.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in await response.text()


async def test_healthz_reports_the_database(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    assert bot._http is not None
    url = bot.url.replace("/slack/events", "/healthz")
    async with bot._http.get(url) as response:
        assert response.status == 200

    async def database_down(engine: object) -> bool:
        return False

    monkeypatch.setattr("bot.wiring.server.ping", database_down)
    async with bot._http.get(url) as response:
        assert response.status == 503


async def test_another_reps_deal_list_shows_only_what_they_may_see(bot: Bot) -> None:
    await bot.command(REP, "new Mine customer:Acme")
    await bot.command(REP2, "new Theirs customer:Globex")
    mine = await bot.command(REP, "list")
    assert "Mine" in mine.all_text and "Theirs" not in mine.all_text
    refused = await bot.command(REP, "list all")
    assert "admin" in refused.text.lower()
