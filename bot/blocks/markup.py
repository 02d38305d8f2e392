"""Slack mrkdwn primitives for every builder: cleaning, escaping, cutting, mentions, values as display text.

Two kinds of strings travel through the builders:

- plain ``str``: text as a person typed it (titles, notes, customer names). It is *never* trusted
  as markup. (The domain's own sentences arrive as ``Text`` with words: bot/blocks/words.py.)
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
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

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


def escape_raw(text: str) -> str:
    """``& < >`` as entities and nothing else: our own templates, whose markup is meant."""
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
    out = escape_raw(s)
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
    return Mrkdwn(escape_raw(_cut_tail(s[:end])) + ELLIPSIS)


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
        out.append(escape_raw(s[pos : m.start()]))
        out.append(m.group(0).split("|", 1)[0].rstrip(">") + ">" if bare else m.group(0))
        pos = m.end()
    out.append(escape_raw(s[pos:]))
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
