"""The playground's clock: the process's clock plus an offset the page moves forward (jump 1 hour, 1 day, …)."""

from __future__ import annotations

from datetime import datetime, timedelta

from models.infra.clock import Clock

JUMPS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}  # the page's jumps besides "digest"


class OffsetClock:
    def __init__(self, base: Clock, offset: timedelta = timedelta(0)) -> None:
        self.base = base
        self.offset = offset

    def now(self) -> datetime:
        return self.base.now() + self.offset

    def timestamp(self) -> float:
        """For the emulator: message timestamps follow the bot's clock."""
        return self.now().timestamp()

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("the playground clock only moves forward")
        self.offset += delta
        return self.now()
