"""`dealroom backup PATH` (SPEC section 1): a consistent copy under write load, restorable; clear
one-line failures; the daily backup runs once across processes and keeps 7 daily + 4 weekly copies."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
import subprocess
import threading
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bot.config.settings import Settings
from bot.ops.backup import prune, scheduled_backup
from bot.runtime.deps import build_deps
from models.infra.db import create_engine
from models.infra.tables import ProcessedEvent
from tests.clock import fake_clock
from tests.conftest import POSTGRES_URL, _admin_url, _raw
from tests.test_cli import DEALROOM, clean_env


def run_backup(database_url: str, path: Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(DEALROOM), "backup", str(path)], env=clean_env(DATABASE_URL=database_url, **env),
                          cwd=cwd, capture_output=True, text=True, timeout=60)


def write_load(db: Path, stop: threading.Event, written: list[int]) -> None:
    """Pairs of rows, each pair in one transaction: a consistent copy holds an even number."""
    with contextlib.closing(sqlite3.connect(db, timeout=30)) as conn:
        n = 0
        while not stop.is_set():
            with conn:
                for _ in range(2):
                    conn.execute("INSERT INTO processed_events (event_id, received_at) VALUES (?, ?)",
                                 (f"Ev{n}", "2026-11-23 09:00:00.000000"))
                    n += 1
            written[0] = n


async def test_a_sqlite_backup_under_write_load_is_consistent_and_restores(
    sqlite_template: Path, tmp_path: Path
) -> None:
    db = tmp_path / "live.db"
    shutil.copy(sqlite_template, db)
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:  # some bulk, so the copy takes several steps
        conn.executemany("INSERT INTO processed_events (event_id, received_at) VALUES (?, ?)",
                         [(f"Bulk{i}-" + "x" * 40, "2026-11-23 09:00:00.000000") for i in range(40_000)])
    target = tmp_path / "backups" / "dealroom.db"
    target.parent.mkdir()
    target.write_text("an older backup")
    stop, written = threading.Event(), [0]
    writer = threading.Thread(target=write_load, args=(db, stop, written))
    writer.start()
    try:
        await asyncio.sleep(0.2)
        result = await asyncio.to_thread(run_backup, f"sqlite+aiosqlite:///{db}", target, tmp_path)
    finally:
        stop.set()
        writer.join()
    assert result.returncode == 0, result.stderr
    assert "backup: 100%" in result.stderr and "backup complete" in result.stdout
    assert not list(target.parent.glob(".*tmp")), "no temporary file left"
    assert not await asyncio.to_thread(Path(f"{target}-wal").exists)

    assert target.read_bytes()[18:20] == b"\x01\x01", "a rollback-journal file: no -wal needed beside it"
    restored = tmp_path / "restored.db"  # restore = copy the file where DATABASE_URL points
    shutil.copy(target, restored)
    engine = create_engine(f"sqlite+aiosqlite:///{restored}")
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA integrity_check"))).scalar() == "ok"
            live = (await conn.execute(select(func.count()).select_from(ProcessedEvent)
                                       .where(ProcessedEvent.event_id.like("Ev%")))).scalar()
            bulk = (await conn.execute(select(func.count()).select_from(ProcessedEvent)
                                       .where(ProcessedEvent.event_id.like("Bulk%")))).scalar()
            assert (await conn.execute(text("SELECT count(*) FROM alembic_version"))).scalar() == 1
    finally:
        await engine.dispose()
    assert bulk == 40_000 and live % 2 == 0 and 0 < live <= written[0], (live, written[0])


def test_an_unwritable_path_is_one_line_and_an_old_backup_survives_a_failure(
    sqlite_template: Path, tmp_path: Path
) -> None:
    db = tmp_path / "live.db"
    shutil.copy(sqlite_template, db)
    result = run_backup(f"sqlite+aiosqlite:///{db}", Path("/proc/nope/backup.db"), tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "/proc/nope/backup.db" in result.stderr
    old = tmp_path / "old.db"
    old.write_text("an older backup")
    result = run_backup(f"sqlite+aiosqlite:///{tmp_path / 'missing.db'}", old, tmp_path)
    assert result.returncode != 0 and result.stderr.strip().count("\n") == 0
    assert old.read_text() == "an older backup"


@pytest.fixture
async def pg_database() -> str:
    try:
        admin = await _raw(POSTGRES_URL.rsplit("/", 1)[1])
    except Exception as exc:
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    name = f"dealroom_bk_{uuid.uuid4().hex[:10]}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield name
    admin = await _raw(POSTGRES_URL.rsplit("/", 1)[1])
    try:
        for db in (name, name + "_restored"):
            await admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    finally:
        await admin.close()


async def test_a_postgresql_backup_uses_pg_dump_and_restores(pg_database: str, tmp_path: Path) -> None:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump/pg_restore not installed")
    url = _admin_url(pg_database)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (n int)"))
            await conn.execute(text("INSERT INTO t SELECT generate_series(1, 500)"))
    finally:
        await engine.dispose()
    target = tmp_path / "dealroom.dump"
    result = await asyncio.to_thread(run_backup, url, target, tmp_path)
    assert result.returncode == 0, result.stderr
    admin = await _raw(POSTGRES_URL.rsplit("/", 1)[1])
    try:
        await admin.execute(f'CREATE DATABASE "{pg_database}_restored"')
    finally:
        await admin.close()
    libpq = _admin_url(pg_database + "_restored").replace("postgresql+asyncpg", "postgresql")
    restore = await asyncio.to_thread(subprocess.run, ["pg_restore", "--no-owner", "-d", libpq, str(target)],
                                      capture_output=True, text=True, timeout=60)
    assert restore.returncode == 0, restore.stderr
    conn = await _raw(pg_database + "_restored")
    try:
        assert await conn.fetchval("SELECT sum(n) FROM t") == 500 * 501 // 2
    finally:
        await conn.close()


def test_postgresql_without_pg_dump_is_one_line(tmp_path: Path) -> None:
    result = run_backup("postgresql+asyncpg://u@127.0.0.1:1/db", tmp_path / "x.dump", tmp_path, PATH=str(tmp_path))
    assert result.returncode != 0 and result.stderr.strip().count("\n") == 0 and "pg_dump" in result.stderr
    assert not (tmp_path / "x.dump").exists()


def test_pruning_keeps_seven_daily_and_four_weekly_copies(tmp_path: Path) -> None:
    first = date(2026, 9, 1)
    for i in range(60):
        (tmp_path / f"dealroom-{(first + timedelta(days=i)).isoformat()}.db").write_text("x")
    (tmp_path / "notes.txt").write_text("not a backup")
    prune(tmp_path)
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert "notes.txt" in kept and len(kept) == 12
    days = sorted(date.fromisoformat(name[9:19]) for name in kept if name.startswith("dealroom-"))
    assert days[-7:] == [first + timedelta(days=i) for i in range(53, 60)]
    weekly = days[:-7]
    assert len({d.isocalendar()[:2] for d in weekly}) == 4 and weekly[-1] < days[-7]


async def test_the_daily_backup_runs_once_across_processes(db_url: str, tmp_path: Path) -> None:
    if db_url.startswith("postgresql") and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump not installed")
    clock = fake_clock()
    settings = Settings(_env_file=None, slack_bot_token="xoxb-test-token", slack_signing_secret="s" * 32,
                        database_url=db_url, dealroom_backup_dir=tmp_path / "daily")
    processes = [build_deps(settings, clock=clock) for _ in range(3)]
    try:
        made = await asyncio.gather(*(scheduled_backup(deps) for deps in processes))
        assert len([m for m in made if m is not None]) == 1
        assert await asyncio.gather(*(scheduled_backup(deps) for deps in processes)) == [None] * 3
        clock.advance(timedelta(days=1))
        await scheduled_backup(processes[1])
        assert len(list((tmp_path / "daily").iterdir())) == 2
    finally:
        for deps in processes:
            await deps.aclose()
