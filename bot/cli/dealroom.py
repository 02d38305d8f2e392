"""The `dealroom` command's arguments and its dispatch to each subcommand; exit codes: 0 done, 1 the bot
cannot start or an operator command failed, 2 a setting or the pipeline file is wrong."""

from __future__ import annotations

import argparse
import sys

from bot.config.settings import Settings, SettingsError, load_settings
from bot.wiring.run import StartupError
from models.infra.clock import Clock, SystemClock
from models.pipeline import PipelineError


def main(argv: list[str] | None = None, *, clock: Clock | None = None) -> int:
    """`clock`: the one clock of this process, handed to every command that reads the time (the
    system's unless a test gives its own; nothing else in the product reads the wall clock)."""
    clock = clock if clock is not None else SystemClock()
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args, clock)
    except (SettingsError, PipelineError) as exc:
        print(f"dealroom: {exc}", file=sys.stderr)
        return 2
    except StartupError as exc:
        print(f"dealroom: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
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
    return parser


def _dispatch(args: argparse.Namespace, clock: Clock) -> int:
    """Each subcommand's module is imported only when that subcommand runs (`manifest` starts no database)."""
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
        from bot.cli.playground import run_playground

        return run_playground(settings, clock, getattr(args, "port", None))
    from bot.wiring.run import run

    return run(settings, clock)


def _manifest(settings: Settings, *, socket_mode: bool) -> int:
    from bot.wiring.manifest import render_manifest

    try:
        sys.stdout.write(render_manifest(public_url=settings.dealroom_public_url, socket_mode=socket_mode))
    except ValueError as exc:
        raise SettingsError(f"DEALROOM_PUBLIC_URL: {exc} (see .env.example)") from None
    return 0
