"""Running a sweep: batch after batch, each in its own transaction, until nothing is due; what a
batch queued is delivered at once (the outbox tick would take it too, a little later)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.runtime.deps import Deps

# (session, workspace, *, now) -> the outbox lanes it queued messages in; empty when nothing was due
Sweep = Callable[..., Awaitable[set[str]]]
MAX_BATCHES = 100  # per tick; the next tick goes on


async def run_sweep(deps: Deps, sweep: Sweep, *, now: datetime | None = None) -> int:
    """Returns the number of batches that queued something."""
    batches = 0
    for _ in range(MAX_BATCHES):
        async with deps.sessions.begin() as session:
            lanes = await sweep(session, deps.ws, now=now or deps.clock.now())
        if not lanes:
            break
        batches += 1
        deps.deliverer.kick(lanes)
    return batches
