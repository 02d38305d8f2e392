"""Text primitives shared by every Block Kit builder: escaping, cutting, formatting, labels.

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
from dataclasses import dataclass, field
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

from models.i18n import render, translate
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
# Labels (en / zh-CN). Kept here so the builders are self-contained; move to bot/i18n when it exists.

_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "customer": "Customer",
        "amount": "Amount",
        "stage": "Stage",
        "owner": "Owner",
        "close": "Close date",
        "score": "Score",
        "source": "Source",
        "next_followup": "Next follow-up",
        "collaborators": "Collaborators",
        "probability": "Probability",
        "by": "By",
        "when": "When",
        "none": "none",
        "more_fields": "+{n} more",
        "and_more": "and {n} more",
        "band.high": "high",
        "band.medium": "medium",
        "band.low": "low",
        "won": "Won 🎉",
        "lost": "Lost",
        "lost_reason": "Lost — {reason}",
        "next_stage_button": "Next stage → {stage}",
        "card.awaiting_approval": "⏳ Awaiting approval to move to {stage} (/deal approvals)",
        "log_note_button": "Log note",
        "open_channel": "Open channel",
        "stage_changed": "Stage changed",
        "moved_back": "Moved back",
        "reopened": "Reopened",
        "stage_set": "Stage set",
        "deal_won": "Won 🎉",
        "deal_lost": "Lost",
        "in_channel": "in {channel}",
        "welcome": "Welcome to {deal} — here is the story so far.",
        "latest": "Latest activity",
        "showing_latest": "Showing the latest {n} entries.",
        "full_history": "Full history",
        "older": "Older →",
        "newer": "← Newer",
        "history_title": "History · {ref}",
        "page": "Page {page}",
        "no_entries": "No entries yet.",
        "not_shown": "{n} more entries on this page are not shown.",
        "bot": "Dealroom",
        "try": "Try",
        "no_deals": "No deals.",
        "deals_count": "{title}: {n} deals",
        "overdue": "overdue",
        "next": "next",
        "modal.new_deal": "New deal",
        "modal.log_note": "Log note",
        "modal.create": "Create",
        "modal.save": "Save",
        "modal.cancel": "Cancel",
        "input.title": "Title",
        "input.customer": "Customer",
        "input.amount": "Amount",
        "input.amount_hint": "150k, 1.5m, 15万",
        "input.close": "Expected close",
        "input.close_hint": "2026-12-01 or in 3w",
        "input.source": "Source",
        "input.source_hint": "referral, website, event…",
        "input.note": "Note",
        "input.note_hint": "What happened, what was agreed",
        "input.via": "Via",
        "input.next": "Next follow-up",
        "input.next_hint": "tomorrow 10:00, in 3d, 2026-12-01 14:00",
        "via.call": "Call",
        "via.email": "Email",
        "via.meeting": "Meeting",
        "via.demo": "Demo",
        "via.chat": "Chat",
    },
    "zh-CN": {
        "customer": "客户",
        "amount": "金额",
        "stage": "阶段",
        "owner": "负责人",
        "close": "预计成交",
        "score": "评分",
        "source": "来源",
        "next_followup": "下次跟进",
        "collaborators": "协作者",
        "probability": "赢率",
        "by": "操作人",
        "when": "时间",
        "none": "无",
        "more_fields": "另有 {n} 项",
        "and_more": "还有 {n} 个",
        "band.high": "高",
        "band.medium": "中",
        "band.low": "低",
        "won": "赢单 🎉",
        "lost": "输单",
        "lost_reason": "输单 — {reason}",
        "next_stage_button": "下一阶段 → {stage}",
        "card.awaiting_approval": "⏳ 等待审批：推进到{stage}（/deal approvals）",
        "log_note_button": "记录跟进",
        "open_channel": "打开频道",
        "stage_changed": "阶段变更",
        "moved_back": "阶段回退",
        "reopened": "重新打开",
        "stage_set": "设定阶段",
        "deal_won": "赢单 🎉",
        "deal_lost": "输单",
        "in_channel": "频道 {channel}",
        "welcome": "欢迎加入 {deal}，以下是目前的进展。",
        "latest": "最新动态",
        "showing_latest": "显示最近 {n} 条记录。",
        "full_history": "完整历史",
        "older": "更早 →",
        "newer": "← 较新",
        "history_title": "历史 · {ref}",
        "page": "第 {page} 页",
        "no_entries": "暂无记录。",
        "not_shown": "本页还有 {n} 条记录未显示。",
        "bot": "Dealroom",
        "try": "试试",
        "no_deals": "没有商机。",
        "deals_count": "{title}：{n} 个商机",
        "overdue": "已逾期",
        "next": "下次",
        "modal.new_deal": "新建商机",
        "modal.log_note": "记录跟进",
        "modal.create": "创建",
        "modal.save": "保存",
        "modal.cancel": "取消",
        "input.title": "标题",
        "input.customer": "客户",
        "input.amount": "金额",
        "input.amount_hint": "150k、1.5m、15万",
        "input.close": "预计成交日期",
        "input.close_hint": "2026-12-01 或 3周后",
        "input.source": "来源",
        "input.source_hint": "转介绍、官网、展会…",
        "input.note": "跟进内容",
        "input.note_hint": "发生了什么，达成了什么",
        "input.via": "方式",
        "input.next": "下次跟进",
        "input.next_hint": "明天10点、3天后、2026-12-01 14:00",
        "via.call": "电话",
        "via.email": "邮件",
        "via.meeting": "会面",
        "via.demo": "演示",
        "via.chat": "聊天",
    },
}


def extend_labels(table: dict[str, dict[str, str]]) -> None:
    """Labels of one builder module, kept beside it (``{"en": {...}, "zh-CN": {...}}``)."""
    for locale, labels in table.items():
        _LABELS.setdefault(locale, {}).update(labels)


def mlabel(key: str, locale: str = "en", **values: object) -> Mrkdwn:
    """Like :func:`label` but as mrkdwn: the label is escaped, values are escaped unless Mrkdwn,
    so ``mlabel("in_channel", locale, channel=channel(cid))`` keeps the channel link."""
    text = _LABELS[normalize_locale(locale)].get(key) or _LABELS["en"].get(key, key)
    return Mrkdwn(_escape_raw(text).format(**{k: escape(v) for k, v in values.items()}))


def normalize_locale(locale: str | None) -> str:
    """``zh-CN``, ``zh_cn``, ``zh`` -> ``zh-CN``; anything else -> ``en``."""
    if locale and locale.replace("_", "-").lower().startswith("zh"):
        return "zh-CN"
    return "en"


def label(key: str, locale: str = "en", **values: object) -> str:
    """A UI label (plain text) in ``locale``, English when missing; ``{name}`` filled from values."""
    text = _LABELS[normalize_locale(locale)].get(key) or _LABELS["en"].get(key, key)
    return text.format(**values) if values else text


def tr(msgid: str, locale: str = "en", /, **values: object) -> str:
    """Plain text in ``locale`` from the catalogue (models/i18n.py): ``msgid`` is the English sentence,
    ``{name}`` fields are filled from values (a :class:`~models.i18n.Text` value is rendered too)."""
    template = translate(msgid, locale)
    return template.format(**{k: render(v, locale) for k, v in values.items()}) if values else template


def mtr(msgid: str, locale: str = "en", /, **values: object) -> Mrkdwn:
    """Like :func:`tr` but as mrkdwn: the sentence is escaped, values escaped unless Mrkdwn."""
    template = translate(msgid, locale)
    return Mrkdwn(_escape_raw(template).format(
        **{k: v if isinstance(v, Mrkdwn) else escape(render(v, locale)) for k, v in values.items()}))


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
        items = [*items[: SECTION_FIELDS_MAX - 1], ("…", label("more_fields", locale, n=rest))]
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
