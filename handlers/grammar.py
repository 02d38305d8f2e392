"""The ``/deal`` grammar: Slack's escaped command text in, one typed command out.

Pure: no Slack calls, no I/O. :func:`parse_command` either returns a command dataclass or
raises an :class:`~models.values.InputError` (a :class:`UsageError` carrying the right form
in ``.usage``); nothing else escapes it, whatever the text.

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
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal

from models.infra.i18n import N_, Text, render, t, translate
from models.infra.limits import SLACK_ID
from models.values import InputError, parse_amount, parse_when, split_when

__all__ = [
    "HELP",
    "MAX_TEXT",
    "ROLES",
    "SUBCOMMANDS",
    "USAGE",
    "VIA",
    "Approvals",
    "Assign",
    "Claim",
    "Command",
    "DealRef",
    "FollowUp",
    "Help",
    "History",
    "Info",
    "InputError",
    "Invite",
    "List",
    "Lost",
    "New",
    "Next",
    "Note",
    "Pool",
    "Report",
    "Role",
    "Score",
    "Set",
    "Stage",
    "Target",
    "Team",
    "Territory",
    "UsageError",
    "Won",
    "help_text",
    "message_of",
    "parse_command",
    "plain_text",
]

MAX_TEXT = 4000

VIA = ("call", "email", "meeting", "demo", "chat")
INVITE_ROLES = ("presales", "legal", "finance", "cs", "manager")
ROLES = ("rep", "manager", "admin", "presales", "legal", "finance", "cs")
PERIODS = ("week", "month", "quarter")


# ---------------------------------------------------------------------------------------------
# Commands


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


@dataclass(frozen=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True)
class New:
    title: str | None = None
    amount: Decimal | None = None
    customer: str | None = None
    close_at: datetime | None = None
    owner_id: str | None = None
    source: str | None = None
    custom: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    ref: DealRef | None
    target: str


@dataclass(frozen=True)
class Next:
    ref: DealRef | None = None


@dataclass(frozen=True)
class Set:
    ref: DealRef | None = None
    title: str | None = None
    amount: Decimal | None = None
    customer: str | None = None
    close_at: datetime | None = None
    source: str | None = None
    custom: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Note:
    ref: DealRef | None
    text: str
    via: str | None = None
    next_at: datetime | None = None


@dataclass(frozen=True)
class FollowUp:
    ref: DealRef | None
    due_at: datetime
    text: str


@dataclass(frozen=True)
class Won:
    ref: DealRef | None = None
    amount: Decimal | None = None


@dataclass(frozen=True)
class Lost:
    ref: DealRef | None
    reason: str


@dataclass(frozen=True)
class Score:
    ref: DealRef | None
    budget: Decimal
    authority: bool
    need: bool
    timing_days: int


@dataclass(frozen=True)
class Info:
    ref: DealRef | None = None


@dataclass(frozen=True)
class History:
    ref: DealRef | None = None
    page: int = 1


@dataclass(frozen=True)
class List:
    scope: str = "mine"  # "mine" | "all" | "team" | "user"
    user_id: str | None = None


@dataclass(frozen=True)
class Assign:
    ref: DealRef | None
    user_id: str


@dataclass(frozen=True)
class Invite:
    ref: DealRef | None
    user_ids: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pool:
    pass


@dataclass(frozen=True)
class Claim:
    ref: DealRef | None = None


@dataclass(frozen=True)
class Report:
    period: str = "month"  # "week" | "month" | "quarter"
    scope: str = "default"  # "default" (by role) | "team" | "user" | "territory"
    user_id: str | None = None
    territory: str | None = None  # the key, with scope "territory"


@dataclass(frozen=True)
class Target:
    user_id: str
    period: str  # lowercased: week|month|quarter|year, or 2026, 2026-11, 2026-q4
    amount: Decimal


@dataclass(frozen=True)
class Team:
    user_id: str
    manager_id: str | None = None
    clear: bool = False  # manager:none


@dataclass(frozen=True)
class Role:
    user_id: str
    role: str
    remove: bool = False


@dataclass(frozen=True)
class Approvals:
    pass


@dataclass(frozen=True)
class Territory:
    """`/deal territory` lists; `<key>` shows one; `<key> add|remove @rep…` / `<key> manager @user` change it."""

    key: str | None = None
    action: str = "list"  # list | show | add | remove | manager
    user_ids: tuple[str, ...] = ()


Command = (
    Help | New | Stage | Next | Set | Note | FollowUp | Won | Lost | Score | Info | History | List
    | Assign | Invite | Pool | Claim | Report | Target | Team | Role | Approvals | Territory
)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Usage and help

_REF = "[D-<n>]"
USAGE: dict[str, str] = {
    "new": "/deal new <title> [amount:<amount>] [customer:<name>] [close:<when>] [owner:@user] "
    "[source:<source>] [<field>:<value>]",
    "stage": f"/deal stage {_REF} <stage>",
    "next": f"/deal next {_REF}",
    "set": f"/deal set {_REF} [amount:<amount>] [close:<when>] [customer:<name>] [source:<source>] "
    '[title:"<title>"] [<field>:<value>]',
    "note": f"/deal note {_REF} <text> [via:{'|'.join(VIA)}] [next:<when>]",
    "followup": f"/deal followup {_REF} <when> <what>",
    "won": f"/deal won {_REF} [amount:<amount>]",
    "lost": f"/deal lost {_REF} <reason>",
    "score": f"/deal score {_REF} budget:<amount> authority:<yes|no> need:<yes|no> timing:<days>",
    "info": f"/deal info {_REF}",
    "history": f"/deal history {_REF} [<page>]",
    "list": "/deal list [all|team|@user]",
    "assign": f"/deal assign {_REF} @user",
    "invite": f"/deal invite {_REF} @user|<role> … (roles: {', '.join(INVITE_ROLES)})",
    "pool": "/deal pool",
    "claim": "/deal claim D-<n>",
    "report": "/deal report [week|month|quarter] [@user|team|territory:<key>]",
    "target": "/deal target @user <period> <amount>",
    "team": "/deal team @rep [manager:@user|none]",
    "role": f"/deal role @user [-]<role> (roles: {', '.join(ROLES)})",
    "approvals": "/deal approvals",
    "territory": "/deal territory [<key> add|remove @rep …] [<key> manager @user]",
    "help": "/deal help [<subcommand>]",
}
SUBCOMMANDS: tuple[str, ...] = tuple(USAGE)

_EXAMPLES: dict[str, str] = {
    "new": '/deal new Acme expansion amount:150k customer:"Acme Corp" close:2026-12-01',
    "stage": "/deal stage proposal",
    "next": "/deal next D-42",
    "set": "/deal set amount:1.5m discount:20",
    "note": "/deal note D-42 called the CFO via:call next:tomorrow 10:00",
    "followup": "/deal followup tomorrow 10:00 send the contract",
    "won": "/deal won amount:145k",
    "lost": "/deal lost went with a competitor",
    "score": "/deal score budget:200k authority:yes need:yes timing:30",
    "info": "/deal info D-42",
    "history": "/deal history 2",
    "list": "/deal list team",
    "assign": "/deal assign @alice",
    "invite": "/deal invite @bob legal",
    "pool": "/deal pool",
    "claim": "/deal claim D-42",
    "report": "/deal report quarter team",
    "target": "/deal target @alice quarter 500k",
    "team": "/deal team @alice manager:@carol",
    "role": "/deal role @carol manager",
    "approvals": "/deal approvals",
    "territory": "/deal territory emea add @alice",
    "help": "/deal help note",
}

def full_help(subcommands: Iterable[str] = SUBCOMMANDS, locale: str = "en") -> str:
    """Usage and an example of each of ``subcommands`` (those the running version offers), the prose in
    ``locale`` (the command syntax stays as typed)."""
    return "\n".join(
        [
            render(t("Dealroom: one command, `/deal <subcommand>`. Inside a deal channel the deal is implied; "
                     "elsewhere name it right after the subcommand (D-42)."), locale),
            *(render(t("• `{usage}`  e.g. `{example}`", usage=USAGE[s], example=_EXAMPLES[s]), locale)
              for s in subcommands),
            render(t("Amounts: 150000, 150k, 1.5m, $150,000, 15万, 1.5亿. Times: 2026-12-01 14:00, in 90m, in 2h, "
                     "in 3d, tomorrow 10:00, next monday, 明天下午3点, 3天后. Quote values with spaces: "
                     'customer:"Acme Corp".'), locale),
        ]
    )


HELP = full_help()


def help_text(topic: str | None = None, subcommands: Collection[str] = SUBCOMMANDS, locale: str = "en") -> str:
    """The help for one subcommand (usage and an example), else the help of all ``subcommands``."""
    key = _ALIASES.get((topic or "").strip().lower(), (topic or "").strip().lower())
    if key in USAGE and key in subcommands:
        text = render(t("`{usage}`\ne.g. `{example}`", usage=USAGE[key], example=_EXAMPLES[key]), locale)
        return text + (f"\n{translate(_NOTES[key], locale)}" if key in _NOTES else "")
    return full_help((s for s in SUBCOMMANDS if s in subcommands), locale)


# Longer help of some subcommands (`/deal help <subcommand>`).
_NOTES: dict[str, str] = {
    "team": N_("Admins only for changes. `manager:@user` makes that user the rep's manager (and gives them the "
    "manager role); `manager:none` leaves the rep without one. Without `manager:` it shows the person's "
    "manager, roles and who reports to them (anyone may look). A manager sees and changes their team's deals "
    "and is invited to their reps' new deal channels.\ne.g. `/deal team @alice` · `/deal team @alice manager:none`"),
    "role": N_("Admins only. `role` adds a role, `-role` removes it. rep (the default), manager, admin; presales, "
    "legal, finance and cs are brought into deal channels by /deal invite and by the pipeline's stages.\n"
    "e.g. `/deal role @dan legal` · `/deal role @dan -legal`"),
    "territory": N_("`/deal territory` lists the territories: name, lines (region, industry, product), manager "
    "and reps. Admins change them: `<key> add @rep` (several at once too), `<key> remove @rep`, "
    "`<key> manager @user`. The pipeline file's territories are the defaults; changes are kept in the database "
    "and audited. New deals are routed to the reps as they are now; `/deal report territory:<key>` covers the "
    "deals in its lines.\n"
    "e.g. `/deal territory emea remove @ben` · `/deal territory emea manager @mia`"),
    "report": N_("No scope: yours as a rep, your team as a manager, everyone as an admin. `team`, `@user`, or "
    "`territory:<key>`: the deals whose region/industry/product match that territory (its manager and admins)."),
    "list": N_("`/deal list` your deals and those you collaborate on; `team` your team's (managers); "
    "`@user` that person's (themselves, their manager or an admin); `all` every open deal (admins)."),
}

_ALIASES = {"follow-up": "followup", "follow_up": "followup", "?": "help"}


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
class _Token:
    raw: str  # as typed: still escaped, quote marks kept
    value: str  # quote marks removed, still escaped
    quoted: bool  # some part was quoted
    sep: str  # the whitespace before it


def _tokenize(text: str, usage: str) -> list[_Token]:
    tokens: list[_Token] = []
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
                    raise UsageError(t("A quote is not closed: {text}", text=_clip(text[i:])), usage)
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
        tokens.append(_Token(text[begin:i], "".join(parts), quoted, sep))
    return tokens


def _clip(text: str, limit: int = 40) -> str:
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


def _user_id(raw: str) -> str | None:
    m = _USER.fullmatch(raw)
    return m.group(1) if m else None


# ---------------------------------------------------------------------------------------------
# Parsing


@dataclass(frozen=True)
class _Spec:
    options: frozenset[str] = frozenset()
    custom: bool = False  # other keys are custom fields (new, set)
    ref: bool = True


_TIME_OPTIONS = {"close", "next"}
_RESERVED = {"owner": "assign", "stage": "stage"}  # keys `set` sends elsewhere
_SPECS: dict[str, _Spec] = {
    "help": _Spec(ref=False),
    "new": _Spec(frozenset({"amount", "customer", "close", "owner", "source", "title"}), custom=True, ref=False),
    "stage": _Spec(),
    "next": _Spec(),
    "set": _Spec(frozenset({"amount", "close", "customer", "source", "title"}), custom=True),
    "note": _Spec(frozenset({"via", "next"})),
    "followup": _Spec(),
    "won": _Spec(frozenset({"amount"})),
    "lost": _Spec(),
    "score": _Spec(frozenset({"budget", "authority", "need", "timing"})),
    "info": _Spec(),
    "history": _Spec(frozenset({"page"})),
    "list": _Spec(ref=False),
    "assign": _Spec(),
    "invite": _Spec(),
    "pool": _Spec(ref=False),
    "claim": _Spec(),
    "report": _Spec(frozenset({"territory"}), ref=False),
    "target": _Spec(ref=False),
    "team": _Spec(frozenset({"manager"}), ref=False),
    "role": _Spec(ref=False),
    "approvals": _Spec(ref=False),
    "territory": _Spec(ref=False),
}
assert set(_SPECS) == set(USAGE)

_YES = {"yes", "y", "true", "是", "是的", "有"}
_NO = {"no", "n", "false", "否", "不是", "没有"}
_TIMING = re.compile(r"(\d{1,5})\s*(d|day|days|天|w|wk|week|weeks|周)?")
_TARGET_PERIOD = re.compile(r"week|month|quarter|year|\d{4}(?:-(?:0?[1-9]|1[0-2]|q[1-4]))?")


@dataclass
class _Parsed:
    options: dict[str, tuple[str, bool]]  # key -> (escaped value without quote marks, quoted)
    free: list[_Token]


class _Parser:
    def __init__(self, sub: str, now: datetime, tz: tzinfo, locale: str) -> None:
        self.sub, self.now, self.tz, self.locale = sub, now, tz, locale
        self.spec = _SPECS[sub]
        self.usage = USAGE[sub]

    def error(self, message: Text | str) -> UsageError:
        return UsageError(message, self.usage)

    # -- options and free text ----------------------------------------------------------------

    def _option_of(self, token: _Token) -> tuple[str, str, bool] | None:
        """(key, value, quoted) when the token is written as an option."""
        m = _OPTION.fullmatch(token.raw)
        if m is None or m.group(1).lower() in _NOT_OPTION_KEYS or m.group(2).startswith("//"):
            return None
        key = m.group(1)
        return key.lower(), token.value[len(key) + 1 :], token.quoted

    def _accepts(self, key: str) -> bool:
        return key in self.spec.options or (self.spec.custom and key not in _RESERVED)

    def split(self, tokens: list[_Token]) -> _Parsed:
        options: dict[str, tuple[str, bool]] = {}
        free: list[_Token] = []
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
                steals = key in self.spec.options or (self.sub == "set" and self._accepts(key))
                if not steals:
                    free.append(token)
                    i += 1
                    continue
                following = tokens[i + 1] if i + 1 < len(tokens) else None
                if following is None or self._option_of(following) is not None:
                    raise self.error(t('"{key}:" needs a value.', key=key))
                value, quoted = following.value, following.quoted
                i += 1
            if key in _RESERVED and key not in self.spec.options and self.spec.custom:
                raise UsageError(
                    t('Use /deal {sub} to change the {key}, not "{key}:".', sub=_RESERVED[key], key=key),
                    USAGE[_RESERVED[key]],
                )
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
        return _Parsed(options, free)

    def _extend_time(self, value: str, tokens: list[_Token], start: int) -> tuple[int, str]:
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
    def text(tokens: list[_Token]) -> str:
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
        uid = _user_id(value.strip())
        if uid is None:
            raise self.error(t('{key}: must be a @mention of a person, not "{value}".', key=key, value=_clip(value)))
        return uid

    def yes_no(self, key: str, value: str) -> bool:
        v = plain_text(value).strip().lower()
        if v in _YES:
            return True
        if v in _NO:
            return False
        raise self.error(t('{key}: must be yes or no, not "{value}".', key=key, value=_clip(value)))

    def string(self, key: str, value: str) -> str:
        v = plain_text(value).strip()
        if not v:
            raise self.error(t('"{key}:" needs a value.', key=key))
        return v

    def ref(self, free: list[_Token]) -> tuple[DealRef | None, list[_Token]]:
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

    def no_text(self, free: list[_Token]) -> None:
        if free:
            raise self.error(t('/deal {sub} takes no text here, and I did not understand "{text}".',
                               sub=self.sub, text=_clip(self.text(free))))


def _custom(p: _Parser, parsed: _Parsed) -> dict[str, str]:
    return {k: p.string(k, v) for k, (v, _) in parsed.options.items() if k not in p.spec.options}


def parse_command(
    text: str, *, now: datetime, tz: tzinfo, locale: str = "en", subcommands: Collection[str] = SUBCOMMANDS
) -> Command:
    """Parse the ``text`` of a ``/deal`` request (as Slack sends it, escaped).

    ``now`` is aware (UTC); times are read in ``tz``, the caller's time zone. ``subcommands`` are
    those the running version offers; any other is unknown. Raises only
    :class:`~models.values.InputError` subclasses (:class:`UsageError` with ``.usage``).
    """
    if not isinstance(text, str):
        raise UsageError(t("I could not read that command."), USAGE["help"])
    if len(text) > MAX_TEXT:
        raise UsageError(t("That is too long: a command may have at most {max} characters.", max=f"{MAX_TEXT:,}"),
                         USAGE["help"])
    text = _INVISIBLE.sub("", text)
    if not text.strip():
        return Help(None)
    first = unicodedata.normalize("NFKC", text.split(maxsplit=1)[0]).lower()
    tokens = _tokenize(text, USAGE.get(_ALIASES.get(first, first), USAGE["help"]))
    head = unicodedata.normalize("NFKC", plain_text(tokens[0].value)).strip().lower()
    sub = _ALIASES.get(head, head)
    if sub not in _SPECS or sub not in subcommands:
        offered = ", ".join(s for s in SUBCOMMANDS if s in subcommands)
        raise UsageError(
            t('I don\'t know "/deal {sub}". Try one of: {offered}.', sub=_clip(tokens[0].value, 30), offered=offered),
            USAGE["help"],
        )
    p = _Parser(sub, now, tz, locale)
    parsed = p.split(tokens[1:])
    ref, free = p.ref(parsed.free)
    return _BUILDERS[sub](p, parsed, ref, free)


# -- one builder per subcommand ----------------------------------------------------------------

_Free = list[_Token]


def _help(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    topic = plain_text(free[0].value).strip().lower() if free else None
    return Help(_ALIASES.get(topic, topic) if topic else None)


def _new(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    o = parsed.options
    title = p.text(free) or None
    if "title" in o:
        if title:
            raise p.error(t("Give the title either as text or as title:, not both."))
        title = p.string("title", o["title"][0])
    return New(
        title=title,
        amount=p.amount(o["amount"][0]) if "amount" in o else None,
        customer=p.string("customer", o["customer"][0]) if "customer" in o else None,
        close_at=p.when(o["close"][0], future_only=False) if "close" in o else None,
        owner_id=p.user("owner", o["owner"][0]) if "owner" in o else None,
        source=p.string("source", o["source"][0]) if "source" in o else None,
        custom=_custom(p, parsed),
    )


def _stage(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    target = p.text(free)
    if not target:
        raise p.error(t("Say which stage to move to, e.g. /deal stage proposal."))
    return Stage(ref, target)


def _next(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    p.no_text(free)
    return Next(ref)


def _set(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    if free:
        raise p.error(t(
            '/deal set takes only key:value changes, and I did not understand "{text}"; '
            'quote values with spaces, e.g. customer:"Acme Corp".', text=_clip(p.text(free))
        ))
    o = parsed.options
    if not o:
        raise p.error(t("Say what to change, e.g. /deal set amount:150k."))
    return Set(
        ref=ref,
        title=p.string("title", o["title"][0]) if "title" in o else None,
        amount=p.amount(o["amount"][0]) if "amount" in o else None,
        customer=p.string("customer", o["customer"][0]) if "customer" in o else None,
        close_at=p.when(o["close"][0], future_only=False) if "close" in o else None,
        source=p.string("source", o["source"][0]) if "source" in o else None,
        custom=_custom(p, parsed),
    )


def _note(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    o = parsed.options
    text = p.text(free)
    if not text:
        raise p.error(t("Say what happened, e.g. /deal note called the CFO."))
    via = None
    if "via" in o:
        via = plain_text(o["via"][0]).strip().lower()
        if via not in VIA:
            raise p.error(t('via: must be one of {choices}, not "{value}".', choices=", ".join(VIA),
                              value=_clip(o["via"][0])))
    next_at = p.when(o["next"][0], future_only=True) if "next" in o else None
    return Note(ref, text, via, next_at)


def _followup(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    words = [w for token in free for w in [plain_text(token.value)] if w.strip()]
    if not words:
        raise p.error(t("Say when and what, e.g. /deal followup tomorrow 10:00 send the contract."))
    try:
        due, rest = split_when(words, now=p.now, tz=p.tz, locale=p.locale)
    except InputError as e:
        raise p.error(message_of(e)) from e
    return FollowUp(ref, due, " ".join(rest).strip())


def _won(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    o = parsed.options
    amount = p.amount(o["amount"][0]) if "amount" in o else None
    if free:
        if amount is not None:
            p.no_text(free)
        amount = p.amount(p.text(free))  # "/deal won 150k" reads as amount:150k
    return Won(ref, amount)


def _lost(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    reason = p.text(free)
    if not reason:
        raise p.error(t("Say why the deal was lost, e.g. /deal lost went with a competitor."))
    return Lost(ref, reason)


def _score(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    p.no_text(free)
    o = parsed.options
    missing = [k for k in ("budget", "authority", "need", "timing") if k not in o]
    if missing:
        raise p.error(t("A score needs all four of budget, authority, need and timing; missing: {missing}.",
                        missing=", ".join(missing)))
    timing_text = plain_text(o["timing"][0]).strip().lower()
    m = _TIMING.fullmatch(timing_text)
    if m is None:
        raise p.error(t('timing: must be a number of days, e.g. 30 or 30d, not "{value}".',
                        value=_clip(o["timing"][0])))
    days = int(m.group(1)) * (7 if (m.group(2) or "d")[0] in "w周" else 1)
    return Score(
        ref,
        budget=p.amount(o["budget"][0]),
        authority=p.yes_no("authority", o["authority"][0]),
        need=p.yes_no("need", o["need"][0]),
        timing_days=days,
    )


def _info(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    p.no_text(free)
    return Info(ref)


def _page(p: _Parser, text: str) -> int:
    v = plain_text(text).strip().lower().removeprefix("page").strip()
    if not v.isascii() or not v.isdigit() or len(v) > 6 or int(v) < 1:
        raise p.error(t('The page must be a number from 1, not "{value}".', value=_clip(text)))
    return int(v)


def _history(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    o = parsed.options
    if free and "page" in o:
        p.no_text(free)
    if "page" in o:
        return History(ref, _page(p, o["page"][0]))
    if free:
        return History(ref, _page(p, p.text(free)))
    return History(ref, 1)


def _list(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    if not free:
        return List("mine")
    if len(free) > 1:
        raise p.error(t("List takes one of all, team or a @mention."))
    uid = _user_id(free[0].raw)
    if uid:
        return List("user", uid)
    word = plain_text(free[0].value).strip().lower()
    if word in ("all", "team", "mine"):
        return List(word)
    raise p.error(t('List takes all, team or a @mention, not "{value}".', value=_clip(free[0].raw)))


def _assign(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    uids = [_user_id(token.raw) for token in free]
    if len(free) != 1 or uids[0] is None:
        raise p.error(t("Mention exactly one person to make owner, e.g. /deal assign @alice."))
    return Assign(ref, uids[0])


def _invite(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    users: list[str] = []
    roles: list[str] = []
    for token in free:
        uid = _user_id(token.raw)
        word = plain_text(token.value).strip().lower().rstrip(",")
        if uid:
            users.append(uid)
        elif word in INVITE_ROLES:
            roles.append(word)
        elif word in ("", "and", "&"):
            continue
        else:
            raise p.error(t('Invite people by @mention or a role ({roles}); I did not understand "{value}".',
                            roles=", ".join(INVITE_ROLES), value=_clip(token.raw)))
    if not users and not roles:
        raise p.error(t("Say whom to invite: a @mention or a role, e.g. /deal invite @bob legal."))
    return Invite(ref, tuple(dict.fromkeys(users)), tuple(dict.fromkeys(roles)))


def _pool(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    p.no_text(free)
    return Pool()


def _claim(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    if free:
        raise p.error(t('Name the deal to claim as D-<n>, not "{text}".', text=_clip(p.text(free))))
    return Claim(ref)


def _report(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    period: str | None = None
    scope, user = "default", None
    for token in free:
        uid = _user_id(token.raw)
        word = plain_text(token.value).strip().lower()
        if word in PERIODS and period is None:
            period = word
        elif (uid or word == "team") and scope == "default":
            scope, user = ("user", uid) if uid else ("team", None)
        else:
            raise p.error(t('I did not understand "{value}" in a report; give a period and a scope.',
                            value=_clip(token.raw)))
    if "territory" in parsed.options:
        key = plain_text(parsed.options["territory"][0]).strip()
        if scope != "default" or not _TERRITORY_KEY.fullmatch(key):
            raise p.error(t("Give one scope: @user, team or territory:<key> (e.g. territory:emea)."))
        return Report(period or "month", "territory", None, key)
    return Report(period or "month", scope, user)


_TERRITORY_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def _territory(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    if not free:
        return Territory()
    key = plain_text(free[0].value).strip()
    if not _TERRITORY_KEY.fullmatch(key):
        raise p.error(t('Name the territory by its key (/deal territory lists them), not "{value}".',
                        value=_clip(free[0].raw)))
    if len(free) == 1:
        return Territory(key, "show")
    action = plain_text(free[1].value).strip().lower()
    users = [_user_id(token.raw) for token in free[2:]]
    if action not in ("add", "remove", "manager") or not users or None in users:
        raise p.error(t("Say add @rep, remove @rep or manager @user after the territory's key, "
                        "e.g. /deal territory emea add @alice."))
    if action != "add" and len(users) != 1:
        raise p.error(t("Mention one person to {action}, e.g. /deal territory {key} {action} @alice.",
                        action=action, key=key))
    return Territory(key, action, tuple(dict.fromkeys(str(u) for u in users)))


def _target(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    if len(free) != 3 or _user_id(free[0].raw) is None:
        raise p.error(t("Give a @mention, a period and an amount, e.g. /deal target @alice quarter 500k."))
    period = plain_text(free[1].value).strip().lower()
    if not _TARGET_PERIOD.fullmatch(period):
        raise p.error(t('The period must be week, month, quarter, year, or like 2026, 2026-11, 2026-q4; not "{value}".',
                        value=_clip(period)))
    return Target(str(_user_id(free[0].raw)), period, p.amount(free[2].value))


def _team(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    if len(free) != 1 or _user_id(free[0].raw) is None:
        raise p.error(t("Mention the rep, e.g. /deal team @alice manager:@carol."))
    raw = parsed.options["manager"][0] if "manager" in parsed.options else None
    if raw is not None and plain_text(raw).strip().lower() in _NO_MANAGER:
        return Team(str(_user_id(free[0].raw)), None, clear=True)
    manager = p.user("manager", raw) if raw is not None else None
    return Team(str(_user_id(free[0].raw)), manager)


_NO_MANAGER = frozenset({"none", "-", "nobody", "无"})


def _role(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    if len(free) != 2 or _user_id(free[0].raw) is None:
        raise p.error(t("Mention the person and the role, e.g. /deal role @carol manager (or -manager to remove)."))
    word = plain_text(free[1].value).strip().lower()
    remove = word[:1] in ("-", "−")
    role = word[1:] if remove else word
    if role not in ROLES:
        raise p.error(t('The role must be one of {roles}, not "{value}".', roles=", ".join(ROLES), value=_clip(role)))
    return Role(str(_user_id(free[0].raw)), role, remove)


def _approvals(p: _Parser, parsed: _Parsed, ref: DealRef | None, free: _Free) -> Command:
    p.no_text(free)
    return Approvals()


_BUILDERS = {
    "help": _help,
    "new": _new,
    "stage": _stage,
    "next": _next,
    "set": _set,
    "note": _note,
    "followup": _followup,
    "won": _won,
    "lost": _lost,
    "score": _score,
    "info": _info,
    "history": _history,
    "list": _list,
    "assign": _assign,
    "invite": _invite,
    "pool": _pool,
    "claim": _claim,
    "report": _report,
    "target": _target,
    "team": _team,
    "role": _role,
    "approvals": _approvals,
    "territory": _territory,
}
assert set(_BUILDERS) == set(USAGE)
