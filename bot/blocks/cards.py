"""Deal cards: the pinned card, stage-change cards, the channel topic and the newcomer's welcome."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, DividerBlock

from bot.blocks.ids import ActionId, deal_value, history_value
from bot.blocks.text import (
    BLOCK_TEXT_BUDGET,
    NONE_MARK,
    Message,
    Mrkdwn,
    actions_block,
    block_text_size,
    button,
    channel,
    clip,
    colon,
    context_block,
    escape,
    fields_block,
    fmt,
    fmt_amount,
    fmt_date,
    header_block,
    is_channel_id,
    join,
    message,
    mtr,
    one_line,
    say,
    section_block,
    tr,
    truncate,
    user,
)
from bot.blocks.timeline import timeline_blocks
from models.deals.snapshots import DealSnapshot, StageChangeInfo, StageInfo, TimelineItem
from models.infra.i18n import t, tn

TOPIC_MAX = 250  # conversations.setTopic: Slack keeps at most 250 characters
TITLE_IN_TEXT = 200  # a deal title inside a line of text or a fallback
SCORE_BANDS = {"high": t("high"), "medium": t("medium"), "low": t("low")}
_CHANGE_KINDS = {
    "deal_won": t("Won 🎉"),
    "deal_lost": t("Lost"),
    "stage_set": t("Stage set"),
    "reopened": t("Reopened"),
    "moved_back": t("Moved back"),
    "stage_changed": t("Stage changed"),
}


def _title(deal: DealSnapshot, limit: int = TITLE_IN_TEXT) -> str:
    return truncate(one_line(deal.title), limit)


def _ref_title(deal: DealSnapshot) -> str:
    """``D-42 Acme pilot`` (or ``D-42``) for fallback texts."""
    title = _title(deal)
    return f"{deal.ref} {title}" if title else deal.ref


def deal_heading(deal: DealSnapshot) -> str:
    """``D-42 · Acme pilot`` (plain text; the header block cuts it to 150)."""
    title = one_line(deal.title)
    return f"{deal.ref} · {title}" if title else deal.ref


def next_open_stage(deal: DealSnapshot) -> StageInfo | None:
    """The open stage after the deal's current one; None when closed or at the last open stage."""
    if deal.is_closed:
        return None
    later = [s for s in deal.stages if s.closed is None and s.number > deal.stage.number]
    return min(later, key=lambda s: s.number) if later else None


def stage_text(deal: DealSnapshot) -> str:
    """``Proposal · 4/7 · 50%``."""
    parts = [one_line(deal.stage.name)]
    if deal.stages:
        parts.append(f"{deal.stage.number}/{len(deal.stages)}")
    parts.append(f"{deal.stage.probability}%")
    return " · ".join(parts)


def score_text(deal: DealSnapshot, locale: str) -> str:
    if deal.score is None:
        return NONE_MARK
    if deal.score_band:
        return f"{deal.score} · {say(SCORE_BANDS.get(deal.score_band, deal.score_band), locale)}"
    return str(deal.score)


def followup_text(deal: DealSnapshot, *, tz: ZoneInfo, locale: str) -> str:
    f = deal.next_followup
    if f is None:
        return tr("none", locale)
    text = f"{fmt_date(f.due_at, tz, locale)} — {truncate(one_line(f.text), 300)}"
    return f"⚠️ {text}" if f.overdue else text


def mentions(user_ids: Sequence[str], *, locale: str, limit: int = 1000) -> Mrkdwn:
    """``<@U1>, <@U2>, … +N more`` within ``limit`` chars."""
    out: list[str] = []
    used = 0
    for i, uid in enumerate(user_ids):
        m = user(uid)
        if used + len(m) + 2 > limit - 20:
            out.append(escape(tr("+{n} more", locale, n=len(user_ids) - i)))
            break
        out.append(m)
        used += len(m) + 2
    return Mrkdwn(", ".join(out))


def progress_line(deal: DealSnapshot) -> Mrkdwn:
    """``Lead → Qualified → *Proposal* → Negotiation → Won / Lost`` (current stage bold)."""

    def name(s: StageInfo) -> Mrkdwn:
        text = escape(truncate(one_line(s.name), 60))
        return fmt("*{}*", text) if s.key == deal.stage.key else text

    if not deal.stages:
        return fmt("*{}*", truncate(one_line(deal.stage.name), 60))
    open_part = join(" → ", [name(s) for s in deal.stages if s.closed is None])
    closed_part = join(" / ", [name(s) for s in deal.stages if s.closed is not None])
    line = f"{open_part} → {closed_part}" if open_part and closed_part else open_part or closed_part
    return clip(Mrkdwn(line), 1900)


def closed_line(deal: DealSnapshot, locale: str) -> Mrkdwn | None:
    if deal.stage.closed == "won":
        return fmt("*{}*", tr("Won 🎉", locale))
    if deal.stage.closed == "lost":
        if deal.lost_reason and one_line(deal.lost_reason):
            return fmt("*{}*", tr("Lost — {reason}", locale, reason=truncate(one_line(deal.lost_reason), 500)))
        return fmt("*{}*", tr("Lost", locale))
    return None


def summary_blocks(deal: DealSnapshot, *, tz: ZoneInfo, locale: str) -> list[Block]:
    """The body of the card (no header, no buttons): closed line, fields, custom fields, progress."""
    blocks: list[Block] = []
    closed = closed_line(deal, locale)
    if closed:
        blocks.append(section_block(closed))
    pairs: list[tuple[str, str]] = [
        (tr("Customer", locale), truncate(one_line(deal.customer), 200) or NONE_MARK),
        (tr("Amount", locale), fmt_amount(deal.amount, locale)),
        (tr("Stage", locale), stage_text(deal)),
        (tr("Owner", locale), user(deal.owner_id) or NONE_MARK),
        (tr("Close date", locale), fmt_date(deal.close_at, tz, locale)),
        (tr("Score", locale), score_text(deal, locale)),
        (tr("Source", locale), truncate(one_line(deal.source), 200) or NONE_MARK),
        (tr("Next follow-up", locale), followup_text(deal, tz=tz, locale=locale)),
    ]
    if deal.collaborator_ids:
        pairs.append((tr("Collaborators", locale), mentions(deal.collaborator_ids, locale=locale)))
    blocks.append(fields_block(pairs, locale=locale))
    # Custom fields: keys and values kept short so ten of them stay well inside the text budget;
    # beyond ten, fields_block shows nine and "+N more".
    custom = [
        (truncate(one_line(k), 60) or NONE_MARK, truncate(one_line(v), 200) or NONE_MARK)
        for k, v in deal.custom_fields.items()
    ]
    if custom:
        blocks.append(fields_block(custom, locale=locale))
    blocks.append(context_block(progress_line(deal)))
    return blocks


def deal_card(deal: DealSnapshot, *, tz: ZoneInfo, locale: str = "en") -> Message:
    """The pinned card of a deal channel, updated in place on every change."""
    blocks: list[Block] = [header_block(deal_heading(deal))]
    blocks.extend(summary_blocks(deal, tz=tz, locale=locale))
    if deal.awaiting_approval:
        blocks.append(context_block(mtr("⏳ Awaiting approval to move to {stage} (/deal approvals)", locale,
                                        stage=deal.awaiting_approval)))
    buttons = []
    nxt = next_open_stage(deal)
    if nxt is not None and not deal.awaiting_approval:
        buttons.append(
            button(
                tr("Next stage → {stage}", locale, stage=one_line(nxt.name)),
                ActionId.NEXT_STAGE,
                value=deal_value(deal.number),
                style="primary",
            )
        )
    buttons.append(button(tr("Log note", locale), ActionId.LOG_NOTE, value=deal_value(deal.number)))
    blocks.append(actions_block(*buttons))
    fallback = f"{_ref_title(deal)} — {one_line(deal.stage.name)}"
    if deal.amount is not None:
        fallback += f", {fmt_amount(deal.amount, locale)}"
    return message(fallback, blocks)


def _change_kind(change: StageChangeInfo) -> str:
    to, frm = change.to_stage, change.from_stage
    if to.closed == "won":
        return "deal_won"
    if to.closed == "lost":
        return "deal_lost"
    if frm is None:
        return "stage_set"
    if frm.closed is not None:
        return "reopened"
    if change.backward or to.number < frm.number:
        return "moved_back"
    return "stage_changed"


def stage_change_card(
    change: StageChangeInfo, *, tz: ZoneInfo, locale: str = "en", for_feed: bool = False
) -> Message:
    """Posted in the deal channel (and, ``for_feed=True``, in the feed channel) on every move."""
    deal = change.deal
    kind = _change_kind(change)
    to_name = truncate(one_line(change.to_stage.name), 80)
    from_name = truncate(one_line(change.from_stage.name), 80) if change.from_stage else ""
    if kind in ("deal_won", "deal_lost"):
        headline = fmt("*{}*", say(_CHANGE_KINDS[kind], locale))
        if kind == "deal_lost" and deal.lost_reason and one_line(deal.lost_reason):
            headline = fmt("{} — {}", headline, truncate(one_line(deal.lost_reason), 1000))
        plain_change = say(_CHANGE_KINDS[kind], locale)
    elif kind == "stage_set":
        headline = fmt("{}" + colon(locale) + "*{}*", say(_CHANGE_KINDS[kind], locale), to_name)
        plain_change = f"{say(_CHANGE_KINDS[kind], locale)}{colon(locale)}{to_name}"
    else:
        headline = fmt("{}" + colon(locale) + "*{}* → *{}*", say(_CHANGE_KINDS[kind], locale), from_name, to_name)
        plain_change = f"{say(_CHANGE_KINDS[kind], locale)}{colon(locale)}{from_name} → {to_name}"

    title = _title(deal, 500)
    ref_line = fmt("*{}* · {}", deal.ref, title) if title else fmt("*{}*", deal.ref)
    if for_feed and is_channel_id(deal.channel_id):
        ref_line = fmt("{} · {}", ref_line, mtr("in {channel}", locale, channel=channel(deal.channel_id)))
    blocks: list[Block] = [section_block(fmt("{}\n{}", headline, ref_line))]
    blocks.append(
        fields_block(
            [
                (tr("Amount", locale), fmt_amount(deal.amount, locale)),
                (tr("Probability", locale), f"{change.to_stage.probability}%"),
                (tr("By", locale), user(change.actor_id) or NONE_MARK),
                (tr("When", locale), fmt_date(change.at, tz, locale)),
            ],
            locale=locale,
        )
    )
    if for_feed and is_channel_id(deal.channel_id):
        blocks.append(
            actions_block(
                button(
                    tr("Open channel", locale),
                    ActionId.OPEN_CHANNEL,
                    value=deal_value(deal.number),
                    url=f"https://slack.com/app_redirect?channel={deal.channel_id}",
                )
            )
        )
    return message(f"{_ref_title(deal)}{colon(locale)}{plain_change}", blocks)


def channel_topic(deal: DealSnapshot, locale: str = "en") -> str:
    """``Stage: Proposal · Amount: 150,000 · Owner: <@U1>``, at most 250 characters.

    Topics render mentions, so the owner is a real mention; stage names are escaped like any
    mrkdwn. The amount is shown only when set."""
    parts = [fmt("{}" + colon(locale) + "{}", tr("Stage", locale), truncate(one_line(deal.stage.name), 80))]
    if deal.amount is not None:
        amount = truncate(fmt_amount(deal.amount, locale), 60)
        parts.append(fmt("{}" + colon(locale) + "{}", tr("Amount", locale), amount))
    owner = user(deal.owner_id)
    if owner:
        parts.append(fmt("{}" + colon(locale) + "{}", tr("Owner", locale), owner))
    return str(clip(Mrkdwn(" · ".join(parts)), TOPIC_MAX))


def welcome_card(
    deal: DealSnapshot,
    items: Sequence[TimelineItem],
    *,
    tz: ZoneInfo,
    locale: str = "en",
    has_more: bool,
) -> Message:
    """For someone who just joined the deal channel (SPEC 9), shown only to them: the card's
    summary, the latest entries (give the newest first page, e.g. ``PAGE_SIZE`` of them),
    and a "Full history" button opening the paged history at page 1."""
    heading = fmt("*{}*", deal_heading(deal))
    blocks: list[Block] = [section_block(fmt(":wave: {}", mtr("Welcome to {deal} — here is the story so far.", locale,
                                                              deal=heading)))]
    blocks.extend(summary_blocks(deal, tz=tz, locale=locale))
    used = block_text_size(b.to_dict() for b in blocks)
    body, hidden = timeline_blocks(items, tz=tz, locale=locale, budget=max(3000, BLOCK_TEXT_BUDGET - used - 500))
    if body:
        blocks.append(DividerBlock())
        blocks.append(section_block(fmt("*{}*", tr("Latest activity", locale))))
        blocks.extend(body)
        if has_more or hidden:
            blocks.append(context_block(say(tn("Showing the latest {n} entry.", "Showing the latest {n} entries.",
                                                len(items) - hidden), locale)))
    blocks.append(
        actions_block(
            button(tr("Full history", locale), ActionId.HISTORY_PAGE, value=history_value(deal.number, 1))
        )
    )
    fallback = tr("Welcome to {deal} — here is the story so far.", locale, deal=_ref_title(deal))
    return message(fallback, blocks)


def won_card(deal: DealSnapshot, *, actor_id: str, amount: Decimal | None, handoff_at: datetime,
             checkin_at: datetime, cs_ids: Sequence[str], tz: ZoneInfo, locale: str = "en") -> Message:
    """Posted in the deal channel when the deal is won (SPEC 7): who won it, the handoff plan."""
    title = _title(deal, 500)
    headline = fmt("*{}*", tr("🏆 {ref} is won", locale, ref=deal.ref))
    if title:
        headline = fmt("{}\n{}", headline, title)
    blocks: list[Block] = [section_block(headline)]
    blocks.append(
        fields_block(
            [
                (tr("Amount", locale), fmt_amount(amount, locale)),
                (tr("By", locale), user(actor_id) or NONE_MARK),
                (tr("Customer handoff", locale), fmt_date(handoff_at, tz, locale)),
                (tr("First check-in call", locale), fmt_date(checkin_at, tz, locale)),
                (tr("Customer success", locale), mentions(cs_ids, locale=locale) if cs_ids
                 else tr("nobody holds the cs role yet (/deal role @user cs)", locale)),
            ],
            locale=locale,
        )
    )
    blocks.append(context_block(mtr("Follow-ups for {owner} are scheduled; each gets a reminder.", locale,
                                    owner=user(deal.owner_id))))
    fallback = tr("🏆 {ref} is won", locale, ref=_ref_title(deal))
    if amount is not None:
        fallback += f" ({fmt_amount(amount, locale)})"
    return message(fallback, blocks)
