"""A territory's daily digest (issue 8): its manager gets, beside the team digest, one per territory they
manage: the open pipeline and forecast of the territory's deals (models.metrics.Lines: the deals in its
lines, whoever owns them), yesterday's new, won and lost deals, and the owners carrying it. One set-based
query (models.metrics.rep_rows) per territory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from models.pipeline import Pipeline
from models.reporting.metrics import Lines, Period, RepRow, day_span, money, rep_rows
from models.territories.admin import TerritoryState

OWNERS_SHOWN = 10


@dataclass(frozen=True)
class TerritoryDigest:
    state: TerritoryState
    day: date  # the manager's local day of sending; "yesterday" is the day before
    open_count: int
    open_value: Decimal
    weighted: Decimal
    new_count: int
    won_count: int
    won_value: Decimal
    lost_count: int
    owners: tuple[RepRow, ...]  # by open value, the first OWNERS_SHOWN
    owners_total: int

    @property
    def quiet(self) -> bool:
        return not (self.open_count or self.new_count or self.won_count or self.lost_count)


async def territory_digest(session: AsyncSession, pipeline: Pipeline, state: TerritoryState, *, now: datetime,
                           tz: ZoneInfo) -> TerritoryDigest:
    today = now.astimezone(tz).date()
    yesterday = today - timedelta(days=1)
    start, end = day_span(yesterday, tz)
    period = Period(kind="day", first_day=yesterday, last_day=yesterday, start=start, end=end)
    rows = await rep_rows(session, pipeline, period, Lines.of(state.territory))
    ranked = sorted(rows, key=lambda r: (-r.open_value, -r.won_value, r.user_id))
    return TerritoryDigest(
        state=state, day=today,
        open_count=sum(r.open_count for r in rows), open_value=money(sum(r.open_value for r in rows)),
        weighted=money(sum(r.weighted for r in rows)), new_count=sum(r.new_count for r in rows),
        won_count=sum(r.won_count for r in rows), won_value=money(sum(r.won_value for r in rows)),
        lost_count=sum(r.lost_count for r in rows), owners=tuple(ranked[:OWNERS_SHOWN]), owners_total=len(rows),
    )
