"""Running a sweep: batch after batch, each in its own transaction, until a batch queues nothing; what a
batch queued is delivered as soon as it commits (by the runner, bot/runtime/runner.py; the outbox tick
would take it too, a little later)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from bot.runtime.runner import Done, Unit, run_job
from models.infra.clock import Clock
from models.infra.outbox import lanes_written
from models.pipeline.workspace import Workspace

if TYPE_CHECKING:
    from bot.runtime.deps import Deps

# (session, workspace, *, now): queues what is due, a batch at most; a batch that queued nothing ends the run
Sweep = Callable[..., Awaitable[object]]
MAX_BATCHES = 100  # per tick; the next tick goes on


async def run_sweep(unit: Unit, sweep: Sweep, ws: Workspace, clock: Clock, *, now: datetime | None = None) -> int:
    """Returns the number of batches that queued something."""
    batches = 0
    for _ in range(MAX_BATCHES):
        async with unit.transaction() as session:
            await sweep(session, ws, now=now or clock.now())
        if not lanes_written(session):
            break
        batches += 1
    return batches


async def sweep_now(deps: Deps, sweep: Sweep, *, what: str) -> Done:
    """One tick of a batched sweep, as a job of the runner (a failure is logged as ``what`` failed)."""
    return await run_job(deps, lambda unit: run_sweep(unit, sweep, deps.ws, deps.clock), what=what)
