"""Engine, sessions and migrations: the same code on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import fcntl
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import event, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, CursorResult, Result
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# A constant key for PostgreSQL's advisory lock, so concurrent starts migrate once.
MIGRATION_LOCK_KEY = 0x0DEA1200
# SQLite: how long a write waits for another writer before "database is locked" (then the person is
# told nothing was saved). PostgreSQL: how long connecting may take before the database counts as gone.
SQLITE_BUSY_TIMEOUT = 30.0
POSTGRES_CONNECT_TIMEOUT = 10.0


def create_engine(url: str, *, busy_timeout: float | None = None) -> AsyncEngine:
    """``busy_timeout``: seconds, SQLite only (default :data:`SQLITE_BUSY_TIMEOUT`)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        timeout = SQLITE_BUSY_TIMEOUT if busy_timeout is None else busy_timeout
        engine = create_async_engine(url, connect_args={"timeout": timeout})
        event.listen(engine.sync_engine, "connect", lambda connection, _record: _sqlite_pragmas(connection, timeout))
        return engine
    return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10,
                               connect_args={"timeout": POSTGRES_CONNECT_TIMEOUT})


def _sqlite_pragmas(dbapi_connection, busy_timeout: float) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
    command.upgrade(_alembic_config(connection), "head")


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision; safe when several processes start at once
    (PostgreSQL: an advisory lock; SQLite: a lock file beside the database)."""
    db_file = sqlite_path(str(engine.url))
    if db_file is None:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade)
        return
    db_file.parent.mkdir(parents=True, exist_ok=True)
    lock = await asyncio.to_thread(open, db_file.with_name(db_file.name + ".migrate-lock"), "a+")
    try:
        await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade)
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


async def insert_or_ignore(session: AsyncSession, model: type, **values: Any) -> None:
    """INSERT … ON CONFLICT DO NOTHING on the primary key: safe when two requests race to create a row."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    await session.execute(insert(model).values(**values).on_conflict_do_nothing())


async def ping(engine: AsyncEngine) -> bool:
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql("SELECT 1")
        return True
    except Exception:
        return False


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE, DELETE or INSERT changed (their result is always a cursor's)."""
    return cast("CursorResult[Any]", result).rowcount
