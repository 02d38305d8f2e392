"""Words of reports and digests in English and Chinese (DEALROOM_LOCALE). Templates are our own
mrkdwn; `fmt` escapes whatever fills them."""

from __future__ import annotations

from datetime import date

from bot.blocks.text import Mrkdwn, fmt, normalize_locale
from models.metrics import Period

_EN = {
    "report_title": "Report · {period} · {scope}",
    "won": "Won", "lost": "Lost", "win_rate": "Win rate", "cycle": "Average cycle (created → won)",
    "new_deals": "New deals", "open_pipeline": "Open pipeline", "forecast": "Weighted forecast",
    "attainment": "Quota attainment", "of_quota": "{pct} of {quota}", "no_target": "no target set",
    "funnel": "*Funnel* (deals reaching each stage; conversion from the step before; average days in stage)",
    "converted": "{pct} converted", "on_average": "{days} on average", "days": "{n:.1f} d",
    "by_source": "*New deals by source:* {items}", "no_source": "no source", "more_sources": "{n} more sources",
    "lost_reasons": "*Lost reasons:* {items}", "none": "none",
    "footer": "{first} to {last} · new deals by creation date, won and lost by close date",
    "report_summary": "{title}: won {won} ({value}), win rate {rate}, forecast {forecast}",
    "rep_line": "{user} won {won} ({won_value}) · lost {lost} · new {new} · open {open} ({open_value}), "
                "forecast {forecast}{quota}",
    "rep_quota": " · {pct} of target {quota}",
    "by_rep": "*By rep* (most won first)",
    "more_reps": "…and {n} more reps: ask about one with /deal report @user",
    "chart_note": "The chart is on its way to your DM with Dealroom.",
    "everyone": "everyone", "your_team": "your team", "you": "you", "monthly_review": "your team · monthly review",
    # the daily digest
    "daily_title": "Daily digest · {day}",
    "new_yesterday": "New yesterday", "won_yesterday": "Won yesterday", "lost_yesterday": "Lost yesterday",
    "moves_yesterday": "Stage changes yesterday",
    "all_quiet": "All quiet: no stage changes or new, won or lost deals yesterday; "
                 "nothing overdue, stale or past its close date.",
    "all_quiet_summary": "{title}: all quiet",
    "moves_heading": "*Stage changes yesterday* ({n})",
    "move_line": "• *D-{number}* {title}: {from_stage} → {to_stage} by {user}",
    "overdue": "*Overdue follow-ups* ({n}): {items}",
    "stale": "Stale deals", "past_close": "Past their close date", "last_touched": "last touched", "close": "close",
    "against_quota": "Against quota, {month}",
    "quota_line": "{user} {won} of {quota} ({pct})", "no_quota_line": "{user} {won} won, no target",
    "report_hint": "Full numbers, funnel and chart: /deal report team",
    "and_more": "…and {n} more",
    "daily_summary": "{title}: {moves} stage changes, {new} new, {won} won, {lost} lost; forecast {forecast}",
    # the weekly reports
    "week_title": "Your week · {first} to {last}",
    "week_new": "*New deals:* {value}", "week_followed": "*Deals followed up:* {n}",
    "week_entered": "*Entering each stage:* {items}", "week_won": "*Won:* {value}",
    "high_value": "High-value leads", "deals_won": "Deals won", "week_more": "More: /deal report week",
    "week_summary": "{title}: {new} new, {won} won ({value})",
    "team_week_title": "Your team's week", "team_week_line": "{user}: new {new} · followed up {followed} · won {won}",
    "range": "{first} to {last}", "nobody_reports": "Nobody reports to you yet.",
    "team_week_more": "More: /deal report week team",
}

_ZH = {
    "report_title": "报告 · {period} · {scope}",
    "won": "赢单", "lost": "输单", "win_rate": "赢率", "cycle": "平均销售周期（创建 → 赢单）",
    "new_deals": "新商机", "open_pipeline": "在途商机", "forecast": "加权预测",
    "attainment": "指标完成率", "of_quota": "{quota} 的 {pct}", "no_target": "未设指标",
    "funnel": "*漏斗*（到达各阶段的商机；相对上一步的转化率；各阶段平均停留天数）",
    "converted": "转化 {pct}", "on_average": "平均 {days}", "days": "{n:.1f} 天",
    "by_source": "*新商机来源：* {items}", "no_source": "无来源", "more_sources": "另有 {n} 个来源",
    "lost_reasons": "*输单原因：* {items}", "none": "无",
    "footer": "{first} 至 {last} · 新商机按创建日期，赢单和输单按关闭日期",
    "report_summary": "{title}：赢单 {won}（{value}），赢率 {rate}，预测 {forecast}",
    "rep_line": "{user} 赢单 {won}（{won_value}）· 输单 {lost} · 新增 {new} · 在途 {open}（{open_value}），"
                "预测 {forecast}{quota}",
    "rep_quota": " · 完成指标 {quota} 的 {pct}",
    "by_rep": "*按销售*（赢单最多者在前）",
    "more_reps": "……另有 {n} 位销售：用 /deal report @user 查看某一位",
    "chart_note": "图表正在发送到你与 Dealroom 的私信。",
    "everyone": "全部", "your_team": "你的团队", "you": "你", "monthly_review": "你的团队 · 月度回顾",
    "daily_title": "每日摘要 · {day}",
    "new_yesterday": "昨日新增", "won_yesterday": "昨日赢单", "lost_yesterday": "昨日输单",
    "moves_yesterday": "昨日阶段变化",
    "all_quiet": "一切平静：昨天没有阶段变化，没有新增、赢单或输单；没有逾期、停滞或超过预计成交日期的商机。",
    "all_quiet_summary": "{title}：一切平静",
    "moves_heading": "*昨日阶段变化*（{n}）",
    "move_line": "• *D-{number}* {title}：{from_stage} → {to_stage}，由 {user}",
    "overdue": "*逾期跟进*（{n}）：{items}",
    "stale": "停滞商机", "past_close": "已过预计成交日期", "last_touched": "最后更新", "close": "预计成交",
    "against_quota": "指标进度，{month}",
    "quota_line": "{user} {won} / {quota}（{pct}）", "no_quota_line": "{user} 赢单 {won}，未设指标",
    "report_hint": "完整数字、漏斗和图表：/deal report team",
    "and_more": "……另有 {n} 项",
    "daily_summary": "{title}：阶段变化 {moves}，新增 {new}，赢单 {won}，输单 {lost}；预测 {forecast}",
    "week_title": "你的一周 · {first} 至 {last}",
    "week_new": "*新商机：* {value}", "week_followed": "*已跟进商机：* {n}",
    "week_entered": "*进入各阶段：* {items}", "week_won": "*赢单：* {value}",
    "high_value": "高价值线索", "deals_won": "赢单商机", "week_more": "更多：/deal report week",
    "week_summary": "{title}：新增 {new}，赢单 {won}（{value}）",
    "team_week_title": "你的团队的一周", "team_week_line": "{user}：新增 {new} · 跟进 {followed} · 赢单 {won}",
    "range": "{first} 至 {last}", "nobody_reports": "还没有人向你汇报。",
    "team_week_more": "更多：/deal report week team",
}

_TABLES = {"en": _EN, "zh-CN": _ZH}
_WEEKDAYS_ZH = "一二三四五六日"


def t(key: str, locale: str = "en", **values: object) -> Mrkdwn:
    """A template in the locale, filled with escaped values (Mrkdwn values are kept)."""
    template = _TABLES[normalize_locale(locale)].get(key) or _EN[key]
    if "{n:" in template:  # a number format: no escaping needed
        return Mrkdwn(template.format(**values))
    return fmt(template, **values)


def tp(key: str, locale: str = "en", **values: object) -> str:
    """The same template as plain text (for headers, field names and values the builders escape)."""
    template = _TABLES[normalize_locale(locale)].get(key) or _EN[key]
    return template.format(**values)


def period_label(period: Period, locale: str = "en") -> str:
    if normalize_locale(locale) != "zh-CN":
        return period.label
    first = period.first_day
    if period.kind == "week":
        return f"{first.isoformat()} 起的一周"
    if period.kind == "month":
        return f"{first.year}年{first.month}月"
    if period.kind == "quarter":
        return f"{first.year}年第{(first.month - 1) // 3 + 1}季度"
    return f"{first.year}年"


def day_label(day: date, locale: str = "en") -> str:
    if normalize_locale(locale) == "zh-CN":
        return f"{day.year}年{day.month}月{day.day}日 周{_WEEKDAYS_ZH[day.weekday()]}"
    return f"{day.strftime('%a')} {day.day} {day.strftime('%b %Y')}"
