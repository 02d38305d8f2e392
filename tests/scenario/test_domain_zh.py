"""DEALROOM_LOCALE=zh-CN: the domain's refusals and input errors reach Slack in Chinese (issue 7, SPEC 2).

Driven as Slack would: signed HTTP in, private replies read from the emulator. Every reply checked must
be Chinese, with English only where the SPEC keeps it: `code` spans (command syntax), mentions, D-refs,
/deal subcommands, stage keys and what the user typed (quoted back).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from sqlalchemy import select

from bot.blocks.ids import ActionId
from models.infra.tables import ApprovalRequest, TimelineEntry
from tests import leaks
from tests.emulator import SlackEmulator
from tests.scenario.conftest import pipeline_file, started_bot
from tests.scenario.harness import ADMIN, MANAGER, NEWCOMER, REP, REP2, Bot
from tests.scenario.teams import make_team
from tests.shown import timeline_as_shown

PIPELINE = """\
[[stages]]
key = "lead"
name = "Lead"
name_zh = "线索"
probability = 10

[[stages]]
key = "proposal"
name = "Proposal"
name_zh = "方案报价"
probability = 50

[[stages.approvals]]
when = "discount > 15"
approvers = ["manager"]

[[stages]]
key = "negotiation"
name = "Negotiation"
name_zh = "商务谈判"
probability = 70

[[stages]]
key = "won"
name = "Won"
name_zh = "赢单"
probability = 100
closed = "won"

[[stages]]
key = "lost"
name = "Lost"
name_zh = "输单"
probability = 0
closed = "lost"
"""
STAGE_KEYS = {"lead", "proposal", "negotiation", "won", "lost"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def english_words(text: str) -> list[str]:
    return leaks.english_words(text, STAGE_KEYS)


def assert_chinese(text: str) -> None:
    assert CJK.search(text), text
    assert english_words(text) == [], f"English in a zh-CN reply: {english_words(text)} in {text!r}"


@pytest_asyncio.fixture
async def bot(slack: SlackEmulator, db_url: str, tmp_path: Path) -> AsyncIterator[Bot]:
    pipeline = pipeline_file(tmp_path, PIPELINE)
    async with started_bot(slack, db_url, dealroom_locale="zh-CN", dealroom_pipeline=pipeline) as running:
        yield running


async def _click(bot: Bot, user: str, action: ActionId, request_id: int) -> str:
    key = await bot.click(user, action.value, str(request_id), channel=bot.slack.ims.get(user, "C0GENERAL"))
    text = (await bot.reply(key)).text
    await bot.settle()
    return text


async def test_domain_refusals_and_input_errors_speak_chinese(bot: Bot) -> None:
    await make_team(bot, MANAGER, [REP])
    await bot.command(REP, "new Pilot customer:Acme amount:100k")

    unknown = (await bot.command(REP, "info D-99")).text
    assert "没有商机 D-99" in unknown
    assert_chinese(unknown)

    not_yours = (await bot.command(REP2, "note D-1 跟客户聊过了")).text
    assert "你不能修改 D-1" in not_yours and f"<@{REP}>（负责人）" in not_yours
    assert_chinese(not_yours)

    bad_amount = (await bot.command(REP, "set D-1 amount:lots")).text
    assert "无法将“lots”识别为金额" in bad_amount
    assert_chinese(bad_amount)

    past = (await bot.command(REP, "followup D-1 昨天上午10点 给客户打电话")).text
    assert "是过去的时间" in past and "年" in past  # the time shown the Chinese way
    assert_chinese(past)

    stage = (await bot.command(REP, "stage D-1 propsal")).text
    assert "没有阶段“propsal”" in stage and "“proposal”" in stage
    assert_chinese(stage)

    no_reason = (await bot.command(REP, "set D-1 discount:20")).text  # a handler's own words: not checked
    assert "D-1" in no_reason

    await bot.command(REP, "stage D-1 proposal")  # held for the manager's approval
    waiting = (await bot.command(REP, "stage D-1 negotiation")).text
    assert "正在等待进入方案报价的审批" in waiting and f"<@{MANAGER}>" in waiting
    assert_chinese(waiting)

    async with bot.deps.sessions() as session:
        request_id = (await session.scalars(select(ApprovalRequest.id))).one()
    own = await _click(bot, REP, ActionId.APPROVE, request_id)
    assert "你是 D-1 的负责人，不能审批它" in own
    assert_chinese(own)
    await _click(bot, MANAGER, ActionId.APPROVE, request_id)
    outsider = await _click(bot, REP2, ActionId.APPROVE, request_id)
    assert f"只有 <@{MANAGER}> 或管理员可以审批 D-1" in outsider
    assert_chinese(outsider)
    late = await _click(bot, ADMIN, ActionId.APPROVE, request_id)
    assert f"D-1 的审批已有结果：已由 <@{MANAGER}> 批准" in late
    assert_chinese(late)

    async with bot.deps.sessions() as session:
        history = list(await timeline_as_shown(session, TimelineEntry.deal_id == 1))
    assert history[0] == "创建了商机，阶段：线索"
    assert f"请 <@{MANAGER}> 审批 线索 → 方案报价（discount > 15）" in history
    assert "批准了 线索 → 方案报价" in history


async def test_the_loser_of_a_claim_race_is_told_in_chinese_who_holds_the_deal(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme amount:150k")
    await bot.command(REP, "lost D-1 选了竞争对手")

    replies = await asyncio.gather(bot.command(REP2, "claim D-1", settle=False),
                                   bot.command(NEWCOMER, "claim D-1", settle=False))
    await bot.settle()
    losers = [r.text for r in replies if "不在公海中" in r.text]
    assert len(losers) == 1
    assert_chinese(losers[0])
    async with bot.deps.sessions() as session:
        claimed = list(await timeline_as_shown(session, TimelineEntry.kind == "owner"))
    assert len(claimed) == 1 and claimed[0].startswith("从公海领取了该商机")


def test_the_english_check_sees_english_and_spares_what_stays_english() -> None:
    assert english_words(":warning: 没有商机 D-99。\n试试：`/deal info D-42`") == []
    assert english_words("没有阶段“propsal”——你是想说“proposal”吗？参见 /deal help stage") == []
    assert english_words("There is no deal D-99.") == ["There", "is", "no", "deal"]
