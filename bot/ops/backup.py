"""`dealroom backup PATH` and the scheduled daily backup (SPEC section 1).

SQLite: the online backup API copies a consistent snapshot while the bot writes, into one
self-contained file (rollback journal, so no -wal/-shm beside it). PostgreSQL: `pg_dump -Fc`.
Either way the copy is written to a temporary file beside PATH and renamed over PATH only once
complete, so an existing backup is never left half-replaced.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, delete, make_url, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import ArgumentError

from models.infra.db import sqlite_path
from models.infra.tables import MaintenanceRun

if TYPE_CHECKING:
    from bot.runtime.deps import Deps

log = logging.getLogger(__name__)

# All pages in one step, in one read transaction: a copy in steps restarts from the start whenever the
# bot commits between two steps, so under steady writes it may never finish (seen under load).
PAGES_PER_STEP = -1
KEEP_DAILY = 7
KEEP_WEEKLY = 4
PG_DUMP_TIMEOUT_SECONDS = 3600
# A day's claim whose backup neither finished nor failed in this time belongs to a process that died
# during it: another process takes the claim over (a pg_dump is stopped after an hour).
CLAIM_STALE_AFTER = timedelta(hours=3)
_DATED = re.compile(r"^dealroom-(\d{4}-\d{2}-\d{2})\.(db|dump)$")


class BackupError(Exception):
    """One line for the operator: what could not be backed up, and why."""


@dataclass
class BackupResult:
    path: Path
    size: int
    seconds: float


def backup(database_url: str, path: Path, *, progress: Callable[[int, int], None] | None = None) -> BackupResult:
    """Every failure the operator can fix is a BackupError of one line (an existing PATH is kept)."""
    started = time.monotonic()
    path = path.expanduser()
    if path.is_dir():
        raise BackupError(f"{path}: is a directory; give the backup file's path")
    try:
        source, backend = sqlite_path(database_url), make_url(database_url).get_backend_name()
    except (ArgumentError, ValueError):  # the message would repeat the URL, password and all
        raise BackupError("DATABASE_URL: not a database URL such as postgresql+asyncpg://user@host:5432/db") from None
    if source is None and backend != "postgresql":
        raise BackupError(f"DATABASE_URL: cannot back up {backend} databases")
    tmp = _temp_beside(path)
    try:
        if source is not None:
            _backup_sqlite(source, tmp, progress)
        else:
            _backup_postgres(database_url, tmp)
        os.replace(tmp, path)
        return BackupResult(path=path, size=path.stat().st_size, seconds=time.monotonic() - started)
    except sqlite3.Error as exc:  # a full disk, a source that is no database, a source locked too long
        raise BackupError(f"{path}: the SQLite copy of {source} failed ({exc})") from None
    except OSError as exc:
        raise BackupError(f"{path}: cannot write ({exc.strerror or exc})") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()  # gone already when the copy took its place


def _temp_beside(path: Path) -> Path:
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise BackupError(f"{path}: cannot write ({exc.strerror or exc})") from None
    os.close(fd)
    return Path(name)


def _backup_sqlite(source: Path, tmp: Path, progress: Callable[[int, int], None] | None) -> None:
    if not source.is_file():
        raise BackupError(f"DATABASE_URL: no SQLite database at {source}")

    def report(_status: int, remaining: int, total: int) -> None:
        if progress is not None and total > 0:  # a step that failed reports 0 of 0 pages
            progress(total - remaining, total)

    with contextlib.closing(sqlite3.connect(source, timeout=30)) as src, \
            contextlib.closing(sqlite3.connect(tmp)) as dst:
        src.backup(dst, pages=PAGES_PER_STEP, progress=report)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, not WAL
        check = dst.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"the copy failed its integrity check: {check}")


def _backup_postgres(database_url: str, tmp: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is needed to back up PostgreSQL and is not on PATH "
                          "(install the PostgreSQL client tools)")
    url = make_url(database_url)
    env = {**os.environ, "PGPASSWORD": url.password or ""}  # never on the command line
    libpq = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    try:
        result = subprocess.run([pg_dump, "-Fc", "--no-owner", "-f", str(tmp), "-d", libpq], env=env,
                                capture_output=True, text=True, timeout=PG_DUMP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise BackupError(f"pg_dump did not finish within {PG_DUMP_TIMEOUT_SECONDS} s; stopped") from None
    except OSError as exc:
        raise BackupError(f"pg_dump ({pg_dump}) could not be run: {exc.strerror or exc}") from None
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {_reason(result.stderr)[:300]}")


def _reason(stderr: str) -> str:
    """pg_dump's own words: its `error:` line (the lines after it are hints), else its last line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error:" in line]
    if errors:
        return errors[0]
    return lines[-1] if lines else "no message"


# --- the daily backup ------------------------------------------------------------------------------


async def scheduled_backup(deps: Deps) -> Path | None:
    """Today's backup into DEALROOM_BACKUP_DIR, once across every process on this database."""
    folder = deps.settings.dealroom_backup_dir
    if folder is None:
        return None
    today = deps.clock.now().date()
    if not await _claim_day(deps, today):
        return None
    ext = "db" if sqlite_path(deps.settings.database_url) is not None else "dump"
    target = Path(folder) / f"dealroom-{today.isoformat()}.{ext}"
    try:
        await asyncio.to_thread(Path(folder).mkdir, parents=True, exist_ok=True)
        result = await asyncio.to_thread(backup, deps.settings.database_url, target)
    except Exception as exc:
        if isinstance(exc, (BackupError, OSError)):
            log.error("daily backup to %s failed: %s; another check retries it", target, exc)
        else:
            log.exception("daily backup to %s failed; another check retries it", target)
        await _release_day(deps, today)
        return None
    async with deps.sessions.begin() as session:
        await session.execute(update(MaintenanceRun).where(
            MaintenanceRun.job == "backup", MaintenanceRun.period == today.isoformat()
        ).values(done_by=deps.deliverer.worker_id))
    removed = prune(Path(folder))
    log.info("daily backup %s (%s bytes, %.1fs); removed %s old copies", result.path, result.size, result.seconds,
             len(removed))
    return result.path


async def _claim_day(deps: Deps, day: date) -> bool:
    """The day's backup for this process: no claim yet, or a stale one of a process that died during it."""
    now = deps.clock.now()
    async with deps.sessions.begin() as session:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        result = await session.execute(insert(MaintenanceRun).values(
            job="backup", period=day.isoformat(), started_at=now
        ).on_conflict_do_update(
            index_elements=[MaintenanceRun.job, MaintenanceRun.period], set_={"started_at": now},
            where=MaintenanceRun.done_by.is_(None) & (MaintenanceRun.started_at < now - CLAIM_STALE_AFTER),
        ))
        return cast("CursorResult[Any]", result).rowcount == 1  # an INSERT answers with a cursor result


async def _release_day(deps: Deps, day: date) -> None:
    """Let the next check (this process's or another's) try again today."""
    try:
        async with deps.sessions.begin() as session:
            await session.execute(delete(MaintenanceRun).where(
                MaintenanceRun.job == "backup", MaintenanceRun.period == day.isoformat(),
                MaintenanceRun.done_by.is_(None)))
    except Exception as exc:  # the database is away too: the claim goes stale instead
        log.error("daily backup claim not released (%s); it is taken over after %s", type(exc).__name__,
                  CLAIM_STALE_AFTER)


def prune(folder: Path, *, daily: int = KEEP_DAILY, weekly: int = KEEP_WEEKLY) -> list[Path]:
    """Keep the newest `daily` copies and the newest copy of each of the `weekly` ISO weeks before
    them; remove the other dated copies. Returns what was removed."""
    dated = sorted(((date.fromisoformat(m.group(1)), p) for p in folder.iterdir()
                    if (m := _DATED.match(p.name))), reverse=True)
    keep = {p for _, p in dated[:daily]}
    weeks: dict[tuple[int, int], Path] = {}
    for day, p in dated[daily:]:
        week = day.isocalendar()[:2]
        if week not in weeks and len(weeks) < weekly:
            weeks[week] = p
    keep |= set(weeks.values())
    removed = [p for _, p in dated if p not in keep]
    for p in removed:
        with contextlib.suppress(OSError):
            p.unlink()
    return removed
