"""Messages are worded when they are delivered, not when they are queued: a DM the domain queued as a sentence
with words, a typed notice, and rows queued in the format from before (text and blocks rendered when queued),
all as Slack receives them."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from models.infra.i18n import t
from models.infra.outbox import deal_lane, dm_lane, enqueue
from models.infra.words import DealRef, Moment, Person
from models.values import format_when
from tests.scenario.harness import MANAGER, REP, Bot


async def test_dms_are_worded_at_delivery_from_a_sentence_a_notice_or_text_from_before(bot: Bot) -> None:
    now = bot.clock.now()
    due = now + timedelta(days=1)
    handed = t("{who} handed you {deal}: {why}", who=Person(MANAGER), deal=DealRef(7), why="<!here> R&D <b>")
    async with bot.deps.sessions.begin() as session:
        for payload in (
            {"body": {"locale": "en", "text": handed.to_data()}},
            {"body": {"locale": "zh-CN", "text": t("due {when}", when=Moment(due, "Asia/Shanghai")).to_data()}},
            {"blocks_kind": "pool_notice", "data": {"what": "pooled", "number": 7, "title": "Acme <pilot>",
                                                    "days": 30}},
            {"text": f"queued before: *D-7* from <@{MANAGER}>", "blocks": []},
        ):
            await enqueue(session, lane=dm_lane(REP), kind="dm", now=now, payload={"user": REP, **payload})
    await bot.deps.deliverer.drain()

    texts = bot.dm_texts(REP)
    assert texts[0] == f"<@{MANAGER}> handed you *D-7*: &lt;!here&gt; R&amp;D &lt;b&gt;", bot.slack.describe()
    assert texts[1] == f"应于 {format_when(due, ZoneInfo('Asia/Shanghai'), 'zh-CN')}", "as it was written"
    assert texts[2].startswith("*D-7* Acme &lt;pilot&gt; had no update for 30 days and went to the public pool")
    assert texts[3] == f"queued before: *D-7* from <@{MANAGER}>"


async def test_a_channel_message_queued_before_notices_still_delivers(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme")
    async with bot.deps.sessions.begin() as session:
        await enqueue(session, lane=deal_lane(1), kind="post_message", deal_id=1, now=bot.clock.now(),
                      payload={"text": "archived soon", "blocks": []})
        await enqueue(session, lane=deal_lane(1), kind="pool_notice", deal_id=1, now=bot.clock.now(),
                      payload={"what": "archive", "days": 30})
    await bot.deps.deliverer.drain()
    texts = [m.text for m in bot.bot_messages(bot.channel_of(1).id)]
    assert texts[-2] == "archived soon"
    assert texts[-1].startswith("This deal was lost 30 days ago, so its channel is archived now.")
