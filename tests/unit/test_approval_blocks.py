"""Approval cards once the request is no longer pending: no buttons, and a lapsed one says why in the
workspace's language (the reason is one of the domain's sentences, stored in English)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.blocks import approvals as blocks
from bot.blocks.text import mtr, tr
from models.approvals.requests import LAPSED_LOST, ApprovalInfo, RuleInfo
from tests.blocklimits import assert_message_within_limits
from tests.unit.test_blocks import make_deal

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def info(status: str, reason: str | None) -> ApprovalInfo:
    return ApprovalInfo(id=7, status=status, from_name="Lead", to_name="Proposal", requested_by="U0REP1",
                        owner_id="U0REP1", approvers=("U0MGR",), rules=(RuleInfo("Proposal", "discount > 15"),),
                        figures=(("discount", "20"),), expires_at=NOW + timedelta(hours=48), decided_by="U0REP1",
                        reason=reason)


@pytest.mark.parametrize(("locale", "expected"), [
    ("en", "Lapsed, nothing to decide any more: the deal was closed as lost."),
    ("zh-CN", "已失效，无需再审批：商机已以输单关闭。"),
])
def test_a_lapsed_card_has_no_buttons_and_says_why_in_the_locale(locale: str, expected: str) -> None:
    message = blocks.request_card(info("lapsed", str(LAPSED_LOST)), make_deal(), tz=ZoneInfo("UTC"), locale=locale)
    assert_message_within_limits(message)
    dumped = json.dumps(message.blocks, ensure_ascii=False)
    assert expected in dumped and '"button"' not in dumped
    line = blocks.outcome("lapsed", info("lapsed", str(LAPSED_LOST)), make_deal(), tz=ZoneInfo("UTC"), locale=locale)
    assert ("closed as lost" if locale == "en" else "商机已以输单关闭") in line.text


def test_a_rejection_reason_is_the_approvers_own_words_never_looked_up() -> None:
    message = blocks.outcome("rejected", info("rejected", "the deal was closed as lost"), make_deal(),
                             tz=ZoneInfo("UTC"), locale="zh-CN")
    assert "the deal was closed as lost" in message.text


def test_tr_and_mtr_translate_and_escape_values() -> None:
    assert tr("the deal was closed as won", "zh-CN") == "商机已以赢单关闭"
    assert tr("no such sentence {x}", "zh-CN", x=1) == "no such sentence 1"
    assert mtr("⏹️ Lapsed, nothing to decide any more: {reason}.", "en", reason="<b> & c") == (
        "⏹️ Lapsed, nothing to decide any more: &lt;b&gt; &amp; c.")
