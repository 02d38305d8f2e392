"""The work after the ack, the same for every entry point: commands, buttons, modals, approvals.

Slack has had its ack, so from here on nobody but us can tell the person what happened. Whatever
the work raises reaches them privately, in the workspace's language: a refusal as the domain words
it; anything else as "nothing was saved" (or, when a transaction had already committed, "it was
saved, but …") with what to do, and its traceback is logged here, once (Bolt's error handler never
sees it)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import exc as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from bot.blocks.replies import Message, error_reply
from bot.runtime.deps import Deps
from handlers.replies import message_of
from models.infra.errors import DomainError
from models.infra.i18n import Text, t

log = logging.getLogger(__name__)

Tell = Callable[[Message], Awaitable[None]]


@dataclass
class Unit:
    """One person's request after the ack: its sessions, and whether anything has been committed."""

    deps: Deps
    saved: bool = False

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One transaction, committed on leaving the block; a few at a time (``Deps.after_ack``)."""
        async with self.deps.after_ack, self.deps.sessions.begin() as session:
            yield session
        self.saved = True

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A session that only reads; a few at a time, like transactions."""
        async with self.deps.after_ack, self.deps.sessions() as session:
            yield session


async def run_after_ack(deps: Deps, user_id: str, tell: Tell, work: Callable[[Unit], Awaitable[object]], *,
                        what: str, in_turn: bool = True) -> None:
    """Run ``work`` for ``user_id`` and tell them, through ``tell``, whatever it raises. ``in_turn``: after
    this person's earlier requests (off only for work that must answer at once, like opening a modal
    within the 3 seconds its trigger_id lasts). ``what`` names the request in the log."""
    unit = Unit(deps)
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


def failure_message(exc: Exception, *, saved: bool, what: str) -> tuple[Text | str, str | None]:
    """What to tell the person about ``exc`` (and its usage line, if any); logs the unexpected ones."""
    if isinstance(exc, DomainError):
        return message_of(exc), getattr(exc, "usage", None)
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
