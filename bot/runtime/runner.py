"""The one way in: every unit of work, whoever started it — a command, a button, a modal, a shortcut, an
event or a scheduled job — runs here.

The runner owns what is the same for all of them: the sessions and their commits; delivering what a
commit queued (the lanes of the outbox rows the transaction wrote, models/infra/outbox.py, kicked to
the deliverer right after that commit, never passed around by hand); and what happens when the work
raises. A person who is waiting (Slack has had its ack, so nobody but us can tell them) hears it
privately, in the workspace's language: a domain refusal as the domain words it; anything else as
"nothing was saved" (or, once a transaction had committed, "it was saved, but …") with what to do, its
traceback logged here, once (Bolt's error handler never sees it). A job has nobody to tell: its failure
is logged here, once.

Domain refusals are mapped in :func:`refusal_of`, the only place that catches them. They are
`models.infra.errors.DomainError` (InputError, NotFound, Forbidden, Refused, Conflict), whatever module
raised it (the grammar's UsageError, a stage lookup and a report's scope are among them).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exc as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from bot.blocks.replies import Message, error_reply
from bot.runtime.deps import Deps
from models.infra.errors import DomainError
from models.infra.i18n import Text, render, t
from models.infra.outbox import lanes_written

log = logging.getLogger(__name__)

Tell = Callable[[Message], Awaitable[None]]
Kick = Callable[[list[str]], object]


@dataclass
class Unit:
    """One unit of work: its sessions, whether anything has been committed, and the outbox lanes its
    commits wrote (``lanes``: each transaction's lanes in commit order, handed to ``kick`` at once)."""

    sessions: async_sessionmaker[AsyncSession]
    kick: Kick | None = None
    # Work after an ack shares the event loop with the next acks: a few at a time (Deps.after_ack).
    gate: AbstractAsyncContextManager[Any] = field(default_factory=nullcontext)
    saved: bool = False
    lanes: list[str] = field(default_factory=list)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One transaction, committed on leaving the block; what it queued is delivered right after."""
        async with self.gate, self.sessions.begin() as session:
            yield session
        self.saved = True
        self.deliver(lanes_written(session))

    @asynccontextmanager
    async def reading(self, *, wait_for_a_slot: bool = True) -> AsyncIterator[AsyncSession]:
        """A session that only reads; a few at a time, like transactions (``wait_for_a_slot=False``: a
        short look that must not wait behind other people's work)."""
        async with self.gate if wait_for_a_slot else nullcontext(), self.sessions() as session:
            yield session

    def deliver(self, lanes: Iterable[str]) -> None:
        lanes = list(lanes)
        if lanes:
            self.lanes += lanes
            if self.kick is not None:
                self.kick(lanes)


Work = Callable[[Unit], Awaitable[object]]


# --- a person waits -------------------------------------------------------------------------------


async def run_request(deps: Deps, user_id: str, tell: Tell, work: Work, *, what: str, in_turn: bool = True) -> None:
    """Run ``work`` for ``user_id`` (a command, button, modal or shortcut, after its ack) and tell them,
    through ``tell``, whatever it raises. ``in_turn``: after this person's earlier requests, a few at a
    time; off for work that must answer at once (opening a modal within the 3 seconds its trigger_id
    lasts). ``what`` names the request in the log."""
    unit = Unit(deps.sessions, deps.deliverer.kick, deps.after_ack if in_turn else nullcontext())
    try:
        if in_turn:
            async with deps.turn_of(user_id):
                await work(unit)
        else:
            await work(unit)
    except Exception as exc:  # whatever it is, the person hears of it
        reply = failure_reply(exc, saved=unit.saved, what=what, locale=deps.ws.locale)
        try:
            await tell(reply)
        except Exception as failure:  # the traceback that matters is logged already
            log.warning("could not tell %s about a failure: %s", user_id, type(failure).__name__)


def failure_reply(exc: Exception, *, saved: bool, what: str, locale: str) -> Message:
    message, usage = failure_message(exc, saved=saved, what=what)
    return error_reply(message, usage, locale=locale)


def refusal_of(exc: BaseException) -> tuple[Text | str, str | None] | None:
    """What a domain refusal says and its usage line (the right form), or None for anything else."""
    if isinstance(exc, DomainError):
        return message_of(exc), getattr(exc, "usage", None)
    return None


def message_of(exc: BaseException) -> Text | str:
    """What an input or domain error says: its :class:`Text` when it carries one (``.message``), else
    its English ``str()``."""
    message = getattr(exc, "message", None)
    return message if isinstance(message, Text | str) and message else str(exc)


def failure_message(exc: Exception, *, saved: bool, what: str) -> tuple[Text | str, str | None]:
    """What to tell the person about ``exc`` (and its usage line, if any); logs the unexpected ones."""
    if (refusal := refusal_of(exc)) is not None:
        return refusal
    if isinstance(exc, StaleDataError):
        return t("Someone changed this deal at the same moment; nothing was changed. Try again."), None
    log.error("%s failed after the ack: %s", what, type(exc).__name__, exc_info=exc)
    if saved:
        return t("It was saved, but something went wrong after that. Check with /deal info before you try "
                 "again."), None
    if refused_value(exc):
        return t("The database refused a value you entered, so nothing was saved. Check what you typed (a "
                 "shorter text, a smaller number) and try again."), None
    if database_unavailable(exc):
        return t("The database is not answering, so nothing was saved. Try again in a minute; if it keeps "
                 "happening, tell your Dealroom admin."), None
    return t("Something went wrong on our side, so nothing was saved. Try again; if it happens again, tell your "
             "Dealroom admin."), None


def refused_value(exc: BaseException) -> bool:
    """The database refused a value: a DataError, or SQLSTATE class 22 ("data exception"), which
    SQLAlchemy's asyncpg dialect reports as a plain DBAPIError."""
    if isinstance(exc, sa.DataError):
        return True
    return isinstance(exc, sa.DBAPIError) and _sqlstate(exc).startswith("22")


# SQLSTATE classes of a server that is not there for us: connection exception, insufficient
# resources, operator intervention (shutting down, crash recovery).
_GONE = ("08", "53", "57P")


def _sqlstate(exc: sa.DBAPIError) -> str:
    return str(getattr(exc.orig, "sqlstate", None) or "")


def database_unavailable(exc: BaseException) -> bool:
    """The database refused the connection, dropped it, is locked past the busy timeout, or timed out."""
    if isinstance(exc, sa.OperationalError | sa.InterfaceError | sa.TimeoutError | ConnectionError | TimeoutError):
        return True
    if isinstance(exc, sa.DBAPIError) and (exc.connection_invalidated or _sqlstate(exc).startswith(_GONE)):
        return True
    return type(exc).__module__.split(".")[0] == "asyncpg"  # raised by asyncpg while connecting


# --- nobody waits: scheduled jobs and events -----------------------------------------------------------


@dataclass(frozen=True)
class Done:
    """How a job went: the lanes its commits queued (delivered already), and whether it failed — with
    what the domain said when it was a refusal (for a command line to print)."""

    lanes: list[str]
    failed: bool = False
    refusal: Text | str | None = None


async def run_job(deps: Deps, work: Work, *, what: str, after_ack: bool = False) -> Done:
    """Run ``work`` with nobody waiting on it (a scheduler tick, an event from Slack, a command-line
    task): whatever it raises is logged here, once, and it never raises. ``after_ack``: it shares the
    slots of the work after Slack's acks (events do; ticks do not)."""
    unit: Unit | None = None
    try:
        unit = Unit(deps.sessions, deps.deliverer.kick, deps.after_ack if after_ack else nullcontext())
        await work(unit)
    except Exception as exc:  # nobody to tell: the log is where it is seen
        lanes = unit.lanes if unit is not None else []
        if (refusal := refusal_of(exc)) is not None:
            log.info("%s refused: %s", what, render(refusal[0], "en"))
            return Done(lanes, failed=True, refusal=refusal[0])
        log.exception("%s failed", what)
        return Done(lanes, failed=True)
    return Done(unit.lanes)


async def once(unit: Unit, step: Callable[[AsyncSession], Awaitable[object]]) -> None:
    """``step`` in one transaction of ``unit``."""
    async with unit.transaction() as session:
        await step(session)
