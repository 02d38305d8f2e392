"""The playground's clock: real time plus an offset the page moves forward (jump 1 hour, 1 day, …)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class OffsetClock:
    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def timestamp(self) -> float:
        """For the emulator: message timestamps follow the bot's clock."""
        return self.now().timestamp()

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("the playground clock only moves forward")
        self.offset += delta
        return self.now()
