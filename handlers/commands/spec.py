"""How a `/deal` subcommand is declared: once, with everything about it (handlers/commands/table.py lists them).

A declaration names the subcommand, its grammar (which options it takes and its parse function), its
usage line and example, its longer help (a catalogue message id), who may run it (the rule of
models.people.permissions that decides), and the use case it runs, which returns the private reply. The
parser, `/deal help`, the router, the list of subcommands offered when a name is unknown, the app
manifest's usage hint and the permission table test all read the declarations.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks.replies import Message
from bot.runtime.deps import Deps
from handlers.context import Request
from handlers.grammar import DealRef, Free, Parsed, Parser
from models.pipeline.workspace import Workspace


@dataclass(frozen=True)
class Created:
    """The reply to `new`, still to say where the channel is once Slack has answered."""

    number: int
    text: str


Reply = Message | str | Created
Parse = Callable[[Parser, Parsed, DealRef | None, Free], Any]
Run = Callable[[Deps, Request, Any, AsyncSession], Awaitable[Reply]]


@dataclass(frozen=True)
class Permission:
    """Who may run a subcommand. ``rules``: the functions of models.people.permissions that decide (the
    domain applies them, server side, in the use case). ``plain``: who that is for the subcommand's plain
    form, in the words of the permission table (tests/scenario/test_permission_table.py): "everyone",
    "readers" (the deal's channel members and its writers), "writers" (its owner, collaborators, the
    owner's manager, admins), "admins", or "by scope" (it depends on what is asked for)."""

    rules: tuple[Callable[..., object], ...]
    plain: str


@dataclass(frozen=True)
class Subcommand:
    """One `/deal` subcommand, declared once."""

    name: str
    command: type  # the dataclass `parse` returns, which the router dispatches on
    parse: Parse
    run: Run
    usage: str  # command syntax, never translated
    example: str
    permission: Permission
    options: frozenset[str] = frozenset()  # the key:value options it takes
    custom: bool = False  # other keys are custom fields
    spaced_custom: bool = False  # a custom field may be written "key: value" too
    ref: bool = True  # may name a deal first (D-42, a deal channel)
    aliases: tuple[str, ...] = ()
    notes: str | None = None  # longer help for `/deal help <name>`: a catalogue message id (N_)
    more_help: Callable[[Workspace, str], str] | None = None  # help computed from the workspace (ws, locale)
    hint: str | None = None  # its part of the app manifest's usage hint, for the few shown there

