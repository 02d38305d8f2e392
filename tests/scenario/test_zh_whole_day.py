"""A whole working day with DEALROOM_LOCALE=zh-CN, driven as Slack would (issue 7, SPEC 2): every message,
private reply, view, topic and file the bot sent to the emulator is read afterwards, and none may show
English outside what the SPEC keeps English (command syntax in `code`, /deal subcommands and option keys,
mentions, D-refs). The sample data is Chinese, so any Latin word left is ours."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest_asyncio

from bot.blocks.ids import ActionId
from tests.emulator import SlackEmulator
from tests.leaks import english_leaks, leak_report
from tests.scenario.conftest import started_bot
from tests.scenario.harness import ADMIN, MANAGER, NEWCOMER, REP, REP2, Bot
from tests.scenario.teams import make_team

_events = itertools.count(1)


@pytest_asyncio.fixture
async def bot(slack: SlackEmulator, db_url: str) -> AsyncIterator[Bot]:
    async with started_bot(slack, db_url, dealroom_locale="zh-CN") as running:
        yield running


def _event(kind: str, user: str, channel: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "user": user, "channel": channel, "event_ts": "1700000000.000100", **extra}


def _everything_sent(bot: Bot) -> list[tuple[str, Any]]:
    sent: list[tuple[str, Any]] = []
    for call in bot.slack.calls:
        if not call.ok:
            continue
        if call.method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            sent.append((call.method, {"text": call.args.get("text") or "", "blocks": call.args.get("blocks") or []}))
        elif call.method.startswith("views."):
            sent.append((call.method, call.args["view"]))
        elif call.method == "conversations.setTopic":
            sent.append((call.method, {"text": call.args.get("topic") or ""}))
        elif call.method == "files.completeUploadExternal":
            sent.append((call.method, {"text": call.args.get("initial_comment") or "",
                                       "title": json.dumps(call.args.get("files"), ensure_ascii=False)}))
    sent += [("response_url", {"text": r["body"].get("text") or "", "blocks": r["body"].get("blocks") or []})
             for r in bot.slack.responses]
    return sent


async def test_a_whole_day_in_chinese_shows_no_english(bot: Bot) -> None:
    await make_team(bot, MANAGER, [REP, REP2])

    # A rep opens two deals, asks for help and works the first one.
    await bot.command(REP, "new 华为云迁移 customer:华为 amount:150万 source:老客户转介绍")
    await bot.command(REP, "new 数据中心扩容 customer:招商银行 amount:80万")
    channel = bot.channel_of(1).id
    for text in ("help", "help stage", "help followup", "list", "info D-1", "history D-1", "pool", "approvals"):
        await bot.command(REP, text)
    await bot.command(REP, "note D-1 和财务总监通了电话，预算已批 via:call")
    await bot.command(REP, "followup D-1 2小时后 给客户发方案")
    await bot.command(REP, "score D-1 budget:150万 authority:是 need:是 timing:30")
    await bot.command(REP, "next D-1")
    await bot.command(REP, "stage D-1 proposal")
    for wrong in ("stage D-1 不存在的阶段", "note D-9 无此商机", "followup D-1 昨天 太晚了", "set D-1 amount:很多"):
        await bot.command(REP, wrong)
    await bot.command(REP2, "note D-1 不是我的商机")

    # The card's Next-stage button, the follow-up's reminder, and Done.
    await bot.click(REP, ActionId.NEXT_STAGE.value, "1", channel=channel)
    await bot.settle()
    await bot.wait_until(timedelta(hours=2, minutes=1))
    reminders = [m for m in bot.dms_to(REP) if "给客户发方案" in (m.text or "")]
    assert reminders, bot.dm_texts(REP)
    followup_id = next(e["value"] for m in reminders for b in (m.blocks or []) if b["type"] == "actions"
                       for e in b["elements"] if e["action_id"] == ActionId.REMINDER_DONE.value)
    await bot.click(REP, ActionId.REMINDER_DONE.value, followup_id, channel=reminders[-1].channel,
                    message_ts=reminders[-1].ts)
    await bot.settle()

    # A newcomer joins the deal channel and reads the story; App Home for the rep and the manager.
    await bot.slack.add_member(channel, NEWCOMER, inviter=REP)
    await bot.event(_event("member_joined_channel", NEWCOMER, channel, channel_type="G", team="T0001",
                           inviter=REP), event_id=f"EvZh{next(_events)}")
    for user in (REP, MANAGER):
        await bot.event(_event("app_home_opened", user, "D0HOME", tab="home"), event_id=f"EvZh{next(_events)}")
    await bot.settle()

    # Won, lost, the pool and a claim; the manager's target, report (with its chart) and digest.
    await bot.command(REP, "won D-1 amount:145万")
    await bot.command(REP, "lost D-2 预算被砍")
    await bot.command(REP2, "claim D-2")
    await bot.command(MANAGER, f"target <@{REP}> month 500万")
    await bot.command(MANAGER, "report month team")
    await bot.command(ADMIN, f"team <@{REP2}>")
    await bot.wait_until(timedelta(days=1))
    await bot.settle()

    sent = _everything_sent(bot)
    assert len(sent) > 40 and any(kind == "views.publish" for kind, _ in sent)
    assert any(kind == "files.completeUploadExternal" for kind, _ in sent)
    leaks = {f"{kind}: {line}" for kind, payload in sent for line in leak_report(payload)}
    assert not leaks, "\n".join(sorted(leaks))
    assert all(english_leaks(payload) == [] for _, payload in sent)
