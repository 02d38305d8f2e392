"""`dealroom run`: the bot itself, Socket Mode or HTTP, until SIGINT/SIGTERM (SPEC section 1). The
`dealroom` command (bot/cli/) parses the arguments and maps StartupError to exit code 1."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot.config.settings import Settings
from models.infra.clock import Clock
from models.pipeline import load_pipeline


class StartupError(Exception):
    """The bot cannot start for a reason outside its settings' form (database down, port taken)."""


def configure_logging(settings: Settings) -> None:
    """One line per event, secrets redacted (bot/config/logs.py); scheduler ticks and Alembic plugins stay quiet."""
    from bot.config.logs import configure

    secrets = [v.get_secret_value() for v in (settings.slack_signing_secret, settings.slack_app_token) if v]
    configure(settings.log_level, secrets=[s for s in (settings.bot_token(), *secrets) if s])
    if settings.log_level != "DEBUG":  # a line per scheduler tick and per Alembic plugin is noise
        for chatty in ("apscheduler", "alembic.runtime.plugins"):
            logging.getLogger(chatty).setLevel(logging.WARNING)


def run(settings: Settings, clock: Clock) -> int:
    settings.require_run_settings()
    load_pipeline(settings.dealroom_pipeline)  # a bad pipeline file is one line, before anything starts
    configure_logging(settings)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(settings, clock))
    return 0


async def _serve(settings: Settings, clock: Clock) -> None:
    from aiohttp import web

    from bot.ops.backup import scheduled_backup
    from bot.runtime.deps import build_deps
    from bot.wiring.http_edge import runner_options
    from bot.wiring.server import build_web_app, freeze_startup_heap
    from bot.wiring.socket_mode import SocketMode
    from handlers.app import build_app
    from models.infra.db import migrate
    from scheduler.jobs import Ticks

    log = logging.getLogger("dealroom")
    deps = build_deps(settings, clock=clock)
    try:
        await migrate(deps.engine)
    except Exception as exc:  # the driver's own error types vary: one line, whatever it is
        await deps.aclose()
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StartupError(f"DATABASE_URL: cannot open the database ({reason[:200]})") from None
    bolt = build_app(deps)
    socket = SocketMode.from_settings(bolt, settings) if settings.socket_mode else None
    web_app = build_web_app(deps, None if socket else bolt, ticks=Ticks(deps, backup=scheduled_backup),
                            socket_is_open=socket.is_connected if socket else None)
    runner = web.AppRunner(web_app, access_log=None, **runner_options())
    await runner.setup()  # asks Slack which workspace this is (auth.test) before the port opens
    try:
        await web.TCPSite(runner, settings.host, settings.port).start()
    except OSError as exc:
        await runner.cleanup()
        await deps.aclose()
        raise StartupError(f"PORT: cannot listen on {settings.host}:{settings.port} ({exc.strerror})") from None
    freeze_startup_heap()
    if socket is not None:
        await socket.start()
        log.info("Dealroom is connected by Socket Mode; health on http://%s:%s/healthz", settings.host, settings.port)
    else:
        log.info("Dealroom listens on http://%s:%s/slack/events", settings.host, settings.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("stopping")
    if socket is not None:
        await socket.close()
    await runner.cleanup()
    await deps.aclose()

