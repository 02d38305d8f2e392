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
from bot.blocks.ids import ActionId, BlockId, CallbackId
from bot.blocks.modals import _text_input
from bot.blocks.text import (
    Message,
    Mrkdwn,
    actions_block,
    button,
    context_block,
    escape,
    fields_block,
    fmt,
    fmt_date,
    header_block,
    join,
    message,
    mrkdwn,
    mtr,
    one_line,
    plain,
    say,
    section_block,
    tr,
    truncate,
    user,
)
from models.approvals.requests import LAPSE_REASONS, ApprovalInfo
from models.deals.snapshots import DealSnapshot
from models.infra.i18n import N_, pt, render, t

REASON_MAX_INPUT = 1000
LIST_MAX = 15
HEADING_MAX = 150  # a deal's "D-42 · title" inside a line (the full title is on its card)

_STATUSES = {
    "approved": t("approved"),
    "rejected": t("rejected"),
    "expired": t("expired"),
    "lapsed": t("lapsed"),
}
# The figures the domain shows on every request (models.approvals.FIGURES): condition field names.
_FIGURE_NAMES = {
    "amount": pt("approval figure", "amount"),
    "discount": pt("approval figure", "discount"),
    "floor": pt("approval figure", "floor"),
    "margin": pt("approval figure", "margin"),
    "score": pt("approval figure", "score"),
}
_OUTCOMES = {
    "awaiting": N_(
        "⏳ Awaiting approval: {who} asked to move this deal from *{frm}* to *{to}* ({rules}). "
        "Approvers: {approvers}. Expires {when}."
    ),
    "approved": N_("✅ {who} approved moving {deal} from *{frm}* to *{to}*."),
    "rejected": N_("❌ {who} rejected moving {deal} from *{frm}* to *{to}*: {reason}"),
    "expired": N_(
        "⌛ The request to move {deal} from *{frm}* to *{to}* expired: nobody decided. Move it again to ask anew."
    ),
    "lapsed": N_("The request to move {deal} from *{frm}* to *{to}* lapsed: {reason}"),
    "moved": N_("↪️ The deal changed hands: the request to move {deal} from *{frm}* to *{to}* now waits on "
                "{approvers}."),
}


def _names(user_ids: Sequence[str]) -> Mrkdwn:
    return join(", ", [user(u) for u in user_ids])


def _condition(text: str, limit: int) -> Mrkdwn:
    """A rule's condition as code: it is pipeline syntax (``discount > 15``), the same in every language."""
    return fmt("`{}`", truncate(one_line(text).replace("`", "'"), limit))


def _rules(info: ApprovalInfo) -> Mrkdwn:
    return _condition("; ".join(one_line(r.when) for r in info.rules), 300)


def _figure(name: str, locale: str) -> str:
    """A figure's name: the built-in fields in the locale's words, a custom field's key as the team wrote it."""
    return say(_FIGURE_NAMES[name], locale) if name in _FIGURE_NAMES else name


def _heading(deal: DealSnapshot) -> str:
    return truncate(deal_heading(deal), HEADING_MAX)


def _values(info: ApprovalInfo, deal: DealSnapshot, tz: ZoneInfo, locale: str) -> dict[str, Any]:
    return {"deal": Mrkdwn(fmt("*{}*", _heading(deal))), "frm": truncate(info.from_name, 60),
            "to": truncate(info.to_name, 60), "who": user(info.requested_by), "rules": _rules(info),
            "approvers": _names(info.approvers), "when": fmt_date(info.expires_at, tz, locale)}


def request_card(info: ApprovalInfo, deal: DealSnapshot, *, tz: ZoneInfo, locale: str = "en",
                 reminder: bool = False, recipient: str | None = None) -> Message:
    """The DM to an approver: the deal, the rules that matched, the figures, and the buttons while pending
    (a `recipient` the request no longer waits on, since the deal changed hands, is told who decides now)."""
    values = _values(info, deal, tz, locale)
    blocks: list[Block] = [header_block(tr("Approval needed: {deal}", locale, deal=_heading(deal)))]
    if reminder:
        blocks.append(section_block(mtr("⏰ Reminder: this request expires {when}.", locale, when=values["when"])))
    blocks.append(section_block(mtr("{who} wants to move {deal} from *{frm}* to *{to}*.", locale, **values)))
    if info.figures:
        blocks.append(fields_block([(_figure(name, locale), value) for name, value in info.figures], locale=locale))
    rules = [mtr("Rule ({stage}): {when}", locale,
                 stage=truncate(r.stage_name, 60), when=_condition(r.when, 200))
             for r in info.rules]
    blocks.append(context_block(*rules[:9]))
    if info.status == "pending" and recipient is not None and recipient not in info.approvers:
        blocks.append(context_block(mtr("↪️ Moved, nothing for you to decide: the deal changed hands and "
                                        "{approvers} decide now.", locale, approvers=values["approvers"])))
    elif info.status == "pending":
        blocks.append(context_block(mtr("Expires {when} unless decided.", locale, when=values["when"])))
        value = str(info.id)
        blocks.append(actions_block(
            button(tr("Approve", locale), ActionId.APPROVE, value=value, style="primary"),
            button(tr("Reject", locale), ActionId.REJECT, value=value, style="danger"),
        ))
    else:
        blocks.append(context_block(decided_line(info, locale)))
    fallback = tr("Approval needed: {deal}", locale, deal=_heading(deal))
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
    return mtr("Decided: {status}{by}.", locale, status=say(_STATUSES[info.status], locale), by=Mrkdwn(by))


def outcome(what: str, info: ApprovalInfo, deal: DealSnapshot, *, tz: ZoneInfo, locale: str = "en") -> Message:
    """A line in the channel or a DM: awaiting, approved, rejected, expired or lapsed."""
    values = _values(info, deal, tz, locale)
    if what in ("approved", "rejected"):
        values["who"] = user(info.decided_by)
    reason = _lapse_reason(info, locale) if what == "lapsed" else one_line(info.reason or "")
    values["reason"] = truncate(reason, 1000)
    text = mtr(_OUTCOMES[what], locale, **values)
    return message(text, [section_block(text)])


def reject_modal(request_id: int, deal_ref: str, *, card: tuple[str, str] | None = None,
                 locale: str = "en") -> dict[str, Any]:
    """``private_metadata``: ``{"request": 7, "card": [channel, ts]}`` (the card to redraw once decided)."""
    view = View(
        type="modal",
        callback_id=CallbackId.REJECT_APPROVAL,
        title=plain(tr("Reject request", locale), 24),
        submit=plain(tr("Reject", locale), 24),
        close=plain(tr("Cancel", locale), 24),
        private_metadata=json.dumps({"request": int(request_id), "card": list(card) if card else None}),
        blocks=[
            ContextBlock(elements=[mrkdwn(escape(truncate(deal_ref, 300)))]),
            _text_input(BlockId.REJECT_REASON, tr("Why? The owner reads this.", locale), optional=False,
                        max_length=REASON_MAX_INPUT, multiline=True),
        ],
    )
    return view.to_dict()


def approvals_list(rows: Sequence[tuple[ApprovalInfo, DealSnapshot, str]], *, tz: ZoneInfo,
                   locale: str = "en") -> Message:
    title = tr("Pending approvals", locale)
    if not rows:
        text = tr("No pending approval requests for you.", locale)
        return message(text, [section_block(escape(text))])
    blocks: list[Block] = [header_block(title)]
    for info, deal, why in rows[:LIST_MAX]:
        values = {**_values(info, deal, tz, locale), "deal": _heading(deal)}  # the template makes it bold
        line = mtr("*{deal}* {frm} → {to} ({rules}), asked by {who}; approvers {approvers}; expires {when}", locale,
                   **values)
        if why == "decide" and info.status == "pending":
            value = str(info.id)
            blocks.append(section_block(line))
            blocks.append(actions_block(
                button(tr("Approve", locale), ActionId.APPROVE, value=value, style="primary"),
                button(tr("Reject", locale), ActionId.REJECT, value=value, style="danger"),
            ))
        else:
            tag = tr("yours, waiting", locale) if why == "yours" else tr("your team's", locale)
            blocks.append(section_block(fmt("{} _({})_", line, tag)))
    return message(title, blocks)
