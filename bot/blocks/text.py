"""Text primitives shared by every Block Kit builder: escaping, cutting, formatting, words (tr/mtr).

Two kinds of strings travel through the builders:

- plain ``str``: text as a person typed it (titles, notes, customer names) or as the domain
  worded it. It is *never* trusted as markup.
- :class:`Mrkdwn`: text already in Slack's mrkdwn, built by us (``<@U…>`` mentions, ``*bold*``
  labels, escaped user text). :func:`escape` leaves it alone.

Compose with :func:`fmt` / :func:`join`, which escape every plain part and keep Mrkdwn parts,
so user text can never become markup by accident.

Why escaping ``&``, ``<`` and ``>`` is enough
--------------------------------------------
Slack's only control syntax is ``<…>`` (``<!channel>``, ``<!here>``, ``<@U…>``, ``<#C…>``,
``<!subteam^…>``, ``<url|label>``) plus HTML entities for the three characters. Once they are
escaped, user text cannot mention, ping, or link anything. The *plain words* ``@channel``,
``@here`` and ``@everyone`` do not notify anyone in messages posted through the Web API: Slack
stopped converting them into ``<!here>`` tokens for app messages (only the explicit ``<!here>``
token pings; see Slack's "Formatting text" reference, special mentions, and e.g. 18F/charlie#353),
and we never pass ``link_names`` or ``parse=full``. So they are left readable, with no
zero-width characters inserted that would break copy-and-paste and search.

``*bold*``/``_italic_``/`` `code` `` in user text do render as formatting: mrkdwn has no escape
for them, and doing so (zero-width spaces) would corrupt the text. That is cosmetic only.

We also drop control characters, lone surrogates and the Unicode bidi *override/embedding/isolate* controls
(U+202A–U+202E, U+2066–U+2069, the "Trojan Source" characters): one in a deal title would
otherwise visually reorder the rest of a card line (an amount, a name). Right-to-left scripts
still display correctly through the ordinary bidi algorithm; LRM/RLM marks are kept.

Lengths are counted in code points, like slack_sdk's validators and tests/blocklimits.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

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

from models.infra.i18n import Text, normalize_locale, render, translate
from models.values import format_amount, format_when

# --- Slack limits the builders keep (shared/slack/limits.md §6; slack_sdk enforces most at to_dict()) ---
MESSAGE_TEXT_MAX = 4000  # top-level `text`: keep <= 4,000 (truncated beyond 40,000)
MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
SECTION_TEXT_MAX = 3000
SECTION_FIELDS_MAX = 10
FIELD_TEXT_MAX = 2000
HEADER_TEXT_MAX = 150
CONTEXT_ELEMENTS_MAX = 10
CONTEXT_TEXT_MAX = 2000  # not in the table; stay well under the 3,000 of a text object
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
VIEW_TITLE_MAX = 24
# Undocumented `msg_blocks_too_long` was observed at ~13.2k chars of block text (bolt-js#2509):
# builders keep the sum of their block text under this budget.
BLOCK_TEXT_BUDGET = 11_000

BOT_NAME = "Dealroom"  # a name: the same in every language
ELLIPSIS = "…"
NONE_MARK = "—"

_USER_ID = re.compile(r"^[UW][A-Z0-9]+$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]+$")

# Control characters (keeping \t and \n), bidi embedding/override/isolate controls, and lone
# surrogates (a JSON payload can smuggle "\ud800" in; it cannot be encoded to UTF-8 for Slack).
_DROP = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_SPACES = re.compile(r"\s+")
_ESCAPE_COST = {"&": 5, "<": 4, ">": 4}
# Mention tokens that escape_keep_mentions lets through: users and channels, never `<!…>`.
_MENTION = re.compile(r"<(?:@[UW][A-Z0-9]+|#[CG][A-Z0-9]+)(?:\|[^<>|]{0,80})?>")
# Broadcast/special tokens: <!channel>, <!here>, <!everyone>, <!subteam^…>. We never emit them.
_SPECIAL = re.compile(r"<(![^<>]*)>")


class Mrkdwn(str):
    """A string already in Slack mrkdwn (trusted markup). :func:`escape` returns it unchanged."""

    __slots__ = ()


@dataclass(frozen=True)
class Message:
    """What a builder returns: the notification fallback ``text`` (always present) and ``blocks``."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        """``client.chat_postMessage(channel=…, **msg.as_kwargs())``."""
        return {"text": self.text, "blocks": self.blocks}


# ---------------------------------------------------------------------------------------------
# Cleaning, escaping, cutting


def clean(text: object) -> str:
    """Drop control and bidi-override characters; normalise line breaks to ``\\n``."""
    if text is None:
        return ""
    return _DROP.sub("", _NEWLINES.sub("\n", str(text)))


def one_line(text: object) -> str:
    """:func:`clean`, then every run of whitespace (newlines included) becomes one space."""
    return _SPACES.sub(" ", clean(text)).strip()


def _escape_raw(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut_tail(text: str) -> str:
    # Do not end on whitespace or a dangling zero-width joiner (half an emoji sequence).
    return text.rstrip().rstrip("\u200d")


def truncate(text: object, limit: int) -> str:
    """Plain text cut to at most ``limit`` code points, ending in ``…`` when cut."""
    s = "" if text is None else str(text)
    if len(s) <= limit:
        return s
    if limit <= 0:
        return ""
    return _cut_tail(s[: limit - 1]) + ELLIPSIS


def escape(text: object, limit: int | None = None) -> Mrkdwn:
    """User text -> safe mrkdwn: cleaned, ``& < >`` as entities, optionally cut to ``limit``.

    The limit applies to the *escaped* length and a cut never splits an entity.
    A :class:`Mrkdwn` argument is returned as is (only cut, see :func:`clip`).
    ``None`` becomes ``""``; other objects are ``str()``-ed.
    """
    if isinstance(text, Mrkdwn):
        return clip(text, limit) if limit is not None else text
    s = clean(text)
    out = _escape_raw(s)
    if limit is None or len(out) <= limit:
        return Mrkdwn(out)
    if limit <= 0:
        return Mrkdwn("")
    budget, used, end = limit - 1, 0, 0
    for ch in s:
        cost = _ESCAPE_COST.get(ch, 1)
        if used + cost > budget:
            break
        used += cost
        end += 1
    return Mrkdwn(_escape_raw(_cut_tail(s[:end])) + ELLIPSIS)


def escape_keep_mentions(text: object, limit: int | None = None, *, bare: bool = False) -> Mrkdwn:
    """Escape text that may contain user/channel mention tokens (``<@U…>``, ``<#C…|name>``)
    written by our own code, keeping those tokens and escaping everything else (``<!here>``,
    links, stray ``<``/``&``). For domain messages such as "D-42 is held by <@U1>".

    ``bare``: keep mentions as ``<@U…>`` / ``<#C…>`` only (Slack shows the names), dropping any label
    typed text carried, so nothing but a valid id ever becomes markup."""
    if isinstance(text, Mrkdwn):
        return clip(text, limit) if limit is not None else text
    s = clean(text)
    out: list[str] = []
    pos = 0
    for m in _MENTION.finditer(s):
        out.append(_escape_raw(s[pos : m.start()]))
        out.append(m.group(0).split("|", 1)[0].rstrip(">") + ">" if bare else m.group(0))
        pos = m.end()
    out.append(_escape_raw(s[pos:]))
    return clip("".join(out), limit)


def defuse(text: str) -> Mrkdwn:
    """Escape any ``<!…>`` special token (``<!channel>``, ``<!here>``, ``<!subteam^…>``) left in
    mrkdwn: the last guard, applied to every text object and fallback the builders emit, so no
    Dealroom message can ever notify a whole channel or group."""
    return Mrkdwn(_SPECIAL.sub(lambda m: f"&lt;{m.group(1)}&gt;", text))


def clip(text: str, limit: int | None) -> Mrkdwn:
    """Cut composed mrkdwn to ``limit`` without splitting a ``<…>`` token or an ``&…;`` entity."""
    if limit is None or len(text) <= limit:
        return Mrkdwn(text)
    if limit <= 0:
        return Mrkdwn("")
    head = text[: limit - 1]
    lt = head.rfind("<")
    if lt > head.rfind(">"):
        head = head[:lt]
    amp = head.rfind("&")
    if amp > head.rfind(";"):
        head = head[:amp]
    return Mrkdwn(_cut_tail(head) + ELLIPSIS)


def fmt(template: str, /, *args: object, **kwargs: object) -> Mrkdwn:
    """``template.format(...)`` where the template is our mrkdwn and every argument is escaped
    unless it is already :class:`Mrkdwn`: ``fmt("*{}* by {}", title, user(uid))``."""
    return Mrkdwn(
        template.format(*(escape(a) for a in args), **{k: escape(v) for k, v in kwargs.items()})
    )


def join(separator: str, parts: Iterable[object]) -> Mrkdwn:
    """Join parts with a (trusted) separator, escaping plain parts."""
    return Mrkdwn(separator.join(escape(p) for p in parts))


def user(user_id: str | None) -> Mrkdwn:
    """A user mention ``<@U…>`` for a well-formed Slack user id; anything else is escaped text."""
    if not user_id:
        return Mrkdwn("")
    if _USER_ID.match(user_id):
        return Mrkdwn(f"<@{user_id}>")
    return escape(user_id, 100)


def channel(channel_id: str | None) -> Mrkdwn:
    """A channel link ``<#C…>`` for a well-formed channel id; anything else is escaped text."""
    if not channel_id:
        return Mrkdwn("")
    if _CHANNEL_ID.match(channel_id):
        return Mrkdwn(f"<#{channel_id}>")
    return escape(channel_id, 100)


def is_channel_id(channel_id: str | None) -> bool:
    return bool(channel_id) and bool(_CHANNEL_ID.match(channel_id or ""))


# ---------------------------------------------------------------------------------------------
# Values


def fmt_amount(amount: Decimal | None, locale: str = "en") -> str:
    """An amount for display (plain text), ``—`` when unset. Delegates to models.values."""
    if amount is None:
        return NONE_MARK
    try:
        return format_amount(amount, locale)
    except (ArithmeticError, ValueError, TypeError):
        # The domain only stores positive finite amounts; a renderer must not crash regardless.
        return str(amount)


def fmt_date(dt: datetime | None, tz: ZoneInfo, locale: str = "en") -> str:
    """A date and time in ``tz`` for display (plain text), ``—`` when unset."""
    if dt is None:
        return NONE_MARK
    if dt.tzinfo is None:  # snapshots carry aware UTC; treat a naive one as UTC rather than crash
        dt = dt.replace(tzinfo=UTC)
    return format_when(dt.astimezone(UTC), tz, locale)


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
    Mrkdwn (numbers are kept as numbers, for format specs such as ``{n:.1f}``)."""
    template = _escape_raw(translate(msgid, locale))
    return Mrkdwn(template.format(**{k: _mrkdwn_value(v, locale) for k, v in values.items()}))


def mtext(text: Text, locale: str = "en") -> Mrkdwn:
    """A :class:`~models.i18n.Text` (``tn`` for counts, ``pt``) as mrkdwn: its template is our markup,
    its values are escaped unless Mrkdwn, like :func:`mtr`.
    ``mtext(tn("{n} deal", "{n} deals", n, title=heading), locale)``."""
    template = _escape_raw(replace(text, values=()).render(locale))
    return Mrkdwn(template.format(**{k: _mrkdwn_value(v, locale) for k, v in text.values}))


def colon(locale: str = "en") -> str:
    """The colon between a label and its value: ``": "`` in English, full-width ``"："`` in Chinese."""
    return "：" if normalize_locale(locale) == "zh-CN" else ": "


def say(text: object, locale: str = "en") -> str:
    """Any value as display text: a :class:`~models.i18n.Text` from the domain is translated."""
    return render(text, locale)


def _plain_value(value: object, locale: str) -> object:
    return value if isinstance(value, int | float | Decimal) else render(value, locale)


def _mrkdwn_value(value: object, locale: str) -> object:
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, Text):
        return escape_keep_mentions(value.render(locale))
    return escape(value)


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
