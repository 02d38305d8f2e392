"""The English-leak checker (tests/leaks.py) itself: it catches our words and lets through what stays English."""

from __future__ import annotations

import pytest
from slack_sdk.models.blocks import HeaderBlock, PlainTextObject

from tests.leaks import cjk_runs, english_leaks, foreign_cjk, leak_report, texts


def msg(text: str) -> dict:
    return {"text": "回退文本", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


@pytest.mark.parametrize("text", [
    "Stage changed",
    "阶段变更：*方案报价* → *商务谈判* by <@U1>",
    "共 3 个商机 in all",
    "Won 🎉",
    "还有 12 more",
    "Log note",
])
def test_it_catches_english(text: str) -> None:
    assert english_leaks(msg(text))


def test_it_names_the_words_and_where_they_came_from() -> None:
    assert english_leaks(msg("Stage changed: *方案报价*")) == ["Stage", "changed"]
    assert leak_report(msg("Stage changed")) == ["Stage, changed  <-  'Stage changed'"]


@pytest.mark.parametrize("text", [
    "阶段变更 `/deal stage D-1 proposal`",
    "阶段变更 /deal stage D-1 proposal",
    "用 /deal claim D-&lt;n&gt; 认领。",
    "还没有人担任 `cs` 角色（/deal role @user cs）",
    "新建商机：/deal new &lt;title&gt; customer:… amount:…",
    "<@U0REP1> 把 <#C0123|销售> 的 D-42 移到 *方案报价*（<!here>）",
    "详见 <https://example.com/a?b=c|链接> 或 https://slack.com/app_redirect?channel=C1",
    ":wave: 欢迎 :tada:",
    "```/deal report team\nmore text here```",
    "2026年11月24日 14:00 · 150,000 · 15万 · 150k · 1.5m · 50% · 4/7 · 2026-12-01",
    "Dealroom 已连接 Slack；导出 CSV 与 PNG；CRM ID 与 API",
    "",
])
def test_it_accepts_what_stays_english(text: str) -> None:
    assert english_leaks(msg(text)) == []


def test_it_reads_every_human_readable_string_of_a_view() -> None:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "New deal"},
        "submit": {"type": "plain_text", "text": "Create"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "callback_id": "new_deal",  # ids and values are not read
        "private_metadata": "{\"channel_id\": null}",
        "blocks": [
            {"type": "input", "block_id": "title", "label": {"type": "plain_text", "text": "Title"},
             "hint": {"type": "plain_text", "text": "Hint"},
             "element": {"type": "plain_text_input", "action_id": "title",
                         "placeholder": {"type": "plain_text", "text": "Placeholder"}}},
            {"type": "input", "block_id": "via", "label": {"type": "plain_text", "text": "方式"},
             "element": {"type": "static_select", "action_id": "via",
                         "options": [{"value": "call", "text": {"type": "plain_text", "text": "Call"}}]}},
            {"type": "actions", "elements": [{"type": "button", "action_id": "x", "value": "keep",
                                              "text": {"type": "plain_text", "text": "Save"}}]},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "Context"}]},
            {"type": "header", "text": {"type": "plain_text", "text": "Header"}},
            {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Field*"}]},
        ],
    }
    assert sorted(english_leaks(view)) == sorted(["New", "deal", "Create", "Cancel", "Title", "Hint", "Placeholder",
                                                  "Call", "Save", "Context", "Header", "Field"])


def test_it_reads_a_messages_fallback_text_and_slack_sdk_blocks() -> None:
    assert english_leaks({"text": "Fallback here", "blocks": []}) == ["Fallback", "here"]
    assert english_leaks([HeaderBlock(text=PlainTextObject(text="Header"))]) == ["Header"]
    assert list(texts(msg("正文"))) == ["回退文本", "正文"]


def test_chinese_runs_not_from_the_data_are_ours() -> None:
    payload = msg("*D-1* 华为云项目 · 赢单")
    assert cjk_runs(payload) == ["回退文本", "华为云项目", "赢单"]
    assert foreign_cjk(payload, ["回退文本", "华为云项目升级"]) == ["赢单"]
