"""The daily digest and the weekly rep report as Block Kit: a fixed handful of blocks whatever the
team's size (lists name a few deals or reps and count the rest, then point to `/deal report`)."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from bot.blocks.report_labels import day_label, period_label
from bot.blocks.reports import percent
from bot.blocks.text import (
    Message,
    Mrkdwn,
    context_block,
    fields_block,
    fmt,
    fmt_amount,
    header_block,
    join,
    message,
    mtr,
    one_line,
    section_block,
    tr,
    truncate,
    user,
)
from models.infra.i18n import N_
from models.pipeline import Pipeline
from models.reporting.digests import DailyDigest, DealLine, Tally, WeeklyReport
from models.reporting.metrics import RepRow

REPS_SHOWN = 10


def _tally(tally: Tally, locale: str) -> str:
    return f"{tally.count} · {fmt_amount(tally.value, locale)}" if tally.value else str(tally.count)


def _stage(pipeline: Pipeline, key: str | None, locale: str) -> str:
    return pipeline.stage(key).display_name(locale) if key and key in pipeline else (key or "—")


def _deal(line: DealLine, pipeline: Pipeline, locale: str, note: str) -> Mrkdwn:
    amount = f" · {fmt_amount(line.amount, locale)}" if line.amount is not None else ""
    tail = f" · {note}" if note else ""
    return fmt("• *D-{}* {} · {} · {}{}{}", line.number, truncate(one_line(line.title), 60), user(line.owner_id),
               _stage(pipeline, line.stage_key, locale), amount, tail)


def _day(line: DealLine, tz: ZoneInfo) -> str:
    return line.when.astimezone(tz).date().isoformat() if line.when else "—"


def _more(shown: int, total: int, locale: str) -> list[Mrkdwn]:
    return [mtr("…and {n} more", locale, n=total - shown)] if total > shown else []


def _quota_line(rep: RepRow, locale: str) -> Mrkdwn:
    if rep.quota:
        return mtr("{user} {won} of {quota} ({pct})", locale,
                   user=user(rep.user_id), won=fmt_amount(rep.won_value, locale),
                 quota=fmt_amount(rep.quota, locale), pct=percent(rep.attainment))
    return mtr("{user} {won} won, no target", locale, user=user(rep.user_id), won=fmt_amount(rep.won_value, locale))


def daily_digest_message(d: DailyDigest, pipeline: Pipeline, *, tz: ZoneInfo, locale: str = "en") -> Message:
    title = tr("Daily digest · {day}", locale, day=day_label(d.day, locale))
    pipe_fields = [(tr("Open pipeline", locale), f"{d.pipe.open_count} · {fmt_amount(d.pipe.open_value, locale)}"),
                   (tr("Weighted forecast", locale), fmt_amount(d.pipe.weighted, locale))]
    if d.quiet:
        blocks: list[Block] = [header_block(title), section_block(mtr(
            "All quiet: no stage changes or new, won or lost deals yesterday; "
            "nothing overdue, stale or past its close date.",
            locale,
            )),
                               fields_block(pipe_fields, locale=locale), context_block(mtr(
                                   "Full numbers, funnel and chart: /deal report team", locale ))]
        return message(mtr("{title}: all quiet", locale, title=title), blocks)
    blocks = [header_block(title), fields_block([
        *pipe_fields,
        (tr("New yesterday", locale), _tally(d.new, locale)), (tr("Won yesterday", locale), _tally(d.won, locale)),
        (tr("Lost yesterday", locale), str(d.lost.count)), (tr("Stage changes yesterday", locale), str(d.moves_count)),
    ], locale=locale)]
    if d.moves:
        lines = [mtr("*Stage changes yesterday* ({n})", locale, n=d.moves_count)]
        lines += [mtr("• *D-{number}* {title}: {from_stage} → {to_stage} by {user}", locale,
                      number=m.number, title=truncate(one_line(m.title), 60),
                    from_stage=_stage(pipeline, m.from_stage, locale), to_stage=_stage(pipeline, m.to_stage, locale),
                    user=user(m.actor_id)) for m in d.moves]
        blocks.append(section_block(Mrkdwn("\n".join(lines + _more(len(d.moves), d.moves_count, locale)))))
    if d.overdue_by_rep:
        total = sum(n for _, n in d.overdue_by_rep)
        shown = d.overdue_by_rep[:REPS_SHOWN]
        text = mtr("*Overdue follow-ups* ({n}): {items}", locale,
                   n=total, items=join(", ", [fmt("{} {}", user(u), n) for u, n in shown]))
        blocks.append(section_block(Mrkdwn("\n".join([text, *_more(len(shown), len(d.overdue_by_rep), locale)]))))
    for heading, count, deals, note in (
        (N_("Stale deals"), d.stale_count, d.stale, N_("last touched")),
        (N_("Past their close date"), d.past_close_count, d.past_close, N_("close")),
    ):
        if count:
            lines = [fmt("*{}* ({})", tr(heading, locale), count)]
            lines += [_deal(x, pipeline, locale, f"{tr(note, locale)} {_day(x, tz)}") for x in deals]
            blocks.append(section_block(Mrkdwn("\n".join(lines + _more(len(deals), count, locale)))))
    heading = tr("Against quota, {month}", locale, month=period_label(d.month, locale))
    blocks.append(section_block(_quota_text(d.reps, heading, locale)))
    blocks.append(context_block(mtr("Full numbers, funnel and chart: /deal report team", locale)))
    summary = mtr("{title}: {moves} stage changes, {new} new, {won} won, {lost} lost; forecast {forecast}", locale,
                  title=title, moves=d.moves_count, new=d.new.count, won=d.won.count,
                lost=d.lost.count, forecast=fmt_amount(d.pipe.weighted, locale))
    return message(summary, blocks)


def _quota_text(reps: Sequence[RepRow], heading: str, locale: str) -> Mrkdwn:
    ranked = sorted(reps, key=lambda r: (-(r.attainment or -1), -r.won_value, r.user_id))
    lines = [fmt("*{}*", heading)] + [_quota_line(r, locale) for r in ranked[:REPS_SHOWN]]
    return Mrkdwn("\n".join(lines + _more(min(len(ranked), REPS_SHOWN), len(ranked), locale)))


def weekly_lines(w: WeeklyReport, pipeline: Pipeline, locale: str) -> list[Mrkdwn]:
    entered = join(", ", [fmt("{} {}", _stage(pipeline, k, locale), n) for k, n in w.entered]) or mtr("none", locale)
    return [
        mtr("*New deals:* {value}", locale, value=_tally(w.new, locale)),
        mtr("*Deals followed up:* {n}", locale, n=w.followed_up),
        mtr("*Entering each stage:* {items}", locale, items=entered),
        mtr("*Won:* {value}", locale, value=_tally(w.won, locale)),
    ]


def weekly_message(w: WeeklyReport, pipeline: Pipeline, *, tz: ZoneInfo, locale: str = "en") -> Message:
    title = tr("Your week · {first} to {last}", locale,
               first=w.period.first_day.isoformat(), last=w.period.last_day.isoformat())
    blocks: list[Block] = [header_block(title), section_block(Mrkdwn("\n".join(weekly_lines(w, pipeline, locale))))]
    for heading, deals in ((N_("High-value leads"), w.high_value), (N_("Deals won"), w.won_deals)):
        if deals:
            lines = [fmt("*{}*", tr(heading, locale))] + [_deal(x, pipeline, locale, "") for x in deals]
            blocks.append(section_block(Mrkdwn("\n".join(lines))))
    blocks.append(context_block(mtr("More: /deal report week", locale)))
    summary = mtr("{title}: {new} new, {won} won ({value})", locale, title=title, new=w.new.count, won=w.won.count,
                value=fmt_amount(w.won.value, locale))
    return message(summary, blocks)


def team_weekly_message(manager_id: str, weeks: Sequence[WeeklyReport], pipeline: Pipeline, *,
                        locale: str = "en") -> Message:
    first = weeks[0].period if weeks else None
    title = tr("Your team's week", locale)
    if first:
        title += " · " + tr("{first} to {last}", locale,
                            first=first.first_day.isoformat(), last=first.last_day.isoformat())
    ranked = sorted(weeks, key=lambda w: (-w.won.value, -w.new.count, w.user_id))
    shown = ranked[:REPS_SHOWN * 2]
    lines = [mtr("{user}: new {new} · followed up {followed} · won {won}", locale,
                 user=user(w.user_id), new=_tally(w.new, locale), followed=w.followed_up,
               won=_tally(w.won, locale)) for w in shown]
    lines += _more(len(shown), len(ranked), locale)
    body = Mrkdwn("\n".join(lines)) if lines else mtr("Nobody reports to you yet.", locale)
    blocks: list[Block] = [header_block(title), section_block(body), context_block(mtr(
        "More: /deal report week team", locale ))]
    return message(title, blocks)
