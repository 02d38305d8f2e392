"""Approval messages (SPEC 12): the DM card with Approve / Reject, its reminder, the channel's
"awaiting approval" and outcome lines, the reason modal, and the `/deal approvals` list."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, ContextBlock
from slack_sdk.models.views import View

from bot.blocks.cards import deal_heading
from bot.blocks.modals import _text_input
from bot.blocks.text import (
    Message,
    Mrkdwn,
    actions_block,
    button,
    context_block,
    escape,
    extend_labels,
    fields_block,
    fmt,
    fmt_date,
    header_block,
    join,
    label,
    message,
    mlabel,
    mrkdwn,
    mtr,
    one_line,
    plain,
    section_block,
    truncate,
    user,
)
from bot.ids import ActionId, BlockId, CallbackId
from models.approvals import LAPSE_REASONS, ApprovalInfo
from models.i18n import render
from models.snapshots import DealSnapshot

REASON_MAX_INPUT = 1000
LIST_MAX = 15

extend_labels({
    "en": {
        "approval.header": "Approval needed: {deal}",
        "approval.ask": "{who} wants to move {deal} from *{frm}* to *{to}*.",
        "approval.rule": "Rule ({stage}): {when}",
        "approval.expires": "Expires {when} unless decided.",
        "approval.remind": "⏰ Reminder: this request expires {when}.",
        "approval.approve": "Approve",
        "approval.reject": "Reject",
        "approval.awaiting": "⏳ Awaiting approval: {who} asked to move this deal from *{frm}* to *{to}* "
                             "({rules}). Approvers: {approvers}. Expires {when}.",
        "approval.approved": "✅ {who} approved moving {deal} from *{frm}* to *{to}*.",
        "approval.rejected": "❌ {who} rejected moving {deal} from *{frm}* to *{to}*: {reason}",
        "approval.expired": "⌛ The request to move {deal} from *{frm}* to *{to}* expired: nobody decided. "
                            "Move it again to ask anew.",
        "approval.lapsed": "The request to move {deal} from *{frm}* to *{to}* lapsed: {reason}",
        "approval.decided": "Decided: {status}{by}.",
        "approval.status.approved": "approved",
        "approval.status.rejected": "rejected",
        "approval.status.expired": "expired",
        "approval.status.lapsed": "lapsed",
        "approval.modal_title": "Reject request",
        "approval.modal_submit": "Reject",
        "approval.modal_cancel": "Cancel",
        "approval.reason": "Why? The owner reads this.",
        "approval.list_title": "Pending approvals",
        "approval.list_none": "No pending approval requests for you.",
        "approval.list_line": "*{deal}* {frm} → {to} ({rules}), asked by {who}; approvers {approvers}; "
                              "expires {when}",
        "approval.list_yours": "yours, waiting",
        "approval.list_team": "your team's",
    },
    "zh-CN": {
        "approval.header": "需要审批：{deal}",
        "approval.ask": "{who} 想把 {deal} 从 *{frm}* 推进到 *{to}*。",
        "approval.rule": "规则（{stage}）：{when}",
        "approval.expires": "若未处理，将于 {when} 过期。",
        "approval.remind": "⏰ 提醒：此审批将于 {when} 过期。",
        "approval.approve": "批准",
        "approval.reject": "驳回",
        "approval.awaiting": "⏳ 等待审批：{who} 申请把本商机从 *{frm}* 推进到 *{to}*（{rules}）。审批人：{approvers}。"
                             "过期时间：{when}。",
        "approval.approved": "✅ {who} 批准了 {deal} 从 *{frm}* 推进到 *{to}*。",
        "approval.rejected": "❌ {who} 驳回了 {deal} 从 *{frm}* 推进到 *{to}*：{reason}",
        "approval.expired": "⌛ {deal} 从 *{frm}* 推进到 *{to}* 的审批已过期：无人处理。请重新推进以再次申请。",
        "approval.lapsed": "{deal} 从 *{frm}* 推进到 *{to}* 的审批已失效：{reason}",
        "approval.decided": "已处理：{status}{by}。",
        "approval.status.approved": "已批准",
        "approval.status.rejected": "已驳回",
        "approval.status.expired": "已过期",
        "approval.status.lapsed": "已失效",
        "approval.modal_title": "驳回审批",
        "approval.modal_submit": "驳回",
        "approval.modal_cancel": "取消",
        "approval.reason": "原因（负责人会看到）",
        "approval.list_title": "待审批",
        "approval.list_none": "没有需要你处理的待审批。",
        "approval.list_line": "*{deal}* {frm} → {to}（{rules}），申请人 {who}；审批人 {approvers}；过期 {when}",
        "approval.list_yours": "你的申请",
        "approval.list_team": "你团队的",
    },
})


def _names(user_ids: Sequence[str]) -> Mrkdwn:
    return join(", ", [user(u) for u in user_ids])


def _rules(info: ApprovalInfo) -> Mrkdwn:
    return escape(truncate("; ".join(one_line(r.when) for r in info.rules), 300))


def _values(info: ApprovalInfo, deal: DealSnapshot, tz: ZoneInfo, locale: str) -> dict[str, Any]:
    return {"deal": Mrkdwn(fmt("*{}*", deal_heading(deal))), "frm": truncate(info.from_name, 60),
            "to": truncate(info.to_name, 60), "who": user(info.requested_by), "rules": _rules(info),
            "approvers": _names(info.approvers), "when": fmt_date(info.expires_at, tz, locale)}


def request_card(info: ApprovalInfo, deal: DealSnapshot, *, tz: ZoneInfo, locale: str = "en",
                 reminder: bool = False) -> Message:
    """The DM to an approver: the deal, the rules that matched, the figures, and the buttons while pending."""
    values = _values(info, deal, tz, locale)
    blocks: list[Block] = [header_block(label("approval.header", locale, deal=deal_heading(deal)))]
    if reminder:
        blocks.append(section_block(mlabel("approval.remind", locale, when=values["when"])))
    blocks.append(section_block(mlabel("approval.ask", locale, **values)))
    if info.figures:
        blocks.append(fields_block([(name, value) for name, value in info.figures], locale=locale))
    rules = [mlabel("approval.rule", locale, stage=truncate(r.stage_name, 60), when=truncate(one_line(r.when), 200))
             for r in info.rules]
    blocks.append(context_block(*rules[:9]))
    if info.status == "pending":
        blocks.append(context_block(mlabel("approval.expires", locale, when=values["when"])))
        value = str(info.id)
        blocks.append(actions_block(
            button(label("approval.approve", locale), ActionId.APPROVE, value=value, style="primary"),
            button(label("approval.reject", locale), ActionId.REJECT, value=value, style="danger"),
        ))
    else:
        blocks.append(context_block(decided_line(info, locale)))
    fallback = label("approval.header", locale, deal=deal_heading(deal))
    return message(fallback, blocks)


def _lapse_reason(info: ApprovalInfo, locale: str) -> str:
    """A lapsed request's reason is one of the domain's sentences (stored in English): said in `locale`."""
    reason = one_line(info.reason or "")
    known = next((why for why in LAPSE_REASONS if why.msgid == reason), None)
    return render(known, locale) if known is not None else reason


def decided_line(info: ApprovalInfo, locale: str) -> Mrkdwn:
    if info.status == "lapsed":
        return mtr("⏹️ Lapsed, nothing to decide any more: {reason}.", locale,
                   reason=truncate(_lapse_reason(info, locale), 300))
    by = fmt(" ({})", user(info.decided_by)) if info.decided_by else ""
    return mlabel("approval.decided", locale, status=label(f"approval.status.{info.status}", locale), by=Mrkdwn(by))


def outcome(what: str, info: ApprovalInfo, deal: DealSnapshot, *, tz: ZoneInfo, locale: str = "en") -> Message:
    """A line in the channel or a DM: awaiting, approved, rejected, expired or lapsed."""
    values = _values(info, deal, tz, locale)
    if what in ("approved", "rejected"):
        values["who"] = user(info.decided_by)
    values["reason"] = truncate(_lapse_reason(info, locale) if what == "lapsed" else one_line(info.reason or ""), 1000)
    text = mlabel(f"approval.{what}", locale, **values)
    return message(text, [section_block(text)])


def reject_modal(request_id: int, deal_ref: str, *, card: tuple[str, str] | None = None,
                 locale: str = "en") -> dict[str, Any]:
    """``private_metadata``: ``{"request": 7, "card": [channel, ts]}`` (the card to redraw once decided)."""
    view = View(
        type="modal",
        callback_id=CallbackId.REJECT_APPROVAL,
        title=plain(label("approval.modal_title", locale), 24),
        submit=plain(label("approval.modal_submit", locale), 24),
        close=plain(label("approval.modal_cancel", locale), 24),
        private_metadata=json.dumps({"request": int(request_id), "card": list(card) if card else None}),
        blocks=[
            ContextBlock(elements=[mrkdwn(escape(truncate(deal_ref, 300)))]),
            _text_input(BlockId.REJECT_REASON, label("approval.reason", locale), optional=False,
                        max_length=REASON_MAX_INPUT, multiline=True),
        ],
    )
    return view.to_dict()


def approvals_list(rows: Sequence[tuple[ApprovalInfo, DealSnapshot, str]], *, tz: ZoneInfo,
                   locale: str = "en") -> Message:
    title = label("approval.list_title", locale)
    if not rows:
        text = label("approval.list_none", locale)
        return message(text, [section_block(escape(text))])
    blocks: list[Block] = [header_block(title)]
    for info, deal, why in rows[:LIST_MAX]:
        line = mlabel("approval.list_line", locale, **_values(info, deal, tz, locale))
        if why == "decide" and info.status == "pending":
            value = str(info.id)
            blocks.append(section_block(line))
            blocks.append(actions_block(
                button(label("approval.approve", locale), ActionId.APPROVE, value=value, style="primary"),
                button(label("approval.reject", locale), ActionId.REJECT, value=value, style="danger"),
            ))
        else:
            tag = label("approval.list_yours" if why == "yours" else "approval.list_team", locale)
            blocks.append(section_block(fmt("{} _({})_", line, tag)))
    return message(title, blocks)
