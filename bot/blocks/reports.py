"""`/deal report` as Block Kit: a fixed handful of blocks whatever the team's size (the per-rep
table shows the top reps and counts the rest)."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.blocks.report_labels import period_label, t, tp
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


def days(value: float | None, locale: str = "en") -> str:
    return "—" if value is None else tp("days", locale, n=value)


def report_message(report: Report, pipeline: Pipeline, *, scope_label: str, locale: str = "en",
                   chart_note: str | None = None, scope_note: str | None = None) -> Message:
    """`scope_note`: what the scope covers when it is not plain (a territory's report says which deals)."""
    title = tp("report_title", locale, period=period_label(report.period, locale), scope=scope_label)
    blocks: list[Block] = [header_block(title), fields_block(headline_fields(report, locale), locale=locale)]
    blocks.append(section_block(funnel_text(report, pipeline, locale)))
    blocks.append(section_block(sources_and_reasons(report, locale)))
    blocks.extend(section_block(chunk) for chunk in pack_lines(rep_lines(report, locale)))
    footer = [t("footer", locale, first=report.period.first_day.isoformat(), last=report.period.last_day.isoformat())]
    if scope_note:
        footer.append(scope_note)
    if chart_note:
        footer.append(chart_note)
    blocks.append(context_block(*footer))
    summary = t("report_summary", locale, title=title, won=report.won_count,
                value=fmt_amount(report.won_value, locale), rate=percent(report.win_rate),
                forecast=fmt_amount(report.pipe.weighted, locale))
    return message(summary, blocks)


def headline_fields(report: Report, locale: str) -> list[tuple[str, str]]:
    quota = (tp("of_quota", locale, pct=percent(report.attainment), quota=fmt_amount(report.quota, locale))
             if report.quota else tp("no_target", locale))
    return [
        (tp("won", locale), f"{report.won_count} · {fmt_amount(report.won_value, locale)}"),
        (tp("lost", locale), str(report.lost_count)),
        (tp("win_rate", locale), percent(report.win_rate)),
        (tp("cycle", locale), days(report.avg_cycle_days, locale)),
        (tp("new_deals", locale), str(report.new_count)),
        (tp("open_pipeline", locale), f"{report.pipe.open_count} · {fmt_amount(report.pipe.open_value, locale)}"),
        (tp("forecast", locale), fmt_amount(report.pipe.weighted, locale)),
        (tp("attainment", locale), quota),
    ]


def funnel_text(report: Report, pipeline: Pipeline, locale: str) -> Mrkdwn:
    times = {st.stage_key: st for st in report.stage_times}
    lines = [t("funnel", locale)]
    for step in report.funnel:
        stage = pipeline.stage(step.stage_key)
        parts = [fmt("{} *{}*", stage.display_name(locale), step.reached)]
        if step.conversion is not None:
            parts.append(t("converted", locale, pct=percent(step.conversion)))
        if step.stage_key in times:
            parts.append(t("on_average", locale, days=days(times[step.stage_key].avg_days, locale)))
        lines.append(Mrkdwn("• " + " · ".join(parts)))
    return Mrkdwn("\n".join(lines))


def sources_and_reasons(report: Report, locale: str) -> Mrkdwn:
    sources = [fmt("{} {} ({})", truncate(s.source or t("no_source", locale), 60), s.count,
                   fmt_amount(s.amount, locale)) for s in report.new_by_source[:SOURCES_SHOWN]]
    more = len(report.new_by_source) - SOURCES_SHOWN
    if more > 0:
        sources.append(t("more_sources", locale, n=more))
    reasons = [fmt("{} ×{}", truncate(r.reason, 80), r.count) for r in report.lost_reasons[:REASONS_SHOWN]]
    none = t("none", locale)
    return Mrkdwn(t("by_source", locale, items=join(", ", sources) if sources else none) + "\n"
                  + t("lost_reasons", locale, items=join(", ", reasons) if reasons else none))


def rep_line(rep: RepRow, locale: str) -> Mrkdwn:
    quota = (t("rep_quota", locale, pct=percent(rep.attainment), quota=fmt_amount(rep.quota, locale))
             if rep.quota else Mrkdwn(""))
    return t("rep_line", locale, user=user(rep.user_id), won=rep.won_count, won_value=fmt_amount(rep.won_value, locale),
             lost=rep.lost_count, new=rep.new_count, open=rep.open_count,
             open_value=fmt_amount(rep.open_value, locale), forecast=fmt_amount(rep.weighted, locale), quota=quota)


def rep_lines(report: Report, locale: str) -> list[Mrkdwn]:
    ranked = sorted(report.reps, key=lambda r: (-r.won_value, -r.weighted, r.user_id))
    lines = [t("by_rep", locale)] + [rep_line(r, locale) for r in ranked[:REPS_SHOWN]]
    if len(ranked) > REPS_SHOWN:
        lines.append(t("more_reps", locale, n=len(ranked) - REPS_SHOWN))
    return lines
