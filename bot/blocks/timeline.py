"""The deal timeline: one line per entry, newest first, paged with buttons.

Paging is by page number (1 = newest). Callers fetch ``PAGE_SIZE`` entries per page and pass
``has_more`` when an older page exists; the "Older →"/"← Newer" buttons carry
``ids.history_value(number, page)``. Both buttons use ``ActionId.HISTORY_PAGE``, and an
action_id must be unique within its block, so each sits in its own actions block.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from bot.blocks.ids import ActionId, history_value
from bot.blocks.text import (
    BLOCK_TEXT_BUDGET,
    BOT_NAME,
    SECTION_TEXT_MAX,
    Message,
    Mrkdwn,
    actions_block,
    button,
    clip,
    context_block,
    escape,
    escape_keep_mentions,
    fmt,
    fmt_date,
    header_block,
    message,
    one_line,
    say,
    section_block,
    tr,
    truncate,
    user,
)
from bot.blocks.words import mrkdwn_text
from models.deals.snapshots import DealSnapshot, TimelineItem
from models.infra.i18n import tn

PAGE_SIZE = 20  # entries per history page; also the "latest entries" of /deal history
MIN_LINE = 300  # each entry keeps this many chars however many share the budget (35 fit in full)


def _sort_key(item: TimelineItem) -> datetime:
    at = item.at
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def timeline_line(item: TimelineItem, *, tz: ZoneInfo, locale: str = "en", limit: int = 1000) -> Mrkdwn:
    """``` `date time` <@actor> text ``` on one line, at most ``limit`` chars."""
    who = user(item.actor_id) if item.actor_id else escape(BOT_NAME)
    head = fmt("`{}` {} ", fmt_date(item.at, tz, locale), who)
    return clip(Mrkdwn(head + entry_text(item, max(1, limit - len(head)))), limit)


def entry_text(item: TimelineItem, limit: int) -> Mrkdwn:
    """The entry's sentence, in the language it was written in: from its words when it has them
    (bot/blocks/words.py); an entry from before keeps its text's mentions ("handed the deal from <@U1>
    to <@U2>") and has the rest escaped."""
    if item.body is not None:
        return clip(one_line(mrkdwn_text(item.body, item.locale)), limit)  # one_line only folds: the words are escaped
    return escape_keep_mentions(one_line(item.text), limit, bare=True)


def timeline_blocks(
    items: Sequence[TimelineItem],
    *,
    tz: ZoneInfo,
    locale: str = "en",
    budget: int = BLOCK_TEXT_BUDGET,
    max_blocks: int = 40,
) -> tuple[list[Block], int]:
    """Section blocks holding the entries, newest first, each section <= 3,000 chars.

    At most ``budget`` chars of text and ``max_blocks`` sections are used; returns the blocks
    and how many entries did not fit (0 normally; callers say so when it is not)."""
    ordered = sorted(items, key=_sort_key, reverse=True)
    if not ordered:
        return [], 0
    per_line = min(SECTION_TEXT_MAX, max(MIN_LINE, budget // len(ordered) - 1))  # -1: the newline
    chunks: list[str] = []
    current = ""
    used = shown = 0
    for item in ordered:
        line = timeline_line(item, tz=tz, locale=locale, limit=per_line)
        if used + len(line) + 1 > budget:
            break
        if current and len(current) + 1 + len(line) <= SECTION_TEXT_MAX:
            current = f"{current}\n{line}"
        else:
            if current:
                if len(chunks) + 1 >= max_blocks:
                    break
                chunks.append(current)
            current = line
        used += len(line) + 1
        shown += 1
    if current:
        chunks.append(current)
    return [section_block(Mrkdwn(chunk)) for chunk in chunks], len(ordered) - shown


def history_button(number: int, page: int, text: str) -> Block:
    return actions_block(button(text, ActionId.HISTORY_PAGE, value=history_value(number, page)))


def timeline_page(
    deal: DealSnapshot,
    items: Sequence[TimelineItem],
    *,
    page: int,
    has_more: bool,
    tz: ZoneInfo,
    locale: str = "en",
) -> Message:
    """One page of a deal's history (shown privately): header, entries, paging buttons."""
    page = max(1, page)
    title = one_line(deal.title)
    heading = tr("History · {ref}", locale, ref=deal.ref)
    blocks: list[Block] = [header_block(f"{heading} · {title}" if title else heading)]
    body, hidden = timeline_blocks(items, tz=tz, locale=locale, budget=BLOCK_TEXT_BUDGET - 500)
    blocks.extend(body or [section_block(tr("No entries yet.", locale))])
    notes = [tr("Page {page}", locale, page=page)]
    if hidden:
        notes.append(say(tn("{n} more entry on this page is not shown.", "{n} more entries on this page are not shown.",
                             hidden), locale))
    blocks.append(context_block(*notes))
    if page > 1:
        blocks.append(history_button(deal.number, page - 1, tr("← Newer", locale)))
    if has_more:
        blocks.append(history_button(deal.number, page + 1, tr("Older →", locale)))
    fallback = f"{heading} {truncate(title, 200)} — {tr('Page {page}', locale, page=page)}"
    return message(fallback.strip(), blocks)
