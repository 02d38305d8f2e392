"""The daily digest and the weekly rep report as Block Kit: a fixed handful of blocks whatever the
team's size (lists name a few deals or reps and count the rest, then point to `/deal report`)."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from bot.blocks.report_labels import day_label, period_label, t, tp
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
    one_line,
    section_block,
    truncate,
    user,
)
from models.digests import DailyDigest, DealLine, Tally, WeeklyReport
from models.metrics import RepRow
from models.pipeline import Pipeline

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
    return [t("and_more", locale, n=total - shown)] if total > shown else []


def _quota_line(rep: RepRow, locale: str) -> Mrkdwn:
    if rep.quota:
        return t("quota_line", locale, user=user(rep.user_id), won=fmt_amount(rep.won_value, locale),
                 quota=fmt_amount(rep.quota, locale), pct=percent(rep.attainment))
    return t("no_quota_line", locale, user=user(rep.user_id), won=fmt_amount(rep.won_value, locale))


def daily_digest_message(d: DailyDigest, pipeline: Pipeline, *, tz: ZoneInfo, locale: str = "en") -> Message:
    title = tp("daily_title", locale, day=day_label(d.day, locale))
    pipe_fields = [(tp("open_pipeline", locale), f"{d.pipe.open_count} · {fmt_amount(d.pipe.open_value, locale)}"),
                   (tp("forecast", locale), fmt_amount(d.pipe.weighted, locale))]
    if d.quiet:
        blocks: list[Block] = [header_block(title), section_block(t("all_quiet", locale)),
                               fields_block(pipe_fields, locale=locale), context_block(t("report_hint", locale))]
        return message(t("all_quiet_summary", locale, title=title), blocks)
    blocks = [header_block(title), fields_block([
        *pipe_fields,
        (tp("new_yesterday", locale), _tally(d.new, locale)), (tp("won_yesterday", locale), _tally(d.won, locale)),
        (tp("lost_yesterday", locale), str(d.lost.count)), (tp("moves_yesterday", locale), str(d.moves_count)),
    ], locale=locale)]
    if d.moves:
        lines = [t("moves_heading", locale, n=d.moves_count)]
        lines += [t("move_line", locale, number=m.number, title=truncate(one_line(m.title), 60),
                    from_stage=_stage(pipeline, m.from_stage, locale), to_stage=_stage(pipeline, m.to_stage, locale),
                    user=user(m.actor_id)) for m in d.moves]
        blocks.append(section_block(Mrkdwn("\n".join(lines + _more(len(d.moves), d.moves_count, locale)))))
    if d.overdue_by_rep:
        total = sum(n for _, n in d.overdue_by_rep)
        shown = d.overdue_by_rep[:REPS_SHOWN]
        text = t("overdue", locale, n=total, items=join(", ", [fmt("{} {}", user(u), n) for u, n in shown]))
        blocks.append(section_block(Mrkdwn("\n".join([text, *_more(len(shown), len(d.overdue_by_rep), locale)]))))
    for heading, count, deals, note in (
        ("stale", d.stale_count, d.stale, "last_touched"),
        ("past_close", d.past_close_count, d.past_close, "close"),
    ):
        if count:
            lines = [fmt("*{}* ({})", tp(heading, locale), count)]
            lines += [_deal(x, pipeline, locale, f"{tp(note, locale)} {_day(x, tz)}") for x in deals]
            blocks.append(section_block(Mrkdwn("\n".join(lines + _more(len(deals), count, locale)))))
    heading = tp("against_quota", locale, month=period_label(d.month, locale))
    blocks.append(section_block(_quota_text(d.reps, heading, locale)))
    blocks.append(context_block(t("report_hint", locale)))
    summary = t("daily_summary", locale, title=title, moves=d.moves_count, new=d.new.count, won=d.won.count,
                lost=d.lost.count, forecast=fmt_amount(d.pipe.weighted, locale))
    return message(summary, blocks)


def _quota_text(reps: Sequence[RepRow], heading: str, locale: str) -> Mrkdwn:
    ranked = sorted(reps, key=lambda r: (-(r.attainment or -1), -r.won_value, r.user_id))
    lines = [fmt("*{}*", heading)] + [_quota_line(r, locale) for r in ranked[:REPS_SHOWN]]
    return Mrkdwn("\n".join(lines + _more(min(len(ranked), REPS_SHOWN), len(ranked), locale)))


def weekly_lines(w: WeeklyReport, pipeline: Pipeline, locale: str) -> list[Mrkdwn]:
    entered = join(", ", [fmt("{} {}", _stage(pipeline, k, locale), n) for k, n in w.entered]) or t("none", locale)
    return [
        t("week_new", locale, value=_tally(w.new, locale)),
        t("week_followed", locale, n=w.followed_up),
        t("week_entered", locale, items=entered),
        t("week_won", locale, value=_tally(w.won, locale)),
    ]


def weekly_message(w: WeeklyReport, pipeline: Pipeline, *, tz: ZoneInfo, locale: str = "en") -> Message:
    title = tp("week_title", locale, first=w.period.first_day.isoformat(), last=w.period.last_day.isoformat())
    blocks: list[Block] = [header_block(title), section_block(Mrkdwn("\n".join(weekly_lines(w, pipeline, locale))))]
    for heading, deals in (("high_value", w.high_value), ("deals_won", w.won_deals)):
        if deals:
            lines = [fmt("*{}*", tp(heading, locale))] + [_deal(x, pipeline, locale, "") for x in deals]
            blocks.append(section_block(Mrkdwn("\n".join(lines))))
    blocks.append(context_block(t("week_more", locale)))
    summary = t("week_summary", locale, title=title, new=w.new.count, won=w.won.count,
                value=fmt_amount(w.won.value, locale))
    return message(summary, blocks)


def team_weekly_message(manager_id: str, weeks: Sequence[WeeklyReport], pipeline: Pipeline, *,
                        locale: str = "en") -> Message:
    first = weeks[0].period if weeks else None
    title = tp("team_week_title", locale)
    if first:
        title += " · " + tp("range", locale, first=first.first_day.isoformat(), last=first.last_day.isoformat())
    ranked = sorted(weeks, key=lambda w: (-w.won.value, -w.new.count, w.user_id))
    shown = ranked[:REPS_SHOWN * 2]
    lines = [t("team_week_line", locale, user=user(w.user_id), new=_tally(w.new, locale), followed=w.followed_up,
               won=_tally(w.won, locale)) for w in shown]
    lines += _more(len(shown), len(ranked), locale)
    body = Mrkdwn("\n".join(lines)) if lines else t("nobody_reports", locale)
    blocks: list[Block] = [header_block(title), section_block(body), context_block(t("team_week_more", locale))]
    return message(title, blocks)
