"""What each Slack error does to a delivery (retry, skip, park, halt), crash-safe posting, per-method
429s, and parked messages told to admins once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.delivery.outbox import CARD_EVENT, STAGE_EVENT
from models.infra.tables import OutboxMessage
from scheduler.jobs import alert_parked
from tests.scenario.harness import ADMIN, REP, Bot


@pytest.fixture(autouse=True)
def short_channel_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """`/deal new` waits 2 s for a channel Slack is not creating here; the replies are not under test."""
    monkeypatch.setattr("handlers.commands.deals.CHANNEL_WAIT_SECONDS", 0.2)


async def statuses(bot: Bot) -> dict[str, str]:
    async with bot.deps.sessions() as session:
        return {row.kind: row.status for row in await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))}


def card_posts(bot: Bot, channel_id: str) -> list:
    return [m for m in bot.bot_messages(channel_id) if (m.metadata or {}).get("event_type") == CARD_EVENT]


# (method that fails, error, the row kind it hits, its status after an hour, most calls of the method)
ERROR_OUTCOMES = [
    ("conversations.invite", "already_in_channel", "invite", "sent", 1),
    ("conversations.invite", "cant_invite_self", "invite", "sent", 1),
    ("conversations.invite", "user_not_found", "invite", "sent", 1),
    ("pins.add", "already_pinned", "pin_card", "sent", 1),
    ("pins.add", "channel_not_found", "pin_card", "parked", 1),
    ("pins.add", "is_archived", "pin_card", "parked", 1),
    ("pins.add", "message_not_found", "pin_card", "parked", 1),
    ("chat.postMessage", "msg_too_long", "post_card", "parked", 1),
    ("chat.postMessage", "missing_scope", "post_card", "parked", 1),
    ("conversations.setTopic", "not_in_channel", "set_topic", "sent", 2),  # joins, then sets it
    ("conversations.setTopic", "internal_error", "set_topic", "sent", 2),
    ("conversations.setTopic", "ratelimited", "set_topic", "sent", 2),
    ("conversations.setTopic", "too_long", "set_topic", "parked", 1),
]


@pytest.mark.parametrize(("method", "error", "kind", "status", "most_calls"), ERROR_OUTCOMES,
                         ids=[f"{m}-{e}" for m, e, *_ in ERROR_OUTCOMES])
async def test_each_slack_error_has_one_outcome_and_no_endless_retries(
    bot: Bot, method: str, error: str, kind: str, status: str, most_calls: int
) -> None:
    if error == "ratelimited":
        bot.slack.fail(method, status=429, retry_after=30)
    else:
        bot.slack.fail(method, error=error)
    await bot.command(REP, "new Pilot customer:Acme")
    await bot.advance(timedelta(hours=1))
    await bot.advance(timedelta(hours=1))
    assert (await statuses(bot))[kind] == status
    assert 1 <= len(bot.slack.calls_to(method)) <= most_calls, bot.slack.describe()
    others = {k: s for k, s in (await statuses(bot)).items() if k not in (kind, "pin_card")}
    assert set(others.values()) == {"sent"}, others  # the lane went on past the row


async def test_a_revoked_token_halts_deliveries_without_parking_and_resumes_once_fixed(bot: Bot) -> None:
    bot.slack.fail(None, error="token_revoked", times=3)
    await bot.command(REP, "new Pilot customer:Acme", settle=False)
    await bot.command(REP, "new Pilot customer:Beta", settle=False)
    await bot.settle()
    tried = len(bot.slack.calls)
    await bot.advance(timedelta(minutes=2))
    assert len(bot.slack.calls) == tried, "halted: no call while the token is refused"
    assert set((await statuses(bot)).values()) == {"pending"}
    status, body = await health(bot)
    assert status == 503 and body["outbox"]["state"] == "halted"
    await bot.advance(timedelta(minutes=5))
    await bot.advance(timedelta(minutes=5))
    assert set((await statuses(bot)).values()) == {"sent"}
    assert bot.channel_of(1).pins and bot.channel_of(2).pins


async def health(bot: Bot) -> tuple[int, dict]:
    assert bot._http is not None
    async with bot._http.get(bot.url.replace("/slack/events", "/healthz")) as response:
        return response.status, await response.json()


async def test_healthz_reports_the_backlog_and_503_once_the_outbox_is_stuck(bot: Bot) -> None:
    status, body = await health(bot)
    assert status == 200 and body["outbox"] == {"state": "ok", "pending": 0, "oldest_due_seconds": 0.0, "parked": 0}
    await bot.deps.deliverer.stop()  # nobody delivers: a dead deliverer
    await bot.command(REP, "new Pilot customer:Acme", settle=False)
    bot.clock.advance(timedelta(minutes=4))
    status, body = await health(bot)
    assert status == 200 and body["outbox"]["pending"] == 5 and body["outbox"]["oldest_due_seconds"] >= 240
    bot.clock.advance(timedelta(minutes=2))
    status, body = await health(bot)
    assert status == 503 and body["outbox"]["state"] == "stuck"


async def test_a_card_slack_took_but_whose_answer_was_lost_is_found_not_posted_again(bot: Bot) -> None:
    bot.slack.fail("chat.postMessage", connection_error=True, process=True)
    await bot.command(REP, "new Pilot customer:Acme")
    await bot.advance(timedelta(minutes=1))
    channel = bot.channel_of(1)
    assert len(card_posts(bot, channel.id)) == 1 and channel.pins == [card_posts(bot, channel.id)[0].ts]
    assert [c.args.get("include_all_metadata") for c in bot.slack.calls_to("conversations.history")] == ["1"]


async def test_a_card_never_posted_is_posted_on_retry(bot: Bot) -> None:
    bot.slack.fail("chat.postMessage", status=503)
    await bot.command(REP, "new Pilot customer:Acme")
    await bot.advance(timedelta(minutes=1))
    channel = bot.channel_of(1)
    assert len(card_posts(bot, channel.id)) == 1 and channel.pins


async def test_a_stage_card_whose_answer_was_lost_is_not_posted_twice(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme")
    await bot.command(REP, "score D-1 budget:200k authority:yes need:yes timing:10")
    bot.slack.fail("chat.postMessage", status=500, process=True)
    await bot.command(REP, "next D-1")
    await bot.advance(timedelta(minutes=1))
    channel = bot.channel_of(1)
    stage_posts = [m for m in bot.bot_messages(channel.id) if (m.metadata or {}).get("event_type") == STAGE_EVENT]
    assert len(stage_posts) == 1 and "Qualified" in stage_posts[0].text


async def test_a_429_pauses_that_method_everywhere_not_other_methods(paced_bot: Bot) -> None:
    bot = paced_bot
    await bot.command(REP, "new Pilot customer:Acme")
    bot.slack.fail("conversations.setTopic", status=429, retry_after=60)
    await bot.command(REP, "score D-1 budget:200k authority:yes need:yes timing:10")
    topic_calls = len(bot.slack.calls_to("conversations.setTopic"))
    await bot.command(REP, "new Second customer:Beta")  # another lane: its create and card go on, its topic waits
    assert bot.channel_of(2).pins
    assert len(bot.slack.calls_to("conversations.setTopic")) == topic_calls, "setTopic was paused"
    await bot.advance(timedelta(seconds=61))
    assert "Lead" in bot.channel_of(2).topic and bot.channel_of(1).topic


async def test_a_burst_of_deals_is_paced_under_the_tier_instead_of_provoking_429s(paced_bot: Bot) -> None:
    bot = paced_bot
    bot.slack.clock = lambda: bot.clock.now().timestamp()
    bot.slack.tier_limits(True)
    for i in range(21):  # one more than Tier 2 allows in a minute
        await bot.command(REP, f"new Deal {i} customer:C{i}", settle=False)
    await bot.settle()
    for _ in range(8):
        await bot.advance(timedelta(seconds=20))
    assert len([c for c in bot.slack.channels.values() if c.name.startswith("deal-")]) == 21
    assert [c for c in bot.slack.calls if c.status == 429] == []
    assert set((await statuses(bot)).values()) == {"sent"}


async def test_parked_messages_are_told_to_admins_once_in_one_dm(bot: Bot) -> None:
    bot.slack.fail("pins.add", error="message_not_found")
    bot.slack.fail("conversations.setTopic", error="too_long")
    await bot.command(REP, "new Pilot customer:Acme")
    lanes = (await alert_parked(bot.deps)).lanes
    assert lanes == [f"dm:{ADMIN}"]
    await bot.deps.deliverer.drain(lanes)
    assert (await alert_parked(bot.deps)).lanes == []
    await bot.settle()
    dm = bot.slack.messages[bot.slack.ims[ADMIN]]
    assert len(dm) == 1 and "2 Slack message" in dm[0].text
    assert "pin_card: slack: message_not_found" in dm[0].text and "dealroom outbox --retry" in dm[0].text


async def test_the_outbox_command_lists_parked_messages_and_requeues_one(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, tmp_path, capsys: pytest.CaptureFixture[str]  # type: ignore[no-untyped-def]
) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", bot.settings.database_url)
    bot.slack.fail("pins.add", error="channel_not_found")
    await bot.command(REP, "new Pilot customer:Acme")
    assert await asyncio.to_thread(main, ["outbox", "--parked"], clock=bot.clock) == 0
    out = capsys.readouterr().out
    assert "parked 1" in out and "pin_card" in out and "channel_not_found" in out
    parked_id = next(row.id for row in await all_rows(bot) if row.status == "parked")
    assert await asyncio.to_thread(main, ["outbox", "--retry", str(parked_id)], clock=bot.clock) == 0
    await bot.settle()  # the running bot delivers it at once: the command asked the bot's clock
    assert {row.status for row in await all_rows(bot)} == {"sent"} and bot.channel_of(1).pins
    assert await asyncio.to_thread(main, ["outbox", "--retry", "99999"], clock=bot.clock) == 1


async def all_rows(bot: Bot) -> list[OutboxMessage]:
    async with bot.deps.sessions() as session:
        return list(await session.scalars(select(OutboxMessage)))
