"""DMs that keep deals moving: follow-up reminders (with Done / Snooze), and the nudges of the
lead-score SLA, nurture and stale deals. Times are shown in the recipient's own time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from bot.blocks.cards import SCORE_BANDS, deal_heading
from bot.blocks.ids import ActionId, deal_value, reminder_value
from bot.blocks.text import (
    Message,
    Mrkdwn,
    actions_block,
    button,
    colon,
    context_block,
    escape,
    fmt,
    fmt_date,
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
from models.deals.snapshots import DealSnapshot
from models.infra.i18n import N_

FOLLOWUP_TEXT_MAX = 500


_NUDGES = {
    "sla_warning": N_("⏳ {deal} is a {band} lead: contact them before {when}. Log it with /deal note."),
    "sla_missed": N_(
        "🚨 {owner} has not contacted {deal}, a {band} lead, since it was scored; the deadline was {when}."
    ),
    "nurture": N_("🌱 {deal} was scored low 90 days ago: time to re-score it with /deal score."),
    "stale": N_(
        "💤 {deal} has had no update for {days} days in {stage}. Log a note, schedule a follow-up or move it on."
    ),
}


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
    return [button(tr("Open channel", locale), ActionId.OPEN_CHANNEL, value=deal_value(deal.number),
                   url=f"https://slack.com/app_redirect?channel={deal.channel_id}")]


def reminder(deal: DealSnapshot, *, followup_id: int, text: str, which: str, at: datetime, due_at: datetime,
             late: bool, tz: ZoneInfo, locale: str = "en") -> Message:
    """The reminder DM: what is due, the deal, Done / Snooze buttons and a link to the channel."""
    what = truncate(one_line(text), FOLLOWUP_TEXT_MAX)
    early, due = N_("🔔 Follow-up due in 24 hours ({when}): {text}"), N_("⏰ Follow-up due now: {text}")
    key = early if which == "early" else due
    values = {"when": fmt_date(due_at, tz, locale), "text": what}
    headline = mtr(key, locale, **values)
    blocks: list[Block] = [section_block(fmt("{}\n{}", headline, _deal_line(deal, locale)))]
    if late:
        blocks.append(context_block(mtr("Sent late: the bot was offline at {when}.", locale,
                                        when=fmt_date(at, tz, locale))))
    value = reminder_value(followup_id, which, at)
    blocks.append(actions_block(
        button(tr("Done", locale), ActionId.REMINDER_DONE, value=value, style="primary"),
        button(tr("Snooze 1 hour", locale), ActionId.SNOOZE_HOUR, value=value),
        button(tr("Snooze 1 day", locale), ActionId.SNOOZE_DAY, value=value),
        *_open_channel(deal, locale),
    ))
    return message(fmt("{}" + colon(locale) + "{}", deal.ref, headline), blocks)


def reminder_done(deal: DealSnapshot, *, text: str, by: str, at: datetime, tz: ZoneInfo,
                  locale: str = "en") -> Message:
    """The reminder DM once done: no buttons left to click."""
    headline = mtr("✅ Done: {text}", locale, text=truncate(one_line(text), FOLLOWUP_TEXT_MAX))
    blocks: list[Block] = [
        section_block(fmt("{}\n{}", headline, _deal_line(deal, locale))),
        context_block(mtr("Marked done by {who}, {when}.", locale, who=user(by), when=fmt_date(at, tz, locale))),
    ]
    return message(fmt("{}" + colon(locale) + "{}", deal.ref, headline), blocks)


def reminder_snoozed(deal: DealSnapshot, *, text: str, until: datetime, moved_due: bool, tz: ZoneInfo,
                     locale: str = "en") -> Message:
    key = N_("😴 Snoozed until {when}: {text}") if moved_due else N_("😴 Reminder snoozed until {when}: {text}")
    headline = mtr(key, locale, when=fmt_date(until, tz, locale), text=truncate(one_line(text), FOLLOWUP_TEXT_MAX))
    blocks: list[Block] = [section_block(fmt("{}\n{}", headline, _deal_line(deal, locale)))]
    if link := _open_channel(deal, locale):
        blocks.append(actions_block(*link))
    return message(fmt("{}" + colon(locale) + "{}", deal.ref, headline), blocks)


def nudge(what: str, deal: DealSnapshot, *, sla_due_at: datetime | None, stale_days: int | None, tz: ZoneInfo,
          locale: str = "en") -> Message:
    """An SLA warning or miss, a nurture re-score or a stale-deal nudge, with a link to the deal."""
    band = say(SCORE_BANDS.get(deal.score_band, deal.score_band), locale) if deal.score_band else ""
    values = {"deal": deal_heading(deal), "band": band,
              "when": fmt_date(sla_due_at, tz, locale), "days": stale_days or "",
              "stage": truncate(one_line(deal.stage.name), 60)}
    text = mtr(_NUDGES[what], locale, owner=user(deal.owner_id), **values)
    blocks: list[Block] = [section_block(fmt("{}\n{}", text, _deal_line(deal, locale)))]
    if link := _open_channel(deal, locale):
        blocks.append(actions_block(*link))
    return message(text, blocks)
