"""`/deal report` as Block Kit: a fixed handful of blocks whatever the team's size (the per-rep
table shows the top reps and counts the rest)."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

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
    pack_lines,
    section_block,
    truncate,
    user,
)
from models.metrics import Report, RepRow
from models.pipeline import Pipeline

REPS_SHOWN = 10
SOURCES_SHOWN = 5
REASONS_SHOWN = 5


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} d"


def report_message(report: Report, pipeline: Pipeline, *, scope_label: str, locale: str = "en",
                   chart_note: str | None = None) -> Message:
    title = f"Report · {report.period.label} · {scope_label}"
    blocks: list[Block] = [header_block(title), fields_block(headline_fields(report, locale), locale=locale)]
    blocks.append(section_block(funnel_text(report, pipeline, locale)))
    blocks.append(section_block(sources_and_reasons(report, locale)))
    blocks.extend(section_block(chunk) for chunk in pack_lines(rep_lines(report, locale)))
    footer = [fmt("{} to {} · new deals by creation date, won and lost by close date",
                  report.period.first_day.isoformat(), report.period.last_day.isoformat())]
    if chart_note:
        footer.append(chart_note)
    blocks.append(context_block(*footer))
    summary = (f"{title}: won {report.won_count} ({fmt_amount(report.won_value, locale)}), "
               f"win rate {percent(report.win_rate)}, forecast {fmt_amount(report.pipe.weighted, locale)}")
    return message(summary, blocks)


def headline_fields(report: Report, locale: str) -> list[tuple[str, str]]:
    quota = (f"{percent(report.attainment)} of {fmt_amount(report.quota, locale)}" if report.quota
             else "no target set")
    return [
        ("Won", f"{report.won_count} · {fmt_amount(report.won_value, locale)}"),
        ("Lost", str(report.lost_count)),
        ("Win rate", percent(report.win_rate)),
        ("Average cycle (created → won)", days(report.avg_cycle_days)),
        ("New deals", str(report.new_count)),
        ("Open pipeline", f"{report.pipe.open_count} · {fmt_amount(report.pipe.open_value, locale)}"),
        ("Weighted forecast", fmt_amount(report.pipe.weighted, locale)),
        ("Quota attainment", quota),
    ]


def funnel_text(report: Report, pipeline: Pipeline, locale: str) -> Mrkdwn:
    times = {t.stage_key: t for t in report.stage_times}
    lines = [fmt("*Funnel* (deals reaching each stage; conversion from the step before; average days in stage)")]
    for step in report.funnel:
        stage = pipeline.stage(step.stage_key)
        parts = [fmt("{} *{}*", stage.display_name(locale), step.reached)]
        if step.conversion is not None:
            parts.append(fmt("{} converted", percent(step.conversion)))
        if step.stage_key in times:
            parts.append(fmt("{} on average", days(times[step.stage_key].avg_days)))
        lines.append(Mrkdwn("• " + " · ".join(parts)))
    return Mrkdwn("\n".join(lines))


def sources_and_reasons(report: Report, locale: str) -> Mrkdwn:
    sources = [fmt("{} {} ({})", truncate(s.source or "no source", 60), s.count, fmt_amount(s.amount, locale))
               for s in report.new_by_source[:SOURCES_SHOWN]]
    more = len(report.new_by_source) - SOURCES_SHOWN
    if more > 0:
        sources.append(fmt("{} more sources", more))
    reasons = [fmt("{} ×{}", truncate(r.reason, 80), r.count) for r in report.lost_reasons[:REASONS_SHOWN]]
    return Mrkdwn(
        fmt("*New deals by source:* {}", join(", ", sources) if sources else "none") + "\n"
        + fmt("*Lost reasons:* {}", join(", ", reasons) if reasons else "none")
    )


def rep_line(rep: RepRow, locale: str) -> Mrkdwn:
    quota = (f" · {percent(rep.attainment)} of target {fmt_amount(rep.quota, locale)}" if rep.quota else "")
    return fmt("{} won {} ({}) · lost {} · new {} · open {} ({}), forecast {}{}", user(rep.user_id), rep.won_count,
               fmt_amount(rep.won_value, locale), rep.lost_count, rep.new_count, rep.open_count,
               fmt_amount(rep.open_value, locale), fmt_amount(rep.weighted, locale), quota)


def rep_lines(report: Report, locale: str) -> list[Mrkdwn]:
    ranked = sorted(report.reps, key=lambda r: (-r.won_value, -r.weighted, r.user_id))
    lines = [Mrkdwn("*By rep* (most won first)")] + [rep_line(r, locale) for r in ranked[:REPS_SHOWN]]
    if len(ranked) > REPS_SHOWN:
        lines.append(fmt("…and {} more reps: ask about one with /deal report @user", len(ranked) - REPS_SHOWN))
    return lines
