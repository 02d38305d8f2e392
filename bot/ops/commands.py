"""Operator subcommands: `dealroom backup PATH` and `dealroom outbox [--parked] [--retry ID]`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.config.settings import Settings
from bot.ops.backup import BackupError, backup
from models.infra.clock import Clock
from models.infra.db import create_engine, migrate, session_factory
from models.infra.parked import backlog, listing, requeue


def backup_command(settings: Settings, path: str) -> int:
    last = [-1]

    def progress(done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if percent != last[0]:
            last[0] = percent
            print(f"backup: {percent}% ({done}/{total} pages)", file=sys.stderr)

    try:
        result = backup(settings.database_url, Path(path), progress=progress)
    except BackupError as exc:
        print(f"dealroom backup: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # not foreseen: still one line, with what Python says
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        print(f"dealroom backup: {path}: failed ({type(exc).__name__}{': ' + reason if reason else ''})",
              file=sys.stderr)
        return 1
    print(f"backup complete: {result.path} ({result.size} bytes, {result.seconds:.1f}s)")
    return 0


def outbox_command(settings: Settings, clock: Clock, *, parked: bool, retry: int | None) -> int:
    return asyncio.run(_outbox(settings, clock, parked=parked, retry=retry))


async def _outbox(settings: Settings, clock: Clock, *, parked: bool, retry: int | None) -> int:
    engine = create_engine(settings.database_url)
    try:
        try:
            await migrate(engine)
        except Exception as exc:
            print(f"dealroom outbox: DATABASE_URL: cannot open the database ({str(exc).splitlines()[0][:200]})",
                  file=sys.stderr)
            return 1
        sessions = session_factory(engine)
        now = clock.now()
        if retry is not None:
            async with sessions.begin() as session:
                row = await requeue(session, retry, now=now)
            if row is None:
                print(f"dealroom outbox: no undelivered message #{retry}", file=sys.stderr)
                return 1
            print(f"#{retry} ({row.kind}, lane {row.lane}) will be delivered again by the running bot")
            return 0
        async with sessions() as session:
            rows = await listing(session, parked_only=parked)
            pending, waited, parked_count = await backlog(session, now=now)
        print(f"pending {pending}, parked {parked_count}"
              + (f", oldest due waiting {waited:.0f}s" if waited is not None else ""))
        for row in rows:
            deal = f"D-{row.deal_id}" if row.deal_id is not None else "-"
            print(f"#{row.id}\t{row.status}\t{row.lane}\t{deal}\t{row.kind}\tattempts={row.attempts}\t"
                  f"{row.last_error or ''}")
        return 0
    finally:
        await engine.dispose()
