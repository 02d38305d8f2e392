"""Backups that fail (issue 14): `dealroom backup PATH` says what went wrong in one line, never a
traceback, and keeps an existing PATH; the daily backup's claim is released when it fails, so another
process (or the next check) makes the day's backup after all."""

from __future__ import annotations

import contextlib
import resource
import shutil
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import bot.ops.backup
import bot.ops.commands
from bot.cli import main
from bot.config.settings import Settings
from bot.ops.backup import CLAIM_STALE_AFTER, _claim_day, scheduled_backup
from bot.runtime.deps import build_deps
from models.infra.clock import FakeClock
from models.infra.tables import MaintenanceRun

OLD = "an older backup"


@pytest.fixture
def live_db(sqlite_template: Path, tmp_path: Path) -> Path:
    """A SQLite database of a few MB (so that copying it writes well past 256 KiB)."""
    db = tmp_path / "live.db"
    shutil.copy(sqlite_template, db)
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.executemany("INSERT INTO processed_events (event_id, received_at) VALUES (?, ?)",
                         [(f"Ev{i}-" + "x" * 40, "2026-11-23 09:00:00.000000") for i in range(20_000)])
    return db


@pytest.fixture
def old_backup(tmp_path: Path) -> Path:
    path = tmp_path / "backups" / "dealroom.db"
    path.parent.mkdir()
    path.write_text(OLD)
    return path


def backup_cli(path: Path | str, url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
               capsys: pytest.CaptureFixture[str]) -> str:
    """`dealroom backup PATH` with DATABASE_URL=url; returns its stderr, after checking it failed in one line."""
    (tmp_path / "cwd").mkdir(exist_ok=True)
    monkeypatch.chdir(tmp_path / "cwd")  # no .env
    monkeypatch.setenv("DATABASE_URL", url)
    code = main(["backup", str(path)])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and lines[0].startswith("dealroom backup: "), err
    assert "Traceback" not in err
    return lines[0]


def no_leftovers(folder: Path) -> None:
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")], "no temporary file left"


@pytest.mark.parametrize("where", ["proc", "under-a-file", "a-folder"])
def test_an_unwritable_path_is_one_line(where: str, live_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "plain-file").write_text("x")
    target = {"proc": Path("/proc/nope/backup.db"), "under-a-file": tmp_path / "plain-file" / "b.db",
              "a-folder": tmp_path}[where]
    line = backup_cli(target, f"sqlite+aiosqlite:///{live_db}", monkeypatch, tmp_path, capsys)
    assert str(target) in line


@contextlib.contextmanager
def disk_full_after(size: int) -> Iterator[None]:
    """Writes past `size` bytes of any file fail (EFBIG), as on a disk that filled up."""
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails instead of killing us
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, limits[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, handler)


def test_a_full_disk_is_one_line_and_the_old_backup_survives(
    live_db: Path, old_backup: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert live_db.stat().st_size > 1024 * 1024
    with disk_full_after(256 * 1024):
        line = backup_cli(old_backup, f"sqlite+aiosqlite:///{live_db}", monkeypatch, tmp_path, capsys)
    assert str(old_backup) in line and "failed" in line, line
    assert old_backup.read_text() == OLD
    no_leftovers(old_backup.parent)


@pytest.mark.parametrize("source", ["missing", "not-a-database"])
def test_a_missing_or_broken_sqlite_database_is_one_line(
    source: str, old_backup: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / f"{source}.db"
    if source == "not-a-database":
        db.write_text("this is a spreadsheet, not a database\n" * 200)
    line = backup_cli(old_backup, f"sqlite+aiosqlite:///{db}", monkeypatch, tmp_path, capsys)
    assert str(db) in line
    assert old_backup.read_text() == OLD
    no_leftovers(old_backup.parent)


def test_a_malformed_database_url_is_one_line_without_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    line = backup_cli(tmp_path / "x.dump", "postgresql+asyncpg://dealroom:hunter2@db:notaport/dealroom",
                      monkeypatch, tmp_path, capsys)
    assert "DATABASE_URL" in line and "hunter2" not in line


def fake_pg_dump(folder: Path, script: str) -> Path:
    folder.mkdir()
    tool = folder / "pg_dump"
    tool.write_text(script)
    tool.chmod(0o755)
    return folder


PG_URL = "postgresql+asyncpg://dealroom@127.0.0.1:1/dealroom"


@pytest.mark.parametrize(("case", "script", "expected"), [
    ("disk full", "#!/bin/sh\necho 'pg_dump: error: could not write to output file: No space left on device' >&2\n"
                  "echo 'pg_dump: detail: a hint' >&2\nexit 1\n",
     "pg_dump failed: pg_dump: error: could not write to output file: No space left on device"),
    ("cannot run", "#!/nonexistent/interpreter\n", "could not be run"),
    ("hangs", f"#!/bin/sh\nexec {shutil.which('sleep')} 30\n", "did not finish within 1 s"),
])
def test_a_failing_pg_dump_is_one_line(
    case: str, script: str, expected: str, old_backup: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PATH", str(fake_pg_dump(tmp_path / "bin", script)))
    monkeypatch.setattr(bot.ops.backup, "PG_DUMP_TIMEOUT_SECONDS", 1)
    line = backup_cli(old_backup, PG_URL, monkeypatch, tmp_path, capsys)
    assert expected in line, line
    assert old_backup.read_text() == OLD
    no_leftovers(old_backup.parent)


def test_pg_dump_refused_by_the_server_is_one_line(
    old_backup: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump not installed")
    line = backup_cli(old_backup, PG_URL, monkeypatch, tmp_path, capsys)
    assert "pg_dump failed" in line and "error:" in line and "127.0.0.1" in line, line
    assert old_backup.read_text() == OLD


def test_a_failure_nobody_foresaw_is_still_one_line(
    live_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("something new\nwith a second line")

    monkeypatch.setattr(bot.ops.commands, "backup", broken)
    line = backup_cli(tmp_path / "b.db", f"sqlite+aiosqlite:///{live_db}", monkeypatch, tmp_path, capsys)
    assert line.endswith("failed (RuntimeError: something new)"), line


# --- the daily backup -----------------------------------------------------------------------------------


def morning() -> FakeClock:
    """09:00 UTC today: hours of the same day lie ahead."""
    return FakeClock(datetime.combine(date.today(), time(9, 0), tzinfo=UTC))


def processes(db_url: str, folder: Path, clock: FakeClock, count: int = 2) -> list:  # type: ignore[type-arg]
    if db_url.startswith("postgresql") and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump not installed")
    settings = Settings(_env_file=None, slack_bot_token="xoxb-test-token", slack_signing_secret="s" * 32,
                        database_url=db_url, dealroom_backup_dir=folder)
    return [build_deps(settings, clock=clock) for _ in range(count)]


async def test_a_failed_daily_backup_is_made_by_another_process_the_same_day(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    clock, folder = morning(), tmp_path / "daily"
    first, second = processes(db_url, folder, clock)
    real = {"sqlite": bot.ops.backup._backup_sqlite, "postgres": bot.ops.backup._backup_postgres}
    failures = {  # what each kind of database says when the disk is full, or the dump hangs
        "sqlite": sqlite3.OperationalError("database or disk is full"),
        "postgres": subprocess.TimeoutExpired("pg_dump", 3600),
    }
    failing = [True]

    def flaky(kind: str):  # type: ignore[no-untyped-def]
        def copy(*args):  # type: ignore[no-untyped-def]
            if failing[0]:
                failing[0] = False
                raise failures[kind]
            return real[kind](*args)
        return copy

    monkeypatch.setattr(bot.ops.backup, "_backup_sqlite", flaky("sqlite"))
    monkeypatch.setattr(bot.ops.backup, "_backup_postgres", flaky("postgres"))
    try:
        assert await scheduled_backup(first) is None
        assert "daily backup" in caplog.text and "failed" in caplog.text
        clock.advance(timedelta(minutes=30))  # the next check, in the other process
        made = await scheduled_backup(second)
        assert made is not None and made.exists() and made.name.startswith(f"dealroom-{clock.now().date()}")
        assert [p.name for p in folder.iterdir()] == [made.name]
        assert await scheduled_backup(first) is None, "made once that day"
    finally:
        for deps in (first, second):
            await deps.aclose()


async def test_a_process_that_died_during_the_daily_backup_leaves_it_to_another_after_a_while(
    db_url: str, tmp_path: Path
) -> None:
    clock, folder = morning(), tmp_path / "daily"
    dead, alive = processes(db_url, folder, clock)
    try:
        assert await _claim_day(dead, clock.now().date())  # then it is killed mid-backup: no release
        clock.advance(timedelta(hours=1))
        assert await scheduled_backup(alive) is None, "it may still be writing"
        clock.advance(CLAIM_STALE_AFTER)
        made = await scheduled_backup(alive)
        assert made is not None and made.exists()
        async with alive.sessions() as session:
            run = await session.scalar(select(MaintenanceRun).where(MaintenanceRun.job == "backup"))
        assert run is not None and run.done_by == alive.deliverer.worker_id
        clock.advance(CLAIM_STALE_AFTER + timedelta(minutes=30))
        assert await scheduled_backup(dead) is None, "a finished backup is never taken over"
    finally:
        for deps in (dead, alive):
            await deps.aclose()
