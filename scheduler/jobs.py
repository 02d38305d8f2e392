"""A few fixed ticks in every process; each claims due rows in the database, so several processes
can run them side by side (APScheduler keeps no job of ours in a store). Each tick is a job of the
runner (bot/runtime/runner.py): its transactions, the delivery of what they queued, and its failure,
logged once, are the runner's."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery.directory import TZ_FRESH_FOR
from bot.delivery.parked_alerts import alert_admins
from bot.runtime.runner import Done, Unit, once, run_job
from models.approvals import sweeps as approval_sweeps
from models.followups import nudges, reminders
from scheduler import digests, retention, sweeps_pool
from scheduler.sweeps import sweep_now

if TYPE_CHECKING:
    from bot.runtime.deps import Deps

OUTBOX_EVERY_SECONDS = 2
REMINDERS_EVERY_SECONDS = 15  # a reminder goes out within a minute of its time
NUDGES_EVERY_SECONDS = 60
PARKED_EVERY_SECONDS = 60
BACKUP_CHECK_MINUTES = 30
APPROVALS_EVERY_SECONDS = 60  # approval reminders and expiry (SPEC 12)
STOP_WITHIN_SECONDS = 10.0  # how long a stop waits for the ticks running

Backup = Callable[["Deps"], Awaitable[object]]


class Ticks:
    """``backup``: the daily backup (bot.ops.backup.scheduled_backup), handed in by whoever assembles the
    process, when DEALROOM_BACKUP_DIR is set."""

    def __init__(self, deps: Deps, *, backup: Backup | None = None) -> None:
        self.deps = deps
        self.backup = backup
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.scheduler.add_job(self.drain_outbox, "interval", seconds=OUTBOX_EVERY_SECONDS, id="outbox",
                               max_instances=1, coalesce=True)
        self.scheduler.add_job(self.prune, "interval", hours=retention.EVERY_HOURS, id="retention",
                               max_instances=1, coalesce=True)
        # First run at start: what fell due while no process was running goes out now, marked late.
        # APScheduler fires on the wall clock, so this instant is in its time base, not the bot's Clock.
        started = datetime.now(UTC)
        self.scheduler.add_job(self.send_reminders, "interval", seconds=REMINDERS_EVERY_SECONDS, id="reminders",
                               max_instances=1, coalesce=True, next_run_time=started)
        self.scheduler.add_job(self.send_nudges, "interval", seconds=NUDGES_EVERY_SECONDS, id="nudges",
                               max_instances=1, coalesce=True, next_run_time=started)
        self.scheduler.add_job(self.sweep_approvals, "interval", seconds=APPROVALS_EVERY_SECONDS, id="approvals",
                               max_instances=1, coalesce=True, next_run_time=started)
        for job_id, sweep in sweeps_pool.SWEEPS.items():  # public pool and lost channels (SPEC 3, 6)
            self.scheduler.add_job(sweeps_pool.tick, "interval", seconds=sweeps_pool.EVERY_SECONDS, args=[deps, sweep],
                                   id=job_id, max_instances=1, coalesce=True)
        self.scheduler.add_job(self.send_digests, "interval", seconds=digests.EVERY_SECONDS, id="digests",
                               max_instances=1, coalesce=True)
        self.scheduler.add_job(self.alert_parked, "interval", seconds=PARKED_EVERY_SECONDS, id="parked",
                               max_instances=1, coalesce=True)
        if backup is not None and deps.settings.dealroom_backup_dir is not None:
            self.scheduler.add_job(self.daily_backup, "interval", minutes=BACKUP_CHECK_MINUTES, id="backup",
                                   max_instances=1, coalesce=True, next_run_time=started)

    def start(self) -> None:
        self.scheduler.start()

    async def stop(self, within: float = STOP_WITHIN_SECONDS) -> None:
        """No more ticks; those running now finish first (a tick cancelled half-way through a database call
        logs a traceback, and can leave the SQLite driver's thread waiting forever), then the deliveries."""
        self.scheduler.pause()
        # APScheduler 3 keeps the running ticks in its executor's `_pending_futures`.
        executor = self.scheduler._executors.get("default")
        running = [f for f in getattr(executor, "_pending_futures", ()) if not f.done()]
        if running:
            await asyncio.wait(running, timeout=within)
        self.scheduler.shutdown(wait=False)
        await self.deps.deliverer.stop()

    async def drain_outbox(self) -> Done:
        return await run_job(self.deps, lambda unit: self.deps.deliverer.drain(), what="outbox tick")

    async def send_reminders(self) -> Done:
        return await sweep_now(self.deps, reminders.take_due_reminders, what="reminder tick")

    async def send_nudges(self) -> Done:
        return await sweep_now(self.deps, nudges.sweep, what="nudge tick")

    async def sweep_approvals(self) -> Done:
        return await sweep_now(self.deps, approval_sweeps.sweep, what="approval tick")

    async def send_digests(self) -> Done:
        deps = self.deps

        async def work(unit: Unit) -> None:
            await digests.learn_zones(unit, deps.directory.tz_of, deps.clock.now(), fresh_for=TZ_FRESH_FOR)
            rules = digests.DigestRules(at=deps.settings.digest_time, holidays=deps.settings.dealroom_holidays)
            await digests.send_due_digests(unit, deps.ws, deps.clock, rules)

        return await run_job(deps, work, what="digest tick")

    async def prune(self) -> Done:
        return await run_job(self.deps, lambda unit: retention.prune(self.deps, unit=unit), what="retention pass")

    async def alert_parked(self) -> Done:
        return await alert_parked(self.deps)

    async def daily_backup(self) -> Done:
        backup = self.backup
        assert backup is not None  # scheduled only with one
        return await run_job(self.deps, lambda unit: backup(self.deps), what="scheduled backup")


async def alert_parked(deps: Deps) -> Done:
    """Tell the admins about outbox messages that had to be parked (one DM each per batch)."""
    return await run_job(deps, lambda unit: once(unit, lambda session: alert_admins(
        session, deps.ws.admin_ids, now=deps.clock.now(), locale=deps.ws.locale)), what="parked-message alert")
