"""`dealroom playground` (and `dealroom start` without a token): the only way from the command into the
development tools (bot.devtools), so the running bot never imports the emulator or the playground."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.config.settings import Settings
from bot.wiring.run import StartupError, configure_logging
from models.infra.clock import Clock
from models.pipeline import load_pipeline

GETTING_STARTED = """\
Dealroom needs a Slack app to talk to. To create one:
  1. dealroom manifest > manifest.yaml   (add --socket-mode if Slack cannot reach this machine)
  2. https://api.slack.com/apps -> Create New App -> From an app manifest -> paste manifest.yaml
  3. Install it to your workspace, then copy .env.example to .env and fill in SLACK_BOT_TOKEN
     (OAuth & Permissions) and SLACK_SIGNING_SECRET (Basic Information), or SLACK_APP_TOKEN for Socket Mode.
  4. make run"""

PLAYGROUND_INTRO = """\
No SLACK_BOT_TOKEN is configured, so this is the playground: Dealroom with a local, pretend Slack.
Nothing leaves this machine. To connect a real workspace:
""" + GETTING_STARTED


def run_playground(settings: Settings, clock: Clock, port: int | None) -> int:
    from bot.devtools.playground.server import serve

    load_pipeline(settings.dealroom_pipeline)
    configure_logging(settings)
    if settings.log_level != "DEBUG":  # the page is what a newcomer looks at; migrations are not news
        logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    if not settings.bot_token():
        print(PLAYGROUND_INTRO, flush=True)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(settings, clock, settings.port if port is None else port))
    except OSError as exc:
        raise StartupError(f"PORT: cannot listen on 127.0.0.1:{port or settings.port} ({exc.strerror})") from None
    return 0
