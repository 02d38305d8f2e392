"""The App Home tab (views.publish): a person's open deals, overdue follow-ups and, for managers,
the team pipeline with its weighted forecast. At most ~45 blocks whatever the numbers (limit: 100)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, DividerBlock

from bot.blocks.cards import stage_text
from bot.blocks.ids import ActionId, deal_value
from bot.blocks.text import (
    Mrkdwn,
    actions_block,
    button,
    channel,
    context_block,
    fields_block,
    fmt,
    fmt_amount,
    fmt_date,
    header_block,
    is_channel_id,
    one_line,
    pack_lines,
    say,
    section_block,
    tr,
    truncate,
)
from models.deals.snapshots import DealSnapshot
from models.infra.i18n import tn
from models.reporting.home import HomePicture, TeamPipeline

OVERDUE_SECTIONS_MAX = 3

def home_view(picture: HomePicture, *, tz: ZoneInfo, locale: str = "en") -> dict[str, Any]:
    blocks: list[Block] = [header_block(tr("Your open deals", locale))]
    if not picture.deals:
        blocks.append(context_block(fmt("{}", tr(
            "No open deals. Start one with /deal new <title> customer:… amount:…", locale ))))
    for deal in picture.deals:
        blocks.extend(_deal_blocks(deal, tz=tz, locale=locale))
    if picture.more_deals:
        blocks.append(context_block(fmt("{}", tr("More in /deal list", locale))))
    if picture.overdue:
        blocks += [DividerBlock(), header_block(tr("Overdue follow-ups", locale))]
        lines = [
            Mrkdwn(fmt("{} *D-{}* {} · {}", channel(o.channel_id) if is_channel_id(o.channel_id) else "",
                o.deal_number, truncate(one_line(o.deal_title), 100),
                tr("due {when}", locale, when=fmt_date(o.due_at, tz, locale)))
            + fmt(" — {}", truncate(one_line(o.text), 300)))
            for o in picture.overdue
        ]
        blocks += [section_block(chunk) for chunk in pack_lines(lines)[:OVERDUE_SECTIONS_MAX]]
        if picture.overdue_total > len(picture.overdue):
            more = picture.overdue_total - len(picture.overdue)
            blocks.append(context_block(fmt("{}", tr("{n} more overdue: /deal list shows them all", locale, n=more))))
    if picture.team is not None:
        blocks += [DividerBlock(), header_block(tr("Team pipeline", locale)), *_team_blocks(picture.team, locale)]
    return {"type": "home", "blocks": [b.to_dict() for b in blocks]}


def _deal_blocks(deal: DealSnapshot, *, tz: ZoneInfo, locale: str) -> list[Block]:
    parts = [fmt("*{}* · {}", deal.ref, truncate(one_line(deal.title), 150))]
    if deal.customer:
        parts.append(fmt("{}", truncate(one_line(deal.customer), 100)))
    if deal.amount is not None:
        parts.append(fmt("{}", fmt_amount(deal.amount, locale)))
    parts.append(fmt("{}", stage_text(deal)))
    f = deal.next_followup
    when = (tr("Next follow-up: {when}", locale,
               when=f"{fmt_date(f.due_at, tz, locale)} — {truncate(one_line(f.text), 200)}")
            if f else tr("No follow-up scheduled", locale))
    text = Mrkdwn(" · ".join(parts) + "\n" + fmt("{}{}", "⚠️ " if f and f.overdue else "", when))
    buttons = []
    if is_channel_id(deal.channel_id):
        buttons.append(button(tr("Open channel", locale), ActionId.OPEN_CHANNEL, value=deal_value(deal.number),
                              url=f"https://slack.com/app_redirect?channel={deal.channel_id}"))
    buttons.append(button(tr("Log note", locale), ActionId.LOG_NOTE, value=deal_value(deal.number)))
    return [section_block(text), actions_block(*buttons)]


def _team_blocks(team: TeamPipeline, locale: str) -> list[Block]:
    pairs = [(s.stage.name, say(tn("{n} deal · {amount} · weighted {weighted}",
                                   "{n} deals · {amount} · weighted {weighted}", s.deals,
                                   amount=fmt_amount(s.amount, locale), weighted=fmt_amount(s.weighted, locale)),
                                locale)) for s in team.stages]
    forecast = say(tn("Weighted forecast: *{forecast}* of {amount} open in {n} deal",
                      "Weighted forecast: *{forecast}* of {amount} open in {n} deals", team.deals,
                      forecast=fmt_amount(team.forecast, locale), amount=fmt_amount(team.amount, locale)), locale)
    return [fields_block(pairs, locale=locale), context_block(forecast)]
