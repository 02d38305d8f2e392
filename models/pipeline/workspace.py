"""What the domain needs to know about the installation, built once from settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from models.infra.calendar import BusinessCalendar
from models.pipeline import Pipeline


@dataclass(frozen=True)
class Workspace:
    pipeline: Pipeline
    locale: str = "en"
    default_tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    feed_channel: str | None = None
    admin_ids: frozenset[str] = frozenset()
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)  # business days (SPEC 7)
