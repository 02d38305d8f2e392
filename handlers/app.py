"""Assembles the Bolt app from its dependencies (a value; tests build their own)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.response import BoltResponse

from bot.runtime.deps import Deps
from handlers import actions, approvals, events, reminders, views
from handlers.commands import entry as commands

log = logging.getLogger(__name__)


def build_app(deps: Deps) -> AsyncApp:
    settings = deps.settings
    signing_secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    app = AsyncApp(
        client=deps.gateway.tokenless_client(),
        authorize=_authorize_without_waiting(deps),
        signing_secret=signing_secret,
        # Socket Mode requests are not signed; HTTP requests always are (SPEC section 1).
        request_verification_enabled=not settings.socket_mode,
        process_before_response=False,
        logger=logging.getLogger("dealroom.bolt"),
    )
    app.middleware(_only_the_installed_workspace(deps))
    for module in (commands, actions, reminders, views, events, approvals):
        module.register(app, deps)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("unhandled %s in a %s request", type(error).__name__, body.get("type") or body.get("command"),
                  exc_info=error)

    return app


def _authorize_without_waiting(deps: Deps) -> Callable[[str | None, str | None, str | None],
                                                      Awaitable[AuthorizeResult]]:
    """Bolt's default authorization calls auth.test before the listener may ack; during a Slack
    outage that would cost the 3-second ack. Our single-workspace token needs no lookup: answer at
    once, and learn the bot's own user id (and the workspace's id, for the check below) in the
    background, when the start-up lookup (bot/wiring/server.py) did not get them."""
    token = deps.settings.bot_token()
    pending: set[asyncio.Task[str]] = set()

    async def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
        if deps.gateway.known_bot_user_id is None and not pending:
            task = asyncio.create_task(deps.gateway.bot_user_id())
            pending.add(task)
            task.add_done_callback(_forget(pending))
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id, bot_token=token,
                               bot_user_id=deps.gateway.known_bot_user_id, bot_id=deps.gateway.bot_id)

    return authorize


def _only_the_installed_workspace(deps: Deps) -> Callable[..., Awaitable[BoltResponse | None]]:
    """A request for another workspace (Bolt reads the team from a command's `team_id`, an interaction's
    `team.id` or `user.team_id`, an event's `team_id`; HTTP and Socket Mode alike) runs nothing.
    It is answered 200 with an empty body: an error status would make Slack retry an event, and count
    against the app's request URL. Until auth.test has answered (bot/wiring/server.py asks it at start) the
    installed workspace is unknown and the signature alone decides."""

    async def middleware(context: AsyncBoltContext, body: dict[str, Any], next: Any) -> BoltResponse | None:
        ours = deps.gateway.known_team_id
        if ours is None or context.team_id == ours:
            return await next()
        kind = body.get("command") or (body.get("event") or {}).get("type") or body.get("type") or "unknown"
        log.warning("refused a %s request from workspace %s: this bot is installed in %s",
                    str(kind)[:40], str(context.team_id)[:40], ours)
        return BoltResponse(status=200, body="")

    return middleware


def _forget(pending: set[asyncio.Task[str]]) -> Callable[[asyncio.Task[str]], None]:
    """Drop a finished lookup, reading its exception so that a failure is not reported as unretrieved."""
    def done(task: asyncio.Task[str]) -> None:
        pending.discard(task)
        if not task.cancelled():
            task.exception()
    return done
