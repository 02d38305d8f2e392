"""The pool sweeps are interval ticks of every process; a tick delivers what its sweep queued (the lanes of the
outbox rows its transaction wrote)."""

from __future__ import annotations

import asyncio
import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from models.infra.db import create_engine, session_factory
from models.infra.outbox import enqueue
from scheduler import sweeps_pool
from scheduler.jobs import Ticks
from tests.clock import fake_clock


def test_every_pool_sweep_is_a_one_minute_tick() -> None:
    ticks = Ticks(SimpleNamespace(settings=SimpleNamespace(dealroom_backup_dir=None)))  # type: ignore[arg-type]
    for job_id, sweep in sweeps_pool.SWEEPS.items():
        job = ticks.scheduler.get_job(job_id)
        assert job is not None and job.args[1] is sweep
        assert job.trigger.interval.total_seconds() == 60 and job.max_instances == 1


class _Deliverer:
    def __init__(self) -> None:
        self.kicked: list[list[str]] = []

    def kick(self, lanes: list[str]) -> None:
        self.kicked.append(list(lanes))


async def test_a_tick_delivers_the_lanes_its_sweep_queued_and_survives_a_failing_sweep(
    caplog: pytest.LogCaptureFixture, sqlite_template: Path, tmp_path: Path,
) -> None:
    shutil.copy(sqlite_template, tmp_path / "dealroom.db")
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'dealroom.db'}")
    deps = SimpleNamespace(sessions=session_factory(engine), ws=None, clock=fake_clock(), deliverer=_Deliverer())

    async def queued(session, ws, *, now):  # type: ignore[no-untyped-def]
        await enqueue(session, lane="dm:U1", kind="dm", now=now)
        await enqueue(session, lane="deal:3", kind="post_message", now=now)

    async def nothing(session, ws, *, now):  # type: ignore[no-untyped-def]
        return None

    async def broken(session, ws, *, now):  # type: ignore[no-untyped-def]
        raise RuntimeError("database went away")

    try:
        await sweeps_pool.tick(deps, queued)  # type: ignore[arg-type]
        await sweeps_pool.tick(deps, nothing)  # type: ignore[arg-type]
        with caplog.at_level(logging.ERROR):
            await sweeps_pool.tick(deps, broken)  # type: ignore[arg-type]
    finally:
        await engine.dispose()
    assert deps.deliverer.kicked == [["dm:U1", "deal:3"]]
    assert "sweep broken failed" in caplog.text


def test_approvals_are_swept_every_minute() -> None:
    job = Ticks(SimpleNamespace(settings=SimpleNamespace(dealroom_backup_dir=None))).scheduler.get_job("approvals")  # type: ignore[arg-type]
    assert job is not None and job.trigger.interval.total_seconds() == 60 and job.max_instances == 1


def test_every_process_runs_the_retention_pass_hourly() -> None:
    ticks = Ticks(SimpleNamespace(settings=SimpleNamespace(dealroom_backup_dir=None)))  # type: ignore[arg-type]
    job = ticks.scheduler.get_job("retention")
    assert job is not None and job.trigger.interval.total_seconds() == 3600 and job.max_instances == 1


async def test_a_failing_retention_pass_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    ticks = Ticks(SimpleNamespace(settings=SimpleNamespace(dealroom_backup_dir=None)))  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR):
        await ticks.prune()  # no database at all
    assert "retention pass failed" in caplog.text


async def test_a_stop_lets_the_ticks_running_finish_first() -> None:
    """Cancelled half-way through a database call, a tick would log a traceback at every SIGTERM (and can leave
    the SQLite driver's thread waiting forever): stopping waits for it."""
    started, finished = asyncio.Event(), asyncio.Event()

    class Deliverer:
        def kick(self, lanes: list[str]) -> None: ...

        async def drain(self) -> None:
            started.set()
            await asyncio.sleep(0.2)
            finished.set()

        async def stop(self) -> None: ...

    deps = SimpleNamespace(settings=SimpleNamespace(dealroom_backup_dir=None), sessions=None, deliverer=Deliverer())
    ticks = Ticks(deps)  # type: ignore[arg-type]
    for job in ticks.scheduler.get_jobs():
        if job.id != "outbox":
            job.remove()
    ticks.scheduler.get_job("outbox").modify(next_run_time=datetime.now(UTC))
    ticks.start()
    await asyncio.wait_for(started.wait(), timeout=5)
    await ticks.stop()
    assert finished.is_set()
