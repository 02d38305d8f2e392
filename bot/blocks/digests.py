"""The daily digest and the weekly rep report as Block Kit: a fixed handful of blocks whatever the
team's size (lists name a few deals or reps and count the rest, then point to `/deal report`)."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

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
REPORT_HINT = "Full numbers, funnel and chart: /deal report team"


def _tally(t: Tally, locale: str) -> str:
    return f"{t.count} · {fmt_amount(t.value, locale)}" if t.value else str(t.count)


def _stage(pipeline: Pipeline, key: str | None, locale: str) -> str:
    return pipeline.stage(key).display_name(locale) if key and key in pipeline else (key or "—")


def _deal(line: DealLine, pipeline: Pipeline, locale: str, note: str) -> Mrkdwn:
    amount = f" · {fmt_amount(line.amount, locale)}" if line.amount is not None else ""
    return fmt("• *D-{}* {} · {} · {}{} · {}", line.number, truncate(one_line(line.title), 60), user(line.owner_id),
               _stage(pipeline, line.stage_key, locale), amount, note)


def _day(line: DealLine, tz: ZoneInfo) -> str:
    return line.when.astimezone(tz).date().isoformat() if line.when else "—"


def _more(shown: int, total: int) -> list[Mrkdwn]:
    return [fmt("…and {} more", total - shown)] if total > shown else []


def _quota_line(rep: RepRow, locale: str) -> Mrkdwn:
    if rep.quota:
        return fmt("{} {} of {} ({})", user(rep.user_id), fmt_amount(rep.won_value, locale),
                   fmt_amount(rep.quota, locale), percent(rep.attainment))
    return fmt("{} {} won, no target", user(rep.user_id), fmt_amount(rep.won_value, locale))


def daily_digest_message(d: DailyDigest, pipeline: Pipeline, *, tz: ZoneInfo, locale: str = "en") -> Message:
    title = f"Daily digest · {d.day.strftime('%a %-d %b %Y')}"
    pipe_fields = [("Open pipeline", f"{d.pipe.open_count} · {fmt_amount(d.pipe.open_value, locale)}"),
                   ("Weighted forecast", fmt_amount(d.pipe.weighted, locale))]
    if d.quiet:
        text = ("All quiet: no stage changes or new, won or lost deals yesterday; "
                "nothing overdue, stale or past its close date.")
        blocks: list[Block] = [header_block(title), section_block(text), fields_block(pipe_fields, locale=locale),
                               context_block(REPORT_HINT)]
        return message(f"{title}: all quiet", blocks)
    blocks = [header_block(title), fields_block([
        *pipe_fields,
        ("New yesterday", _tally(d.new, locale)), ("Won yesterday", _tally(d.won, locale)),
        ("Lost yesterday", str(d.lost.count)), ("Stage changes yesterday", str(d.moves_count)),
    ], locale=locale)]
    if d.moves:
        lines = [fmt("*Stage changes yesterday* ({})", d.moves_count)]
        lines += [fmt("• *D-{}* {}: {} → {} by {}", m.number, truncate(one_line(m.title), 60),
                      _stage(pipeline, m.from_stage, locale), _stage(pipeline, m.to_stage, locale), user(m.actor_id))
                  for m in d.moves]
        blocks.append(section_block(Mrkdwn("\n".join(lines + _more(len(d.moves), d.moves_count)))))
    if d.overdue_by_rep:
        total = sum(n for _, n in d.overdue_by_rep)
        shown = d.overdue_by_rep[:REPS_SHOWN]
        text = fmt("*Overdue follow-ups* ({}): {}", total, join(", ", [fmt("{} {}", user(u), n) for u, n in shown]))
        blocks.append(section_block(Mrkdwn("\n".join([text, *_more(len(shown), len(d.overdue_by_rep))]))))
    for heading, count, deals, note in (
        ("Stale deals", d.stale_count, d.stale, "last touched"),
        ("Past their close date", d.past_close_count, d.past_close, "close"),
    ):
        if count:
            lines = [fmt("*{}* ({})", heading, count)]
            lines += [_deal(x, pipeline, locale, f"{note} {_day(x, tz)}") for x in deals]
            blocks.append(section_block(Mrkdwn("\n".join(lines + _more(len(deals), count)))))
    blocks.append(section_block(_quota_text(d.reps, f"Against quota, {d.month.label}", locale)))
    blocks.append(context_block(REPORT_HINT))
    summary = (f"{title}: {d.moves_count} stage changes, {d.new.count} new, {d.won.count} won, {d.lost.count} lost; "
               f"forecast {fmt_amount(d.pipe.weighted, locale)}")
    return message(summary, blocks)


def _quota_text(reps: Sequence[RepRow], heading: str, locale: str) -> Mrkdwn:
    ranked = sorted(reps, key=lambda r: (-(r.attainment or -1), -r.won_value, r.user_id))
    lines = [fmt("*{}*", heading)] + [_quota_line(r, locale) for r in ranked[:REPS_SHOWN]]
    return Mrkdwn("\n".join(lines + _more(min(len(ranked), REPS_SHOWN), len(ranked))))


def weekly_lines(w: WeeklyReport, pipeline: Pipeline, locale: str) -> list[Mrkdwn]:
    entered = join(", ", [fmt("{} {}", _stage(pipeline, k, locale), n) for k, n in w.entered]) or "none"
    return [
        fmt("*New deals:* {}", _tally(w.new, locale)),
        fmt("*Deals followed up:* {}", w.followed_up),
        fmt("*Entering each stage:* {}", entered),
        fmt("*Won:* {}", _tally(w.won, locale)),
    ]


def weekly_message(w: WeeklyReport, pipeline: Pipeline, *, tz: ZoneInfo, locale: str = "en") -> Message:
    title = f"Your week · {w.period.first_day.isoformat()} to {w.period.last_day.isoformat()}"
    blocks: list[Block] = [header_block(title), section_block(Mrkdwn("\n".join(weekly_lines(w, pipeline, locale))))]
    for heading, deals in (("High-value leads", w.high_value), ("Deals won", w.won_deals)):
        if deals:
            lines = [fmt("*{}*", heading)] + [_deal(x, pipeline, locale, "") for x in deals]
            blocks.append(section_block(Mrkdwn("\n".join(lines))))
    blocks.append(context_block("More: /deal report week"))
    return message(f"{title}: {w.new.count} new, {w.won.count} won ({fmt_amount(w.won.value, locale)})", blocks)


def team_weekly_message(manager_id: str, weeks: Sequence[WeeklyReport], pipeline: Pipeline, *,
                        locale: str = "en") -> Message:
    first = weeks[0].period if weeks else None
    title = "Your team's week" + (f" · {first.first_day.isoformat()} to {first.last_day.isoformat()}" if first else "")
    ranked = sorted(weeks, key=lambda w: (-w.won.value, -w.new.count, w.user_id))
    lines = [fmt("{}: new {} · followed up {} · won {}", user(w.user_id), _tally(w.new, locale), w.followed_up,
                 _tally(w.won, locale)) for w in ranked[:REPS_SHOWN * 2]]
    lines += _more(min(len(ranked), REPS_SHOWN * 2), len(ranked))
    body = Mrkdwn("\n".join(lines)) if lines else Mrkdwn("Nobody reports to you yet.")
    blocks: list[Block] = [header_block(title), section_block(body), context_block("More: /deal report week team")]
    return message(title, blocks)
