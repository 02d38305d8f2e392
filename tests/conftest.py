"""Databases for tests: a migrated SQLite file per test, and the same tests again on PostgreSQL
when it answers at DEALROOM_TEST_POSTGRES (default 127.0.0.1:5432/test), skipped with the reason when not."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from models.infra.db import create_engine, migrate
from tests import clock

pytest_plugins = ["tests.emulator.fixtures"]

POSTGRES_URL = os.environ.get("DEALROOM_TEST_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
TEMPLATE_DB = f"dealroom_tpl_{os.getpid()}"  # per test run: parallel runs do not share it

# Examples are checked for what they prove, not for speed: a deadline only flakes on a busy CI machine.
hypothesis_settings.register_profile("dealroom", deadline=None)
hypothesis_settings.load_profile("dealroom")


def pytest_configure(config: pytest.Config) -> None:
    """One clock start for the whole run: xdist's workers inherit it from here (tests/clock.py)."""
    try:
        os.environ[clock.ENV] = clock.format_start(clock.start())
    except clock.StartError as exc:
        raise pytest.UsageError(str(exc)) from None


def pytest_report_header(config: pytest.Config) -> str:
    return f"fake clocks start at {os.environ[clock.ENV]} ({clock.ENV})"


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    if exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        terminalreporter.write_line(f"{clock.ENV}={os.environ[clock.ENV]} repeats this run's dates (tests/clock.py)")


def _run_in_thread(coro):  # type: ignore[no-untyped-def]
    """Session fixtures are first asked for from inside a test's running loop: use a loop of their own."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _admin_url(database: str) -> str:
    base, _, _ = POSTGRES_URL.rpartition("/")
    return f"{base}/{database}"


async def _postgres_reachable() -> str | None:
    """None when reachable, else the reason."""
    try:
        import asyncpg

        conn = await asyncpg.connect(POSTGRES_URL.replace("postgresql+asyncpg", "postgresql"), timeout=3)
        await conn.close()
        return None
    except Exception as exc:  # any failure means: skip with the reason
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {type(exc).__name__}: {exc}"


async def _raw(database: str):  # type: ignore[no-untyped-def]
    import asyncpg

    return await asyncpg.connect(_admin_url(database).replace("postgresql+asyncpg", "postgresql"), timeout=5)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def build() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await migrate(engine)
        await engine.dispose()

    _run_in_thread(build())
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    async def build() -> str | None:
        reason = await _postgres_reachable()
        if reason:
            return reason
        admin = await _raw(POSTGRES_URL.rsplit("/", 1)[1])
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{TEMPLATE_DB}"')
        finally:
            await admin.close()
        engine = create_engine(_admin_url(TEMPLATE_DB))
        await migrate(engine)
        await engine.dispose()
        return None

    reason = _run_in_thread(build())
    if reason:
        pytest.skip(reason)
    yield TEMPLATE_DB

    async def drop() -> None:
        admin = await _raw(POSTGRES_URL.rsplit("/", 1)[1])
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)')
        finally:
            await admin.close()

    _run_in_thread(drop())


@pytest.fixture(scope="session")
def postgres_worker_db(postgres_template: str) -> Iterator[str]:
    """One database per test process, copied from the template once and emptied before each test:
    creating and dropping a database per test cost about a second each (DROP DATABASE waits for a
    checkpoint), a third of the whole suite's time."""
    name = f"dealroom_w_{os.getpid()}_{uuid.uuid4().hex[:6]}"

    async def create() -> None:
        admin = await _raw(POSTGRES_URL.rsplit("/", 1)[1])
        try:
            await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
        finally:
            await admin.close()

    async def drop() -> None:
        admin = await _raw(POSTGRES_URL.rsplit("/", 1)[1])
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    _run_in_thread(create())
    yield name
    _run_in_thread(drop())


async def _empty(database: str) -> None:
    """Every table of the schema emptied and its ids restarted, as if copied from the template again;
    a connection a previous test left behind is closed first."""
    conn = await _raw(database)
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            database)
        tables = [r[0] for r in await conn.fetch("SELECT quote_ident(tablename) FROM pg_tables "
                                                 "WHERE schemaname = 'public' AND tablename <> 'alembic_version'")]
        if tables:
            await conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, migrated database for one test, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "dealroom.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    database = request.getfixturevalue("postgres_worker_db")
    await _empty(database)
    yield _admin_url(database)
