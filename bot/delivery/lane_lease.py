"""Keeps this process's lease on an outbox lane while it delivers the lane.

One delivery can outlive the lease (45 s): a card's retry looks through the channel's history first,
slack_sdk retries a dropped connection, a chart is drawn. Were the lease to lapse meanwhile, another
process would take the lane and post the same message again. So a heartbeat renews the lease every
third of it for as long as the delivery runs, and only while this process still holds it; the lease
still lapses 45 s after a process dies, since nothing renews it then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.infra.clock import Clock
from models.infra.outbox import LEASE, renew_lane

log = logging.getLogger(__name__)

RENEW_AFTER = LEASE / 3
POLL_SECONDS = 0.5  # how often the heartbeat reads the clock (a read, no query): renewals follow the clock


class Heartbeat:
    """`async with Heartbeat(...) as lease:` renews the lane's lease until the block ends; `lease.lost`
    turns true when the lease was found taken by another process (stop delivering the lane then)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, lane: str, worker: str, *,
                 poll: float = POLL_SECONDS) -> None:
        self.sessions, self.clock, self.lane, self.worker, self.poll = sessions, clock, lane, worker, poll
        self.lost = False
        self.renewals = 0
        self._done = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Heartbeat:
        self._task = asyncio.create_task(self._beat(), name=f"lease:{self.lane}")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._done.set()  # no cancellation: a renewal under way finishes its short transaction
        if self._task is not None:
            await self._task

    async def _beat(self) -> None:
        renewed_at = self.clock.now()  # the lease was just taken
        while not self._done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._done.wait(), self.poll)
            now = self.clock.now()
            if self._done.is_set() or now - renewed_at < RENEW_AFTER:
                continue
            try:
                async with self.sessions.begin() as session:
                    held = await renew_lane(session, self.lane, self.worker, now=now)
            except Exception as exc:  # the database blinked: try again at the next look, well within the lease
                log.warning("outbox lane %s: lease not renewed (%s), trying again", self.lane, type(exc).__name__)
                continue
            if not held:
                self.lost = True
                log.warning("outbox lane %s: lease lost to another process; leaving the lane to it", self.lane)
                return
            renewed_at = now
            self.renewals += 1
