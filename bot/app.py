"""Assembles the Bolt app from its dependencies (a value; tests build their own)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.container import Deps
from handlers import actions, commands, events, views

log = logging.getLogger(__name__)


def build_app(deps: Deps) -> AsyncApp:
    settings = deps.settings
    signing_secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    app = AsyncApp(
        client=deps.client,
        signing_secret=signing_secret,
        # Socket Mode requests are not signed; HTTP requests always are (SPEC section 1).
        request_verification_enabled=not settings.socket_mode,
        process_before_response=False,
        logger=logging.getLogger("dealroom.bolt"),
    )
    for module in (commands, actions, views, events):
        module.register(app, deps)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("unhandled %s in a %s request", type(error).__name__, body.get("type") or body.get("command"),
                  exc_info=error)

    return app
