"""The ``/deal`` grammar's tokenizer and value readers: Slack's escaped command text in, tokens and plain
values out. Each subcommand's own grammar (its parse function) is declared with it (handlers/commands/);
:func:`handlers.commands.table.parse_command` puts them together.

Pure: no Slack calls, no I/O. Readers raise :class:`UsageError` (an
:class:`~models.values.InputError` carrying the right form in ``.usage``) and nothing else, whatever
the text.

Steps (SPEC section 2):

1. zero-width and bidi control characters are dropped;
2. the text is split on whitespace; ``"…"`` and ``“…”`` group words (an unclosed quote is an
   error) and Slack escapes ``<…>`` stay whole;
3. ``key:value`` tokens after the subcommand are options (``key`` starts with a letter or
   ``_``; ``：`` counts as ``:``; ``10:00`` and ``https://x`` are not options);
4. option values and free text are unescaped to plain text: ``&lt;`` → ``<``,
   ``<@U1|bob>`` → ``@bob``, ``<!channel>`` → ``@channel``, ``<https://x|label>`` → ``https://x``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Protocol

from models.infra.i18n import Text, t
from models.infra.limits import SLACK_ID
from models.values import InputError, parse_amount, parse_when

MAX_TEXT = 4000
REF = "[D-<n>]"  # how a usage line shows the optional deal reference


@dataclass(frozen=True)
class DealRef:
    """A deal named in the command: ``D-42`` (number) or a deal channel mention (channel_id)."""

    number: int | None = None
    channel_id: str | None = None


class UsageError(InputError):
    """Bad ``/deal`` input: ``message`` says what was wrong (a :class:`Text`, rendered in the workspace's
    language; ``str(e)`` is the English), ``usage`` shows the right form (command syntax: never translated)."""

    def __init__(self, message: str | Text, usage: str) -> None:
        super().__init__(message, usage)


def message_of(exc: Exception) -> Text | str:
    """What an input error says: the :class:`Text` it carries (``.message``), else its English ``str()``."""
    message = getattr(exc, "message", None)
    return message if isinstance(message, Text | str) and message else str(exc)


# ---------------------------------------------------------------------------------------------
# Tokens and unescaping

_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad]")
_QUOTE_CLOSERS = {'"': '"”', "“": '”"', "”": '”"'}
_ESCAPE = re.compile(r"<(?:[@#!]|[A-Za-z][A-Za-z0-9+.\-]*:)[^<>]*>")
_OPTION = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)[:：](.*)", re.DOTALL)
_NOT_OPTION_KEYS = {"http", "https", "ftp", "mailto", "tel", "slack", "file", "ws", "wss"}
_ENTITY = re.compile(r"&(lt|gt|amp);")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&"}
_LITERAL_SPECIAL = re.compile(r"<!([^<>|]*)(?:\|[^<>]*)?>")
_USER = re.compile(rf"<@([UW][A-Z0-9]{{1,{SLACK_ID - 1}}})(?:\|[^<>]*)?>")  # longer is no Slack ID
_CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|([^<>]*))?>")
_DEAL_NUMBER = re.compile(r"#?[Dd]-?([1-9]\d{0,8})")
_DEAL_CHANNEL_NAME = re.compile(r"deal-([1-9]\d{0,8})(?:-|$)")


@dataclass(frozen=True)
class Token:
    raw: str  # as typed: still escaped, quote marks kept
    value: str  # quote marks removed, still escaped
    quoted: bool  # some part was quoted
    sep: str  # the whitespace before it


def tokenize(text: str, usage: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        start = i
        while i < n and text[i].isspace():
            i += 1
        sep = text[start:i]
        if i >= n:
            break
        begin, parts, quoted = i, [], False
        while i < n and not text[i].isspace():
            c = text[i]
            if c in _QUOTE_CLOSERS:
                closers = _QUOTE_CLOSERS[c]
                j, buf = i + 1, []
                while j < n and text[j] not in closers:
                    m = _ESCAPE.match(text, j) if text[j] == "<" else None
                    if m:
                        buf.append(m.group())
                        j = m.end()
                    else:
                        buf.append(text[j])
                        j += 1
                if j >= n:
                    raise UsageError(t("A quote is not closed: {text}", text=clip(text[i:])), usage)
                parts.append("".join(buf))
                quoted = True
                i = j + 1
                continue
            m = _ESCAPE.match(text, i) if c == "<" else None
            if m:
                parts.append(m.group())
                i = m.end()
            else:
                parts.append(c)
                i += 1
        tokens.append(Token(text[begin:i], "".join(parts), quoted, sep))
    return tokens


def clip(text: str, limit: int = 40) -> str:
    text = plain_text(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unentity(text: str) -> str:
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


def _escape_to_plain(esc: str) -> str:
    body = esc[1:-1]
    target, _, label = body.partition("|")
    if target.startswith("@"):
        return "@" + (label.lstrip("@") or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        name = target[1:]
        if name.startswith("subteam^"):
            return label if label.startswith("@") else "@" + (label or name.removeprefix("subteam^"))
        if name.startswith("date^"):
            return _unentity(label)
        return "@" + name.split("^")[0]
    url = _unentity(target)
    return url.removeprefix("mailto:") if url.startswith("mailto:") else url


def plain_text(text: str) -> str:
    """Slack's escaped text as plain text: entities decoded, mentions and links as their text.

    A broadcast typed literally (``&lt;!channel&gt;``) comes out as ``@channel`` too, so no
    result of this grammar ever carries a raw ``<!channel>``.
    """
    out, pos = [], 0
    for m in _ESCAPE.finditer(text):
        out.append(_unentity(text[pos : m.start()]))
        out.append(_escape_to_plain(m.group()))
        pos = m.end()
    out.append(_unentity(text[pos:]))
    result = "".join(out)
    while "<!" in result:
        replaced = _LITERAL_SPECIAL.sub(lambda m: "@" + m.group(1).split("^")[0], result)
        if replaced == result:
            break
        result = replaced
    return result


def _strip_outer_quotes(text: str) -> str:
    if len(text) >= 2 and text[0] in _QUOTE_CLOSERS and text[-1] in '"”':
        inner = text[1:-1]
        if not any(q in inner for q in '"“”'):
            return inner
    return text


def user_id(raw: str) -> str | None:
    m = _USER.fullmatch(raw)
    return m.group(1) if m else None


def strip_invisible(text: str) -> str:
    return _INVISIBLE.sub("", text)


def first_word(text: str) -> str:
    """The subcommand as typed first, compared as Slack users type it (full-width letters, any case)."""
    return unicodedata.normalize("NFKC", text.split(maxsplit=1)[0]).lower() if text.split() else ""


def word(token: Token) -> str:
    """A token as one plain, lowercased word (a keyword such as ``team`` or ``add``)."""
    return plain_text(token.value).strip().lower()


# ---------------------------------------------------------------------------------------------
# Options, free text and values


class Shape(Protocol):
    """What splitting a subcommand's text needs to know of it (handlers.commands.spec.Subcommand)."""

    @property
    def name(self) -> str: ...
    @property
    def usage(self) -> str: ...
    @property
    def options(self) -> frozenset[str]: ...  # the key:value options it takes
    @property
    def custom(self) -> bool: ...  # other keys are custom fields (new, set)
    @property
    def spaced_custom(self) -> bool: ...  # "discount: 20" (a space after the colon) is a custom field too
    @property
    def ref(self) -> bool: ...  # may name a deal first


_TIME_OPTIONS = {"close", "next"}
_YES = {"yes", "y", "true", "是", "是的", "有"}
_NO = {"no", "n", "false", "否", "不是", "没有"}
TERRITORY_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


@dataclass
class Parsed:
    options: dict[str, tuple[str, bool]]  # key -> (escaped value without quote marks, quoted)
    free: list[Token]


Free = list[Token]


class Parser:
    """Reads one subcommand's text. ``reserved``: keys that custom fields may not use, each with the
    subcommand (name, usage) that changes it instead (``owner:`` → assign)."""

    def __init__(self, spec: Shape, now: datetime, tz: tzinfo, locale: str,
                 reserved: Mapping[str, tuple[str, str]]) -> None:
        self.spec, self.now, self.tz, self.locale, self.reserved = spec, now, tz, locale, reserved
        self.sub = spec.name
        self.usage = spec.usage

    def error(self, message: Text | str) -> UsageError:
        return UsageError(message, self.usage)

    # -- options and free text ----------------------------------------------------------------

    def _option_of(self, token: Token) -> tuple[str, str, bool] | None:
        """(key, value, quoted) when the token is written as an option."""
        m = _OPTION.fullmatch(token.raw)
        if m is None or m.group(1).lower() in _NOT_OPTION_KEYS or m.group(2).startswith("//"):
            return None
        key = m.group(1)
        return key.lower(), token.value[len(key) + 1 :], token.quoted

    def _accepts(self, key: str) -> bool:
        return key in self.spec.options or (self.spec.custom and key not in self.reserved)

    def split(self, tokens: list[Token]) -> Parsed:
        options: dict[str, tuple[str, bool]] = {}
        free: list[Token] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            opt = self._option_of(token)
            if opt is None:
                free.append(token)
                i += 1
                continue
            key, value, quoted = opt
            if not value and not quoted:
                # "amount: 150k" (a space after the colon) for the keys this subcommand takes;
                # any other "Re:" is just text.
                steals = key in self.spec.options or (self.spec.spaced_custom and self._accepts(key))
                if not steals:
                    free.append(token)
                    i += 1
                    continue
                following = tokens[i + 1] if i + 1 < len(tokens) else None
                if following is None or self._option_of(following) is not None:
                    raise self.error(t('"{key}:" needs a value.', key=key))
                value, quoted = following.value, following.quoted
                i += 1
            if key in self.reserved and key not in self.spec.options and self.spec.custom:
                elsewhere, usage = self.reserved[key]
                raise UsageError(t('Use /deal {sub} to change the {key}, not "{key}:".', sub=elsewhere, key=key),
                                 usage)
            if not self._accepts(key):
                raise self.error(t('/deal {sub} does not take "{key}:".', sub=self.sub, key=key))
            if key in options:
                raise self.error(t('You gave "{key}:" twice.', key=key))
            if not value.strip():
                raise self.error(t('"{key}:" needs a value.', key=key))
            i += 1
            if key in _TIME_OPTIONS and not quoted:
                # next:tomorrow 10:00 — the time may go on over the following plain words.
                taken, value = self._extend_time(value, tokens, i)
                i += taken
            options[key] = (value, quoted)
        return Parsed(options, free)

    def _extend_time(self, value: str, tokens: list[Token], start: int) -> tuple[int, str]:
        more: list[str] = []
        for token in tokens[start : start + 5]:
            if token.quoted or "<" in token.raw or self._option_of(token) is not None:
                break
            more.append(token.value)
        for k in range(len(more), 0, -1):
            candidate = " ".join([value, *more[:k]])
            try:
                parse_when(candidate, now=self.now, tz=self.tz, locale=self.locale, future_only=False)
            except InputError:
                continue
            return k, candidate
        return 0, value

    @staticmethod
    def text(tokens: list[Token]) -> str:
        """Free text as typed, unescaped; line breaks kept; one quoted string loses its quotes."""
        pieces = []
        for index, token in enumerate(tokens):
            if index:
                pieces.append("\n" * token.sep.count("\n") if "\n" in token.sep else " ")
            pieces.append(token.raw)
        return _strip_outer_quotes(plain_text("".join(pieces)).strip())

    # -- values -------------------------------------------------------------------------------

    def amount(self, value: str) -> Decimal:
        try:
            return parse_amount(plain_text(value))
        except InputError as e:
            raise self.error(message_of(e)) from e

    def when(self, value: str, *, future_only: bool) -> datetime:
        try:
            return parse_when(plain_text(value), now=self.now, tz=self.tz, locale=self.locale, future_only=future_only)
        except InputError as e:
            raise self.error(message_of(e)) from e

    def user(self, key: str, value: str) -> str:
        uid = user_id(value.strip())
        if uid is None:
            raise self.error(t('{key}: must be a @mention of a person, not "{value}".', key=key, value=clip(value)))
        return uid

    def yes_no(self, key: str, value: str) -> bool:
        v = plain_text(value).strip().lower()
        if v in _YES:
            return True
        if v in _NO:
            return False
        raise self.error(t('{key}: must be yes or no, not "{value}".', key=key, value=clip(value)))

    def string(self, key: str, value: str) -> str:
        v = plain_text(value).strip()
        if not v:
            raise self.error(t('"{key}:" needs a value.', key=key))
        return v

    def ref(self, free: list[Token]) -> tuple[DealRef | None, list[Token]]:
        if not self.spec.ref or not free:
            return None, free
        raw = free[0].raw
        if free[0].quoted:
            return None, free
        m = _DEAL_NUMBER.fullmatch(unicodedata.normalize("NFKC", raw))
        if m:
            return DealRef(number=int(m.group(1))), free[1:]
        m = _CHANNEL.fullmatch(raw)
        if m:
            label = m.group(2) or ""
            nm = _DEAL_CHANNEL_NAME.match(label)
            return DealRef(number=int(nm.group(1)) if nm else None, channel_id=m.group(1)), free[1:]
        return None, free

    def no_text(self, free: list[Token]) -> None:
        if free:
            raise self.error(t('/deal {sub} takes no text here, and I did not understand "{text}".',
                               sub=self.sub, text=clip(self.text(free))))


    def custom_fields(self, parsed: Parsed) -> dict[str, str]:
        """The options that are not this subcommand's own: custom fields."""
        return {k: self.string(k, v) for k, (v, _) in parsed.options.items() if k not in self.spec.options}
