"""The hourly retention pass of every process: sent outbox rows older than
DEALROOM_OUTBOX_RETENTION_DAYS and event ids older than a day are deleted in batches of 1,000 rows,
one short transaction each. Processes may run it at the same moment: a row is deleted once, and on
PostgreSQL they skip each other's locked rows instead of waiting."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.runtime.runner import Unit
from models.infra.retention import BATCH, forget_event_ids, forget_sent_messages

if TYPE_CHECKING:
    from bot.runtime.deps import Deps

log = logging.getLogger(__name__)

EVERY_HOURS = 1
EVENT_IDS_KEPT_FOR = timedelta(hours=24)  # Slack retries an event for minutes (an hour at most)
PAUSE_SECONDS = 0.01  # between batches: the bot's own writes get the database in between (SQLite)

Step = Callable[[AsyncSession], Awaitable[int]]


@dataclass
class Pruned:
    rows: int = 0
    batches: int = 0
    seconds: float = 0.0
    longest_transaction: float = 0.0


async def in_batches(unit: Unit, step: Step, *, pause: float = PAUSE_SECONDS, batch: int = BATCH) -> Pruned:
    """Run `step` (which deletes at most `batch` rows) in transactions of its own until it deletes fewer."""
    pruned = Pruned()
    started = time.perf_counter()
    while True:
        began = time.perf_counter()
        async with unit.transaction() as session:
            removed = await step(session)
        pruned.longest_transaction = max(pruned.longest_transaction, time.perf_counter() - began)
        pruned.rows += removed
        pruned.batches += 1
        if removed < batch:
            break
        await asyncio.sleep(pause)
    pruned.seconds = time.perf_counter() - started
    return pruned


async def prune(deps: Deps, *, unit: Unit | None = None, pause: float = PAUSE_SECONDS,
                batch: int = BATCH) -> dict[str, Pruned]:
    """One pass, in transactions of ``unit`` (the scheduler's job; else a unit of its own); returns what it
    removed from each table."""
    unit = unit if unit is not None else Unit(deps.sessions)
    now = deps.clock.now()
    done: dict[str, Pruned] = {}
    days = deps.settings.dealroom_outbox_retention_days
    if days > 0:
        cutoff = now - timedelta(days=days)
        done["outbox"] = await in_batches(
            unit, lambda s: forget_sent_messages(s, before=cutoff, limit=batch), pause=pause, batch=batch)
    events_cutoff = now - EVENT_IDS_KEPT_FOR
    done["processed_events"] = await in_batches(
        unit, lambda s: forget_event_ids(s, before=events_cutoff, limit=batch), pause=pause, batch=batch)
    for table, pruned in done.items():
        if pruned.rows:
            log.info("retention: %s rows removed from %s in %s batches, %.1fs (longest transaction %.0f ms)",
                     pruned.rows, table, pruned.batches, pruned.seconds, pruned.longest_transaction * 1000)
    return done
