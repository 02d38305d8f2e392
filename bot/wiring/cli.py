"""`dealroom`: the one command (SPEC section 1)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from bot.config.settings import Settings, SettingsError, load_settings
from models.infra.clock import Clock, SystemClock
from models.pipeline import PipelineError, load_pipeline

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


def main(argv: list[str] | None = None, *, clock: Clock | None = None) -> int:
    """`clock`: the one clock of this process, handed to every command that reads the time (the
    system's unless a test gives its own; nothing else in the product reads the wall clock)."""
    clock = clock if clock is not None else SystemClock()
    parser = argparse.ArgumentParser(prog="dealroom", description="A Slack sales assistant: deal rooms.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the bot (Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT)")
    commands.add_parser("start", help="what `make run` does: the bot when a token is configured, else the playground")
    manifest = commands.add_parser("manifest", help="print the Slack app manifest (YAML)")
    manifest.add_argument("--socket-mode", action="store_true", help="for Socket Mode: no request URLs")
    export = commands.add_parser("export", help="write every deal or timeline entry to a CSV file (UTF-8, for Excel)")
    export.add_argument("kind", choices=("deals", "timeline"), help="what to export")
    export.add_argument("path", help="the CSV file to write (replaced only once the new one is complete)")
    digest = commands.add_parser("digest", help="send the daily digests now (ignoring the workday and time rule)")
    digest.add_argument("--now", action="store_true", required=True, help="send at once")
    digest.add_argument("--manager", metavar="USER_ID", help="only this manager's digest")
    digest.add_argument("--territory", metavar="KEY", help="only this territory's digest, to its manager")
    playground = commands.add_parser("playground", help="the bot with a local Slack in your browser (no workspace)")
    playground.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default: PORT, else 3000)")
    backup = commands.add_parser("backup", help="a consistent copy of the database while the bot runs")
    backup.add_argument("path", help="the backup file to write (replaced only once the new copy is complete)")
    outbox = commands.add_parser("outbox", help="list undelivered Slack messages; requeue a parked one")
    outbox.add_argument("--parked", action="store_true", help="only messages Slack could never take")
    outbox.add_argument("--retry", type=int, metavar="ID", help="deliver this message again")
    args = parser.parse_args(argv)
    try:
        if args.command == "manifest":
            return _manifest(load_settings(), socket_mode=args.socket_mode)
        if args.command == "export":
            from bot.ops.export_command import run_export

            return run_export(load_settings(), args.kind, args.path)
        if args.command == "digest":
            from bot.ops.digest_now import send_now
            from scheduler.digests import send_digests_now

            return send_now(load_settings(), clock, args.manager, args.territory, send=send_digests_now)
        if args.command in ("backup", "outbox"):
            from bot.ops import commands as ops_cli

            settings = load_settings()
            if args.command == "backup":
                return ops_cli.backup_command(settings, args.path)
            return ops_cli.outbox_command(settings, clock, parked=args.parked, retry=args.retry)
        settings = load_settings()
        if args.command == "playground" or (args.command == "start" and not settings.bot_token()):
            return _playground(settings, clock, getattr(args, "port", None))
        return _run(settings, clock)
    except (SettingsError, PipelineError) as exc:
        print(f"dealroom: {exc}", file=sys.stderr)
        return 2
    except StartupError as exc:
        print(f"dealroom: {exc}", file=sys.stderr)
        return 1


class StartupError(Exception):
    """The bot cannot start for a reason outside its settings' form (database down, port taken)."""


def _manifest(settings: Settings, *, socket_mode: bool) -> int:
    from bot.wiring.manifest import render_manifest

    try:
        sys.stdout.write(render_manifest(public_url=settings.dealroom_public_url, socket_mode=socket_mode))
    except ValueError as exc:
        raise SettingsError(f"DEALROOM_PUBLIC_URL: {exc} (see .env.example)") from None
    return 0


def _playground(settings: Settings, clock: Clock, port: int | None) -> int:
    from bot.devtools.playground.server import serve

    load_pipeline(settings.dealroom_pipeline)
    _configure_logging(settings)
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


def _configure_logging(settings: Settings) -> None:
    """One line per event, secrets redacted (bot/config/logs.py); scheduler ticks and Alembic plugins stay quiet."""
    from bot.config.logs import configure

    secrets = [v.get_secret_value() for v in (settings.slack_signing_secret, settings.slack_app_token) if v]
    configure(settings.log_level, secrets=[s for s in (settings.bot_token(), *secrets) if s])
    if settings.log_level != "DEBUG":  # a line per scheduler tick and per Alembic plugin is noise
        for chatty in ("apscheduler", "alembic.runtime.plugins"):
            logging.getLogger(chatty).setLevel(logging.WARNING)


def _run(settings: Settings, clock: Clock) -> int:
    settings.require_run_settings()
    load_pipeline(settings.dealroom_pipeline)  # a bad pipeline file is one line, before anything starts
    _configure_logging(settings)
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


if __name__ == "__main__":
    sys.exit(main())
