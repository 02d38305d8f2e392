"""What every Block Kit builder shares: the ``Message`` type, words (``tr``/``mtr``/``mtext``/``say``), blocks.

Escaping, cutting and the Slack limits are in bot/blocks/markup.py, the domain's words in mrkdwn in
bot/blocks/words.py; both are re-exported here, so a builder imports one module.

- :func:`tr` and :func:`say`: plain text in the locale (for ``plain_text`` objects, fallbacks, and text that is
  escaped later); words in the PLAIN style.
- :func:`mtr` and :func:`mtext`: mrkdwn; the template is our markup (its ``& < >`` escaped), values are escaped
  unless :class:`Mrkdwn`, and a domain ``Text`` or word renders through bot/blocks/words.py (``<@U…>``, ``*D-4*``).

Every block helper applies its limit before slack_sdk validates, so builders never raise on user data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.blocks.markup import (
    BLOCK_TEXT_BUDGET,
    BOT_NAME,
    BUTTON_TEXT_MAX,
    BUTTON_VALUE_MAX,
    CONTEXT_ELEMENTS_MAX,
    CONTEXT_TEXT_MAX,
    ELLIPSIS,
    FIELD_TEXT_MAX,
    HEADER_TEXT_MAX,
    MESSAGE_BLOCKS_MAX,
    MESSAGE_TEXT_MAX,
    NONE_MARK,
    SECTION_FIELDS_MAX,
    SECTION_TEXT_MAX,
    VIEW_BLOCKS_MAX,
    VIEW_TITLE_MAX,
    Mrkdwn,
    channel,
    clean,
    clip,
    defuse,
    escape,
    escape_keep_mentions,
    escape_raw,
    fmt,
    fmt_amount,
    fmt_date,
    is_channel_id,
    join,
    one_line,
    truncate,
    user,
)
from bot.blocks.words import mrkdwn_text, mrkdwn_value
from models.infra.i18n import Text, normalize_locale, render, translate

__all__ = [
    "BLOCK_TEXT_BUDGET", "BOT_NAME", "BUTTON_TEXT_MAX", "BUTTON_VALUE_MAX", "CONTEXT_ELEMENTS_MAX",
    "CONTEXT_TEXT_MAX", "ELLIPSIS", "FIELD_TEXT_MAX", "HEADER_TEXT_MAX", "MESSAGE_BLOCKS_MAX", "MESSAGE_TEXT_MAX",
    "NONE_MARK", "SECTION_FIELDS_MAX", "SECTION_TEXT_MAX", "VIEW_BLOCKS_MAX", "VIEW_TITLE_MAX", "Message", "Mrkdwn",
    "actions_block", "block_text_size", "button", "channel", "clean", "clip", "colon", "context_block", "defuse",
    "escape", "escape_keep_mentions", "field_text", "fields_block", "fmt", "fmt_amount", "fmt_date", "header_block",
    "is_channel_id", "join", "message", "mrkdwn", "mtext", "mtr", "one_line", "pack_lines", "plain", "say",
    "section_block", "tr", "truncate", "user",
]


@dataclass(frozen=True)
class Message:
    """What a builder returns: the notification fallback ``text`` (always present) and ``blocks``."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        """``client.chat_postMessage(channel=…, **msg.as_kwargs())``."""
        return {"text": self.text, "blocks": self.blocks}


# ---------------------------------------------------------------------------------------------
# Words: English message ids translated from the babel catalogue (models/infra/i18n.py; `make i18n`).


def tr(msgid: str, locale: str = "en", **values: object) -> str:
    """A UI text (plain) in ``locale``: ``tr("Next stage → {stage}", locale, stage=name)``.
    Values that are :class:`~models.i18n.Text` are rendered in the same locale."""
    text = translate(msgid, locale)
    return text.format(**{k: _plain_value(v, locale) for k, v in values.items()}) if values else text


def mtr(msgid: str, locale: str = "en", **values: object) -> Mrkdwn:
    """Like :func:`tr` but as mrkdwn: the template's ``*bold*``/`` `code` `` is our markup, its ``& < >`` are
    escaped (``/deal lost <reason>`` must not reach Slack as a ``<…>`` token); values are escaped unless
    Mrkdwn (numbers are kept as numbers, for format specs such as ``{n:.1f}``); a ``Text`` or a word
    renders through bot/blocks/words.py."""
    template = escape_raw(translate(msgid, locale))
    return Mrkdwn(template.format(**{k: mrkdwn_value(v, locale) for k, v in values.items()}))


def mtext(text: Text, locale: str = "en") -> Mrkdwn:
    """A :class:`~models.infra.i18n.Text` (the domain's, or ``tn``/``pt`` of a builder) as mrkdwn
    (bot/blocks/words.py): ``mtext(tn("{n} deal", "{n} deals", n, title=heading), locale)``."""
    return mrkdwn_text(text, locale)


def colon(locale: str = "en") -> str:
    """The colon between a label and its value: ``": "`` in English, full-width ``"："`` in Chinese."""
    return "：" if normalize_locale(locale) == "zh-CN" else ": "


def say(text: object, locale: str = "en") -> str:
    """Any value as display text: a :class:`~models.i18n.Text` from the domain is translated."""
    return render(text, locale)


def _plain_value(value: object, locale: str) -> object:
    return value if isinstance(value, int | float | Decimal) else render(value, locale)


# ---------------------------------------------------------------------------------------------
# Block helpers: every limit is applied here, BEFORE slack_sdk validates, so builders never raise.


def mrkdwn(text: str, limit: int = SECTION_TEXT_MAX) -> MarkdownTextObject:
    """A mrkdwn text object; plain ``str`` is escaped, empty text becomes ``—`` (min length 1)."""
    body = clip(defuse(escape(text)), limit)
    return MarkdownTextObject(text=body if body.strip() else NONE_MARK)


def plain(text: object, limit: int) -> PlainTextObject:
    """A one-line plain_text object cut to ``limit`` (plain_text is never parsed: no escaping)."""
    body = truncate(one_line(text), limit)
    return PlainTextObject(text=body or NONE_MARK, emoji=True)


def header_block(text: object) -> HeaderBlock:
    return HeaderBlock(text=plain(text, HEADER_TEXT_MAX))


def section_block(text: str, *, accessory: Any = None) -> SectionBlock:
    return SectionBlock(text=mrkdwn(text, SECTION_TEXT_MAX), accessory=accessory)


def field_text(name: str, value: str) -> Mrkdwn:
    """``*Name*\\nvalue`` within the 2,000-char limit of one field (value cut first)."""
    head = fmt("*{}*\n", truncate(one_line(name), 200))
    return Mrkdwn(head + escape(value, FIELD_TEXT_MAX - len(head)))


def fields_block(pairs: Sequence[tuple[str, str]], *, locale: str = "en") -> SectionBlock:
    """A section of ``*name*\\nvalue`` fields; beyond 10 the last field says ``+N more``."""
    items = list(pairs)
    if len(items) > SECTION_FIELDS_MAX:
        rest = len(items) - (SECTION_FIELDS_MAX - 1)
        items = [*items[: SECTION_FIELDS_MAX - 1], ("…", tr("+{n} more", locale, n=rest))]
    return SectionBlock(fields=[mrkdwn(field_text(name, value), FIELD_TEXT_MAX) for name, value in items])


def context_block(*texts: str) -> ContextBlock:
    elements = [mrkdwn(t, CONTEXT_TEXT_MAX) for t in texts if t][:CONTEXT_ELEMENTS_MAX]
    return ContextBlock(elements=elements or [mrkdwn(NONE_MARK)])


def button(
    text: object,
    action_id: str,
    *,
    value: str | None = None,
    url: str | None = None,
    style: str | None = None,
) -> ButtonElement:
    return ButtonElement(
        text=plain(text, BUTTON_TEXT_MAX),
        action_id=action_id,
        value=value[:BUTTON_VALUE_MAX] if value is not None else None,
        url=url,
        style=style,
    )


def actions_block(*buttons: ButtonElement) -> ActionsBlock:
    return ActionsBlock(elements=list(buttons))


def pack_lines(lines: Iterable[str], limit: int = SECTION_TEXT_MAX) -> list[Mrkdwn]:
    """Group mrkdwn lines into chunks of at most ``limit`` chars, joined by newlines, in order.

    A line longer than ``limit`` is clipped (never split across chunks)."""
    chunks: list[Mrkdwn] = []
    current = ""
    for raw in lines:
        line = clip(escape(raw), limit)
        if current and len(current) + 1 + len(line) <= limit:
            current = f"{current}\n{line}"
            continue
        if current:
            chunks.append(Mrkdwn(current))
        current = line
    if current:
        chunks.append(Mrkdwn(current))
    return chunks


def message(text: str, blocks: Sequence[Block]) -> Message:
    """A :class:`Message`: fallback text escaped (unless Mrkdwn) and cut to 4,000, never empty."""
    fallback = clip(defuse(escape(text)), MESSAGE_TEXT_MAX)
    if not fallback.strip():
        fallback = Mrkdwn(NONE_MARK)
    return Message(text=fallback, blocks=[b.to_dict() for b in blocks])


def block_text_size(blocks: Iterable[dict[str, Any]]) -> int:
    """Sum of the lengths of every text object's ``text`` in blocks (for the soft budget)."""
    total = 0
    stack: list[Any] = list(blocks)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                total += len(node["text"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return total
