"""DMs that keep deals moving: follow-up reminders (with Done / Snooze), and the nudges of the
lead-score SLA, nurture and stale deals. Times are shown in the recipient's own time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from bot.blocks.cards import deal_heading
from bot.blocks.text import (
    Message,
    Mrkdwn,
    actions_block,
    button,
    context_block,
    escape,
    extend_labels,
    fmt,
    fmt_date,
    is_channel_id,
    join,
    label,
    message,
    mlabel,
    one_line,
    section_block,
    truncate,
    user,
)
from bot.ids import ActionId, deal_value, reminder_value
from models.snapshots import DealSnapshot

extend_labels({
    "en": {
        "reminder.due": "⏰ Follow-up due now: {text}",
        "reminder.early": "🔔 Follow-up due in 24 hours ({when}): {text}",
        "reminder.late": "Sent late: the bot was offline at {when}.",
        "reminder.done": "✅ Done: {text}",
        "reminder.done_by": "Marked done by {who}, {when}.",
        "reminder.snoozed": "😴 Snoozed until {when}: {text}",
        "reminder.snoozed_early": "😴 Reminder snoozed until {when}: {text}",
        "reminder.button_done": "Done",
        "reminder.button_hour": "Snooze 1 hour",
        "reminder.button_day": "Snooze 1 day",
        "nudge.sla_warning": "⏳ {deal} is a {band} lead: contact them before {when}. Log it with /deal note.",
        "nudge.sla_missed": "🚨 {owner} has not contacted {deal}, a {band} lead, since it was scored; the "
                            "deadline was {when}.",
        "nudge.nurture": "🌱 {deal} was scored low 90 days ago: time to re-score it with /deal score.",
        "nudge.stale": "💤 {deal} has had no update for {days} days in {stage}. Log a note, schedule a "
                       "follow-up or move it on.",
    },
    "zh-CN": {
        "reminder.due": "⏰ 跟进到期：{text}",
        "reminder.early": "🔔 跟进将在24小时后到期（{when}）：{text}",
        "reminder.late": "延迟发送：{when} 时机器人不在线。",
        "reminder.done": "✅ 已完成：{text}",
        "reminder.done_by": "{who} 于 {when} 标记完成。",
        "reminder.snoozed": "😴 已推迟到 {when}：{text}",
        "reminder.snoozed_early": "😴 提醒已推迟到 {when}：{text}",
        "reminder.button_done": "完成",
        "reminder.button_hour": "推迟1小时",
        "reminder.button_day": "推迟1天",
        "nudge.sla_warning": "⏳ {deal} 是{band}线索：请在 {when} 前联系。用 /deal note 记录。",
        "nudge.sla_missed": "🚨 {owner} 在评分后尚未联系{band}线索 {deal}；截止时间为 {when}。",
        "nudge.nurture": "🌱 {deal} 90天前评为低分：请用 /deal score 重新评分。",
        "nudge.stale": "💤 {deal} 在 {stage} 阶段已 {days} 天没有更新。记录跟进、安排下次跟进或推进阶段。",
    },
})

FOLLOWUP_TEXT_MAX = 500


def _deal_line(deal: DealSnapshot, locale: str) -> Mrkdwn:
    """``*D-42 · Pilot* · Acme · Proposal``."""
    parts = [fmt("*{}*", deal_heading(deal))]
    if deal.customer:
        parts.append(escape(truncate(one_line(deal.customer), 100)))
    parts.append(escape(truncate(one_line(deal.stage.name), 60)))
    return join(" · ", parts)


def _open_channel(deal: DealSnapshot, locale: str) -> list:
    if not is_channel_id(deal.channel_id):
        return []
    return [button(label("open_channel", locale), ActionId.OPEN_CHANNEL, value=deal_value(deal.number),
                   url=f"https://slack.com/app_redirect?channel={deal.channel_id}")]


def reminder(deal: DealSnapshot, *, followup_id: int, text: str, which: str, at: datetime, due_at: datetime,
             late: bool, tz: ZoneInfo, locale: str = "en") -> Message:
    """The reminder DM: what is due, the deal, Done / Snooze buttons and a link to the channel."""
    what = truncate(one_line(text), FOLLOWUP_TEXT_MAX)
    key = "reminder.early" if which == "early" else "reminder.due"
    values = {"when": fmt_date(due_at, tz, locale), "text": what}
    headline = mlabel(key, locale, **values)
    blocks: list[Block] = [section_block(fmt("{}\n{}", headline, _deal_line(deal, locale)))]
    if late:
        blocks.append(context_block(mlabel("reminder.late", locale, when=fmt_date(at, tz, locale))))
    value = reminder_value(followup_id, which, at)
    blocks.append(actions_block(
        button(label("reminder.button_done", locale), ActionId.REMINDER_DONE, value=value, style="primary"),
        button(label("reminder.button_hour", locale), ActionId.SNOOZE_HOUR, value=value),
        button(label("reminder.button_day", locale), ActionId.SNOOZE_DAY, value=value),
        *_open_channel(deal, locale),
    ))
    return message(fmt("{}: {}", deal.ref, headline), blocks)


def reminder_done(deal: DealSnapshot, *, text: str, by: str, at: datetime, tz: ZoneInfo,
                  locale: str = "en") -> Message:
    """The reminder DM once done: no buttons left to click."""
    headline = mlabel("reminder.done", locale, text=truncate(one_line(text), FOLLOWUP_TEXT_MAX))
    blocks: list[Block] = [
        section_block(fmt("{}\n{}", headline, _deal_line(deal, locale))),
        context_block(mlabel("reminder.done_by", locale, who=user(by), when=fmt_date(at, tz, locale))),
    ]
    return message(fmt("{}: {}", deal.ref, headline), blocks)


def reminder_snoozed(deal: DealSnapshot, *, text: str, until: datetime, moved_due: bool, tz: ZoneInfo,
                     locale: str = "en") -> Message:
    key = "reminder.snoozed" if moved_due else "reminder.snoozed_early"
    headline = mlabel(key, locale, when=fmt_date(until, tz, locale), text=truncate(one_line(text), FOLLOWUP_TEXT_MAX))
    blocks: list[Block] = [section_block(fmt("{}\n{}", headline, _deal_line(deal, locale)))]
    if link := _open_channel(deal, locale):
        blocks.append(actions_block(*link))
    return message(fmt("{}: {}", deal.ref, headline), blocks)


def nudge(what: str, deal: DealSnapshot, *, sla_due_at: datetime | None, stale_days: int | None, tz: ZoneInfo,
          locale: str = "en") -> Message:
    """An SLA warning or miss, a nurture re-score or a stale-deal nudge, with a link to the deal."""
    values = {"deal": deal_heading(deal), "band": label(f"band.{deal.score_band}", locale) if deal.score_band else "",
              "when": fmt_date(sla_due_at, tz, locale), "days": stale_days or "",
              "stage": truncate(one_line(deal.stage.name), 60)}
    text = mlabel(f"nudge.{what}", locale, owner=user(deal.owner_id), **values)
    blocks: list[Block] = [section_block(fmt("{}\n{}", text, _deal_line(deal, locale)))]
    if link := _open_channel(deal, locale):
        blocks.append(actions_block(*link))
    return message(text, blocks)
