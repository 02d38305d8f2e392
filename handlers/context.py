"""What every handler knows about the request it serves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo


@dataclass
class Request:
    user_id: str
    channel_id: str | None
    tz: ZoneInfo
    now: datetime
    trigger_id: str | None = None

    @property
    def tz_name(self) -> str:
        return self.tz.key
