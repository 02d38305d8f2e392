"""Every `/deal` subcommand, in the order help lists them, and what reads them: the parser, help, the router.

A subcommand is declared once, in the module of its subject (handlers/commands/*.py, a
:class:`~handlers.commands.spec.Subcommand`); adding one is a line here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks import replies
from bot.blocks.text import escape
from bot.runtime.deps import Deps
from handlers.commands.activity import FOLLOWUP, NOTE, SCORE, FollowUp, Note, Score
from handlers.commands.common import EVERYONE
from handlers.commands.deal_people import ASSIGN, INVITE, Assign, Invite
from handlers.commands.deals import HISTORY, INFO, NEW, SET, History, Info, New, Set
from handlers.commands.lists import APPROVALS, LIST, Approvals, List
from handlers.commands.moves import LOST, NEXT, STAGE, WON, Lost, Next, Stage, Won
from handlers.commands.people import ROLE, TEAM, Role, Team
from handlers.commands.pool import CLAIM, POOL, Claim, Pool
from handlers.commands.reports import REPORT, TARGET, Report, Target
from handlers.commands.spec import Reply, Run, Subcommand
from handlers.commands.territories import TERRITORY, Territory
from handlers.context import Request
from handlers.grammar import (
    MAX_TEXT,
    DealRef,
    Free,
    Parsed,
    Parser,
    UsageError,
    clip,
    first_word,
    plain_text,
    strip_invisible,
    tokenize,
)
from models.infra.i18n import render, t, translate

__all__ = [
    "HELP", "OFFERED", "ROUTES", "SUBCOMMANDS", "TABLE", "USAGE", "Approvals", "Assign", "Claim", "Command",
    "DealRef", "FollowUp", "Help", "History", "Info", "Invite", "List", "Lost", "New", "Next", "Note", "Pool",
    "Report", "Role", "Score", "Set", "Stage", "Target", "Team", "Territory", "UsageError", "Won", "full_help",
    "help_text", "parse_command",
]


@dataclass(frozen=True)
class Help:
    topic: str | None = None


def _parse_help(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> Help:
    topic = plain_text(free[0].value).strip().lower() if free else None
    return Help(_ALIASES.get(topic, topic) if topic else None)


async def _help(deps: Deps, req: Request, cmd: Help, session: AsyncSession) -> Reply:
    locale = deps.ws.locale
    text = help_text(cmd.topic, OFFERED, locale)
    more = BY_NAME[cmd.topic].more_help if cmd.topic in BY_NAME else None
    if more is not None:
        text += more(deps.ws, locale)
    return replies.help_reply(escape(text))


HELP_COMMAND = Subcommand("help", Help, _parse_help, _help, usage="/deal help [<subcommand>]",
                          example="/deal help note", permission=EVERYONE, ref=False, aliases=("?",), hint="help")

TABLE: tuple[Subcommand, ...] = (
    NEW, STAGE, NEXT, SET, NOTE, FOLLOWUP, WON, LOST, SCORE, INFO, HISTORY, LIST, ASSIGN, INVITE, POOL, CLAIM,
    REPORT, TARGET, TEAM, ROLE, APPROVALS, TERRITORY, HELP_COMMAND,
)
BY_NAME: dict[str, Subcommand] = {s.name: s for s in TABLE}
_ALIASES: dict[str, str] = {alias: s.name for s in TABLE for alias in s.aliases}
SUBCOMMANDS: tuple[str, ...] = tuple(BY_NAME)
USAGE: dict[str, str] = {s.name: s.usage for s in TABLE}
ROUTES: dict[type, Run] = {s.command: s.run for s in TABLE}
# The subcommands this version offers (a later version's may be declared before it offers them).
OFFERED: frozenset[str] = frozenset(SUBCOMMANDS)
# Keys a custom field may not take, and the subcommand that changes them instead.
_RESERVED: dict[str, tuple[str, str]] = {"owner": (ASSIGN.name, ASSIGN.usage), "stage": (STAGE.name, STAGE.usage)}

Command = (
    Help | New | Stage | Next | Set | Note | FollowUp | Won | Lost | Score | Info | History | List
    | Assign | Invite | Pool | Claim | Report | Target | Team | Role | Approvals | Territory
)  # fmt: skip


def subcommand_of(command: Any) -> Subcommand:
    """The declaration of a parsed command: the router."""
    return _BY_COMMAND[type(command)]


_BY_COMMAND: dict[type, Subcommand] = {s.command: s for s in TABLE}


def parse_command(
    text: str, *, now: datetime, tz: tzinfo, locale: str = "en", subcommands: Collection[str] = SUBCOMMANDS
) -> Command:
    """Parse the ``text`` of a ``/deal`` request (as Slack sends it, escaped).

    ``now`` is aware (UTC); times are read in ``tz``, the caller's time zone. ``subcommands`` are
    those the running version offers; any other is unknown. Raises only
    :class:`~models.values.InputError` subclasses (:class:`UsageError` with ``.usage``).
    """
    if not isinstance(text, str):
        raise UsageError(t("I could not read that command."), HELP_COMMAND.usage)
    if len(text) > MAX_TEXT:
        raise UsageError(t("That is too long: a command may have at most {max} characters.", max=f"{MAX_TEXT:,}"),
                         HELP_COMMAND.usage)
    text = strip_invisible(text)
    if not text.strip():
        return Help(None)
    first = first_word(text)
    tokens = tokenize(text, USAGE.get(_ALIASES.get(first, first), HELP_COMMAND.usage))
    head = unicodedata.normalize("NFKC", plain_text(tokens[0].value)).strip().lower()
    name = _ALIASES.get(head, head)
    if name not in BY_NAME or name not in subcommands:
        offered = ", ".join(s for s in SUBCOMMANDS if s in subcommands)
        raise UsageError(
            t('I don\'t know "/deal {sub}". Try one of: {offered}.', sub=clip(tokens[0].value, 30), offered=offered),
            HELP_COMMAND.usage,
        )
    spec = BY_NAME[name]
    p = Parser(spec, now, tz, locale, _RESERVED)
    parsed = p.split(tokens[1:])
    ref, free = p.ref(parsed.free)
    command: Command = spec.parse(p, parsed, ref, free)
    return command


# --- help -----------------------------------------------------------------------------------------


def full_help(subcommands: Iterable[str] = SUBCOMMANDS, locale: str = "en") -> str:
    """Usage and an example of each of ``subcommands`` (those the running version offers), the prose in
    ``locale`` (the command syntax stays as typed)."""
    return "\n".join(
        [
            render(t("Dealroom: one command, `/deal <subcommand>`. Inside a deal channel the deal is implied; "
                     "elsewhere name it right after the subcommand (D-42)."), locale),
            *(render(t("• `{usage}`  e.g. `{example}`", usage=BY_NAME[s].usage, example=BY_NAME[s].example), locale)
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
    if key in BY_NAME and key in subcommands:
        spec = BY_NAME[key]
        text = render(t("`{usage}`\ne.g. `{example}`", usage=spec.usage, example=spec.example), locale)
        return text + (f"\n{translate(spec.notes, locale)}" if spec.notes else "")
    return full_help((s for s in SUBCOMMANDS if s in subcommands), locale)


def manifest_hint() -> str:
    """The app manifest's usage hint for /deal: the few subcommands a newcomer starts with."""
    return " | ".join(s.hint for s in TABLE if s.hint)
