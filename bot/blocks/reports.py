"""`/deal report` as Block Kit: a fixed handful of blocks whatever the team's size (the per-rep
table shows the top reps and counts the rest)."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.blocks.report_labels import period_label
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
    mtext,
    mtr,
    pack_lines,
    section_block,
    tr,
    truncate,
    user,
)
from models.infra.i18n import tn
from models.pipeline import Pipeline
from models.reporting.metrics import Report, RepRow

REPS_SHOWN = 10
SOURCES_SHOWN = 5
REASONS_SHOWN = 5


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def days(value: float | None, locale: str = "en") -> str:
    return "—" if value is None else tr("{n:.1f} d", locale, n=value)


def report_message(report: Report, pipeline: Pipeline, *, scope_label: str, locale: str = "en",
                   chart_note: str | None = None, scope_note: str | None = None) -> Message:
    """`scope_note`: what the scope covers when it is not plain (a territory's report says which deals)."""
    title = tr("Report · {period} · {scope}", locale, period=period_label(report.period, locale), scope=scope_label)
    blocks: list[Block] = [header_block(title), fields_block(headline_fields(report, locale), locale=locale)]
    blocks.append(section_block(funnel_text(report, pipeline, locale)))
    blocks.append(section_block(sources_and_reasons(report, locale)))
    blocks.extend(section_block(chunk) for chunk in pack_lines(rep_lines(report, locale)))
    footer: list[str] = [mtr("{first} to {last} · new deals by creation date, won and lost by close date", locale,
                  first=report.period.first_day.isoformat(), last=report.period.last_day.isoformat())]
    if scope_note:
        footer.append(scope_note)
    if chart_note:
        footer.append(chart_note)
    blocks.append(context_block(*footer))
    summary = mtr("{title}: won {won} ({value}), win rate {rate}, forecast {forecast}", locale,
                  title=title, won=report.won_count,
                value=fmt_amount(report.won_value, locale), rate=percent(report.win_rate),
                forecast=fmt_amount(report.pipe.weighted, locale))
    return message(summary, blocks)


def headline_fields(report: Report, locale: str) -> list[tuple[str, str]]:
    quota = (tr("{pct} of {quota}", locale, pct=percent(report.attainment), quota=fmt_amount(report.quota, locale))
             if report.quota else tr("no target set", locale))
    return [
        (tr("Won", locale), f"{report.won_count} · {fmt_amount(report.won_value, locale)}"),
        (tr("Lost", locale), str(report.lost_count)),
        (tr("Win rate", locale), percent(report.win_rate)),
        (tr("Average cycle (created → won)", locale), days(report.avg_cycle_days, locale)),
        (tr("New deals", locale), str(report.new_count)),
        (tr("Open pipeline", locale), f"{report.pipe.open_count} · {fmt_amount(report.pipe.open_value, locale)}"),
        (tr("Weighted forecast", locale), fmt_amount(report.pipe.weighted, locale)),
        (tr("Quota attainment", locale), quota),
    ]


def funnel_text(report: Report, pipeline: Pipeline, locale: str) -> Mrkdwn:
    times = {st.stage_key: st for st in report.stage_times}
    lines = [mtr("*Funnel* (deals reaching each stage; conversion from the step before; average days in stage)", locale
                 )]
    for step in report.funnel:
        stage = pipeline.stage(step.stage_key)
        parts = [fmt("{} *{}*", stage.display_name(locale), step.reached)]
        if step.conversion is not None:
            parts.append(mtr("{pct} converted", locale, pct=percent(step.conversion)))
        if step.stage_key in times:
            parts.append(mtr("{days} on average", locale, days=days(times[step.stage_key].avg_days, locale)))
        lines.append(Mrkdwn("• " + " · ".join(parts)))
    return Mrkdwn("\n".join(lines))


def sources_and_reasons(report: Report, locale: str) -> Mrkdwn:
    sources = [fmt("{} {} ({})", truncate(s.source or mtr("no source", locale), 60), s.count,
                   fmt_amount(s.amount, locale)) for s in report.new_by_source[:SOURCES_SHOWN]]
    more = len(report.new_by_source) - SOURCES_SHOWN
    if more > 0:
        sources.append(mtext(tn("{n} more source", "{n} more sources", more), locale))
    reasons = [fmt("{} ×{}", truncate(r.reason, 80), r.count) for r in report.lost_reasons[:REASONS_SHOWN]]
    none = mtr("none", locale)
    return Mrkdwn(mtr("*New deals by source:* {items}", locale, items=join(", ", sources) if sources else none) + "\n"
                  + mtr("*Lost reasons:* {items}", locale, items=join(", ", reasons) if reasons else none))


def rep_line(rep: RepRow, locale: str) -> Mrkdwn:
    quota = (mtr(" · {pct} of target {quota}", locale, pct=percent(rep.attainment), quota=fmt_amount(rep.quota, locale))
             if rep.quota else Mrkdwn(""))
    return mtr(
        "{user} won {won} ({won_value}) · lost {lost} · new {new} · open {open} ({open_value}), "
        "forecast {forecast}{quota}",
        locale,
        user=user(rep.user_id), won=rep.won_count, won_value=fmt_amount(rep.won_value, locale),
             lost=rep.lost_count, new=rep.new_count, open=rep.open_count,
             open_value=fmt_amount(rep.open_value, locale), forecast=fmt_amount(rep.weighted, locale), quota=quota)


def rep_lines(report: Report, locale: str) -> list[Mrkdwn]:
    ranked = sorted(report.reps, key=lambda r: (-r.won_value, -r.weighted, r.user_id))
    lines = [mtr("*By rep* (most won first)", locale)] + [rep_line(r, locale) for r in ranked[:REPS_SHOWN]]
    if len(ranked) > REPS_SHOWN:
        lines.append(mtext(tn("…and {n} more rep: ask about one with /deal report @user",
                              "…and {n} more reps: ask about one with /deal report @user", len(ranked) - REPS_SHOWN),
                           locale))
    return lines
