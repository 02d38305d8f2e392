"""A few fixed ticks in every process; each claims due rows in the database, so several processes
can run them side by side (APScheduler keeps no job of ours in a store)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery.directory import TZ_FRESH_FOR
from models.approvals import sweeps as approval_sweeps
from models.followups import nudges, reminders
from scheduler import digests, retention, sweeps_pool
from scheduler.sweeps import run_sweep

if TYPE_CHECKING:
    from bot.runtime.deps import Deps

log = logging.getLogger(__name__)

OUTBOX_EVERY_SECONDS = 2
REMINDERS_EVERY_SECONDS = 15  # a reminder goes out within a minute of its time
NUDGES_EVERY_SECONDS = 60
PARKED_EVERY_SECONDS = 60
BACKUP_CHECK_MINUTES = 30
APPROVALS_EVERY_SECONDS = 60  # approval reminders and expiry (SPEC 12)


class Ticks:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
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
        if deps.settings.dealroom_backup_dir is not None:
            self.scheduler.add_job(self.daily_backup, "interval", minutes=BACKUP_CHECK_MINUTES, id="backup",
                                   max_instances=1, coalesce=True, next_run_time=started)

    def start(self) -> None:
        self.scheduler.start()

    async def stop(self) -> None:
        self.scheduler.shutdown(wait=False)
        await self.deps.deliverer.stop()

    async def drain_outbox(self) -> None:
        try:
            await self.deps.deliverer.drain()
        except Exception:
            log.exception("outbox tick failed")

    async def send_reminders(self) -> None:
        try:
            await run_sweep(self.deps, reminders.take_due_reminders)
        except Exception:
            log.exception("reminder tick failed")

    async def send_nudges(self) -> None:
        try:
            await run_sweep(self.deps, nudges.sweep)
        except Exception:
            log.exception("nudge tick failed")
    async def send_digests(self) -> None:
        deps = self.deps
        try:
            await digests.learn_zones(deps.sessions, deps.directory.tz_of, deps.clock.now(), fresh_for=TZ_FRESH_FOR)
            rules = digests.DigestRules(at=deps.settings.digest_time, holidays=deps.settings.dealroom_holidays)
            lanes = await digests.send_due_digests(deps.sessions, deps.ws, deps.clock, rules)
            if lanes:
                deps.deliverer.kick(lanes)
        except Exception:
            log.exception("digest tick failed")

    async def sweep_approvals(self) -> None:
        try:
            await run_sweep(self.deps, approval_sweeps.sweep)
        except Exception:
            log.exception("approval tick failed")

    async def prune(self) -> None:
        try:
            await retention.prune(self.deps)
        except Exception:
            log.exception("retention pass failed")

    async def alert_parked(self) -> None:
        from bot.delivery.parked_alerts import alert_admins

        try:
            lanes = await alert_admins(self.deps.sessions, self.deps.clock, self.deps.ws.admin_ids,
                                       locale=self.deps.ws.locale)
            if lanes:
                self.deps.deliverer.kick(lanes)
        except Exception:
            log.exception("parked-message alert failed")

    async def daily_backup(self) -> None:
        from bot.ops.backup import scheduled_backup

        try:
            await scheduled_backup(self.deps)
        except Exception:
            log.exception("scheduled backup failed")
