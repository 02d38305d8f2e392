"""The App Home tab (views.publish): a person's open deals, overdue follow-ups and, for managers,
the team pipeline with its weighted forecast. At most ~45 blocks whatever the numbers (limit: 100)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, DividerBlock

from bot.blocks.cards import stage_text
from bot.blocks.text import (
    Mrkdwn,
    actions_block,
    button,
    channel,
    context_block,
    extend_labels,
    fields_block,
    fmt,
    fmt_amount,
    fmt_date,
    header_block,
    is_channel_id,
    label,
    one_line,
    pack_lines,
    section_block,
    truncate,
)
from bot.ids import ActionId, deal_value
from models.home import HomePicture, TeamPipeline
from models.snapshots import DealSnapshot

OVERDUE_SECTIONS_MAX = 3

extend_labels({
    "en": {
        "home.my_deals": "Your open deals",
        "home.no_deals": "No open deals. Start one with /deal new <title> customer:… amount:…",
        "home.more_deals": "More in /deal list",
        "home.next": "Next follow-up: {when}",
        "home.no_next": "No follow-up scheduled",
        "home.overdue": "Overdue follow-ups",
        "home.overdue_more": "{n} more overdue: /deal list shows them all",
        "home.due": "due {when}",
        "home.team": "Team pipeline",
        "home.stage_total": "{deals} deals · {amount} · weighted {weighted}",
        "home.forecast": "Weighted forecast: *{forecast}* of {amount} open in {deals} deals",
        "home.open_channel": "Open channel",
        "home.log_note": "Log note",
        "home.fallback": "Dealroom: your deals",
    },
    "zh-CN": {
        "home.my_deals": "你的进行中商机",
        "home.no_deals": "还没有进行中的商机。用 /deal new <标题> customer:… amount:… 新建一个",
        "home.more_deals": "更多请用 /deal list 查看",
        "home.next": "下次跟进：{when}",
        "home.no_next": "未安排跟进",
        "home.overdue": "逾期跟进",
        "home.overdue_more": "另有 {n} 条逾期：/deal list 可查看全部",
        "home.due": "应于 {when}",
        "home.team": "团队销售漏斗",
        "home.stage_total": "{deals} 个商机 · {amount} · 加权 {weighted}",
        "home.forecast": "加权预测：*{forecast}*（进行中 {amount}，共 {deals} 个商机）",
        "home.open_channel": "打开频道",
        "home.log_note": "记录跟进",
        "home.fallback": "Dealroom：你的商机",
    },
})


def home_view(picture: HomePicture, *, tz: ZoneInfo, locale: str = "en") -> dict[str, Any]:
    blocks: list[Block] = [header_block(label("home.my_deals", locale))]
    if not picture.deals:
        blocks.append(context_block(fmt("{}", label("home.no_deals", locale))))
    for deal in picture.deals:
        blocks.extend(_deal_blocks(deal, tz=tz, locale=locale))
    if picture.more_deals:
        blocks.append(context_block(fmt("{}", label("home.more_deals", locale))))
    if picture.overdue:
        blocks += [DividerBlock(), header_block(label("home.overdue", locale))]
        lines = [
            Mrkdwn(fmt("{} *D-{}* {} · {}", channel(o.channel_id) if is_channel_id(o.channel_id) else "",
                o.deal_number, truncate(one_line(o.deal_title), 100),
                label("home.due", locale, when=fmt_date(o.due_at, tz, locale)))
            + fmt(" — {}", truncate(one_line(o.text), 300)))
            for o in picture.overdue
        ]
        blocks += [section_block(chunk) for chunk in pack_lines(lines)[:OVERDUE_SECTIONS_MAX]]
        if picture.overdue_total > len(picture.overdue):
            more = picture.overdue_total - len(picture.overdue)
            blocks.append(context_block(fmt("{}", label("home.overdue_more", locale, n=more))))
    if picture.team is not None:
        blocks += [DividerBlock(), header_block(label("home.team", locale)), *_team_blocks(picture.team, locale)]
    return {"type": "home", "blocks": [b.to_dict() for b in blocks]}


def _deal_blocks(deal: DealSnapshot, *, tz: ZoneInfo, locale: str) -> list[Block]:
    parts = [fmt("*{}* · {}", deal.ref, truncate(one_line(deal.title), 150))]
    if deal.customer:
        parts.append(fmt("{}", truncate(one_line(deal.customer), 100)))
    if deal.amount is not None:
        parts.append(fmt("{}", fmt_amount(deal.amount, locale)))
    parts.append(fmt("{}", stage_text(deal)))
    f = deal.next_followup
    when = (label("home.next", locale, when=f"{fmt_date(f.due_at, tz, locale)} — {truncate(one_line(f.text), 200)}")
            if f else label("home.no_next", locale))
    text = Mrkdwn(" · ".join(parts) + "\n" + fmt("{}{}", "⚠️ " if f and f.overdue else "", when))
    buttons = []
    if is_channel_id(deal.channel_id):
        buttons.append(button(label("home.open_channel", locale), ActionId.OPEN_CHANNEL, value=deal_value(deal.number),
                              url=f"https://slack.com/app_redirect?channel={deal.channel_id}"))
    buttons.append(button(label("home.log_note", locale), ActionId.LOG_NOTE, value=deal_value(deal.number)))
    return [section_block(text), actions_block(*buttons)]


def _team_blocks(team: TeamPipeline, locale: str) -> list[Block]:
    pairs = [(s.stage.name, label("home.stage_total", locale, deals=s.deals, amount=fmt_amount(s.amount, locale),
                                  weighted=fmt_amount(s.weighted, locale))) for s in team.stages]
    forecast = label("home.forecast", locale, forecast=fmt_amount(team.forecast, locale),
                     amount=fmt_amount(team.amount, locale), deals=team.deals)
    return [fields_block(pairs, locale=locale), context_block(forecast)]
