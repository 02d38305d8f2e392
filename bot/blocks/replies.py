"""Private replies to the caller (ephemeral): errors, confirmations, help, deal lists.

Text conventions (see bot.blocks.text):

- ``error_reply(message)`` and ``help_reply(text)`` take *plain* text and escape it (errors
  often echo what the user typed; help shows placeholders like ``<title>``). Pass
  :class:`~bot.blocks.text.Mrkdwn` (``escape``, ``fmt``, ``escape_keep_mentions``) to keep markup.
- ``ok_reply(text)`` and ``deal_list_reply(title=…)`` take *mrkdwn* composed by the handler:
  mentions (``<@U…>``) and ``*bold*`` work, and the caller escapes user-supplied parts.

Whatever comes in, ``<!channel>``/``<!here>``-style tokens are defused, and every length
limit is applied before slack_sdk sees the blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from bot.blocks.text import (
    BLOCK_TEXT_BUDGET,
    SECTION_TEXT_MAX,
    Message,
    Mrkdwn,
    clip,
    colon,
    context_block,
    escape,
    fmt,
    fmt_amount,
    fmt_date,
    mtext,
    one_line,
    pack_lines,
    section_block,
    tr,
    truncate,
)
from bot.blocks.text import (
    message as build_message,
)
from models.deals.snapshots import DealSnapshot
from models.infra.i18n import Text, tn

__all__ = ["Message", "deal_line", "deal_list_reply", "error_reply", "help_reply", "ok_reply"]

LIST_MAX_DEALS = 40  # one line each; beyond that "and N more"
LIST_LINE_MAX = 250


def _sections(text: Mrkdwn, *, budget: int = BLOCK_TEXT_BUDGET) -> list[Block]:
    """Long mrkdwn as consecutive sections (<= 3,000 chars each), split between paragraphs when
    possible (so ``` blocks usually stay whole), then between lines; at most ``budget`` chars."""
    text = clip(text, budget)
    paragraphs = text.split("\n\n")
    pieces: list[str] = []
    for para in paragraphs:
        if len(para) <= SECTION_TEXT_MAX:
            pieces.append(para)
        else:
            pieces.extend(pack_lines([Mrkdwn(line) for line in para.split("\n")], SECTION_TEXT_MAX))
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + 2 + len(piece) <= SECTION_TEXT_MAX:
            chunks[-1] = f"{chunks[-1]}\n\n{piece}"
        else:
            chunks.append(piece)
    return [section_block(Mrkdwn(c)) for c in chunks if c.strip()] or [section_block(Mrkdwn("—"))]


def error_reply(message: str | Text, usage: str | None = None, *, locale: str) -> Message:
    """``:warning: <message>`` and, with a usage, ``Try: `<usage>` `` (code; a multi-line usage
    becomes a code block). ``message`` is plain text unless it is Mrkdwn; a domain :class:`Text` is
    translated, its words in mrkdwn (``<@U…>`` for a person; bot/blocks/words.py)."""
    if isinstance(message, Text):
        message = mtext(message, locale)
    body = fmt(":warning: {}", escape(message, 2000))
    if usage:
        code = escape(truncate(str(usage).replace("`", "'"), 800))
        if "\n" in code:
            body = fmt("{}\n{}" + colon(locale).rstrip() + "\n```{}```", body, tr("Try", locale), code)
        else:
            body = fmt("{}\n{}" + colon(locale) + "`{}`", body, tr("Try", locale), code)
    return build_message(body, [section_block(body)])


def ok_reply(text: str) -> Message:
    """A confirmation. ``text`` is mrkdwn written by the handler (user parts already escaped)."""
    body = Mrkdwn(text)
    return build_message(body, _sections(body))


def help_reply(help_text: str) -> Message:
    """Usage and examples. Plain text is escaped; long help is split into several sections."""
    body = escape(help_text)
    first = one_line(body.split("\n", 1)[0]) if body.strip() else ""
    return build_message(Mrkdwn(first or body), _sections(body))


def deal_line(deal: DealSnapshot, *, tz: ZoneInfo, locale: str = "en") -> Mrkdwn:
    """``*D-42* Acme pilot · Proposal · 150,000 · next: 2026-12-01 10:00 call CFO ⚠️``."""
    parts = [
        fmt("*{}* {}", deal.ref, truncate(one_line(deal.title), 80)),
        escape(truncate(one_line(deal.stage.name), 40)),
    ]
    if deal.amount is not None:
        parts.append(escape(truncate(fmt_amount(deal.amount, locale), 40)))
    f = deal.next_followup
    if f is not None:
        follow = fmt(
            "{}: {} {}", tr("next", locale), fmt_date(f.due_at, tz, locale), truncate(one_line(f.text), 60)
        )
        if f.overdue:
            follow = fmt("{} ⚠️ _{}_", follow, tr("overdue", locale))
        parts.append(follow)
    return clip(Mrkdwn(" · ".join(parts)), LIST_LINE_MAX)


def deal_list_reply(deals: Sequence[DealSnapshot], *, tz: ZoneInfo, locale: str = "en", title: str) -> Message:
    """One line per deal, in the given order (callers sort by next follow-up); beyond
    ``LIST_MAX_DEALS`` a context line says "and N more". ``title`` is mrkdwn (may mention)."""
    heading = clip(Mrkdwn(title), 300)
    blocks: list[Block] = [section_block(fmt("*{}*", heading))]
    if not deals:
        blocks.append(section_block(tr("No deals.", locale)))
    else:
        shown = deals[:LIST_MAX_DEALS]
        blocks.extend(section_block(chunk) for chunk in pack_lines(deal_line(d, tz=tz, locale=locale) for d in shown))
        if len(deals) > len(shown):
            blocks.append(context_block(tr("and {n} more", locale, n=len(deals) - len(shown))))
    fallback = mtext(tn("{title}: {n} deal", "{title}: {n} deals", len(deals), title=heading), locale)
    return build_message(fallback, blocks)
