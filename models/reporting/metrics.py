"""Sales metrics for a period and a set of owners (SPEC 8), computed by the database.

Every figure is one set-based query (aggregates, window functions); Python only reshapes the
result rows (one per stage, source or rep, never one per deal). The same queries run on SQLite
and PostgreSQL; only the difference of two instants in days is spelled per dialect.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.infra.base import UTCDateTime
from models.infra.tables import Deal, Quota, StageChange
from models.pipeline import Pipeline
from models.pipeline.territories import CRITERIA, Territory
from models.reporting.periods import (
    PERIOD_KINDS,
    Period,
    current_period,
    day_span,
    local_midnight,
    period_first_day,
    period_from,
)

# The periods are models/reporting/periods.py; they are named here too, for the report's readers.
__all__ = [
    "CENT", "PERIOD_KINDS", "ZERO", "FunnelStep", "Lines", "Period", "Pipe", "ReasonCount", "RepRow", "Report",
    "Scope", "SourceCount", "StageTime", "build_report", "current_period", "day_span", "local_midnight", "money",
    "period_first_day", "period_from", "rep_rows",
]

CENT = Decimal("0.01")
ZERO = Decimal(0)


# --- scopes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lines:
    """A territory's deals (issue 8): those whose custom fields match every line the territory names
    (region, industry, product), ignoring case and surrounding spaces, as routing matches them. Deals count
    by what they are, not by who owns them: "EMEA's pipeline" is the deals in EMEA."""

    key: str
    criteria: tuple[tuple[str, tuple[str, ...]], ...]  # (field, lower-cased values)

    @classmethod
    def of(cls, territory: Territory) -> Lines:
        return cls(territory.key, tuple((c, tuple(v.lower() for v in getattr(territory, c)))
                                        for c in CRITERIA if getattr(territory, c)))


Scope = Collection[str] | Lines | None  # owners' ids, a territory's lines, or None: every deal



# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelStep:
    stage_key: str
    reached: int  # deals that reached this stage or a later one in the period
    conversion: float | None  # share of the previous step that reached this one; None for the first


@dataclass(frozen=True)
class StageTime:
    stage_key: str
    avg_days: float
    stays: int  # stays in the stage that ended in the period


@dataclass(frozen=True)
class SourceCount:
    source: str | None
    count: int
    amount: Decimal


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    count: int


@dataclass(frozen=True)
class Pipe:
    open_count: int
    open_value: Decimal
    weighted: Decimal  # amount × stage probability


@dataclass(frozen=True)
class RepRow:
    user_id: str
    open_count: int
    open_value: Decimal
    weighted: Decimal
    new_count: int
    won_count: int
    won_value: Decimal
    lost_count: int
    quota: Decimal | None

    @property
    def attainment(self) -> float | None:
        return _ratio(self.won_value, self.quota)


@dataclass(frozen=True)
class Report:
    period: Period
    owner_ids: frozenset[str] | None  # None: everyone (or the territory's deals, see `territory`)
    funnel: tuple[FunnelStep, ...]
    stage_times: tuple[StageTime, ...]
    won_count: int
    won_value: Decimal
    lost_count: int
    new_count: int
    avg_cycle_days: float | None
    new_by_source: tuple[SourceCount, ...]
    lost_reasons: tuple[ReasonCount, ...]
    pipe: Pipe
    quota: Decimal | None
    reps: tuple[RepRow, ...]
    territory: str | None = None  # the key when the report covers a territory's lines

    @property
    def win_rate(self) -> float | None:
        closed = self.won_count + self.lost_count
        return self.won_count / closed if closed else None

    @property
    def attainment(self) -> float | None:
        return _ratio(self.won_value, self.quota)


def _ratio(value: Decimal, of: Decimal | None) -> float | None:
    return float(value / of) if of else None


def money(value: Any) -> Decimal:
    """SUMs come back as Decimal on PostgreSQL and may be floats on SQLite: cents either way."""
    if value is None:
        return ZERO.quantize(CENT)
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _days(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


# --- SQL building blocks --------------------------------------------------------------------


def days_between(start: Any, end: Any, dialect: str) -> ColumnElement[Any]:
    if dialect == "sqlite":
        return func.julianday(end) - func.julianday(start)
    return func.extract("epoch", end - start) / 86400.0


def at_utc(value: datetime) -> ColumnElement[Any]:
    return literal(value, UTCDateTime())


def in_period(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= at_utc(period.start), column < at_utc(period.end))


def _owned_by(scope: Scope) -> list[ColumnElement[bool]]:
    """The WHERE terms of a scope over `deals` (one condition; no per-deal work in Python)."""
    if scope is None:
        return []
    if isinstance(scope, Lines):
        return [in_lines(scope)]
    return [Deal.owner_id.in_(sorted(scope))]


def in_lines(lines: Lines) -> ColumnElement[bool]:
    """Deals matching every line of a territory; a territory naming no line matches nothing."""
    if not lines.criteria:
        return literal(False)
    return and_(*(func.lower(func.trim(Deal.custom_fields[field].as_string())).in_(values)
                  for field, values in lines.criteria))


def probability_of(pipeline: Pipeline, column: Any) -> ColumnElement[Any]:
    return case({s.key: s.probability for s in pipeline.open_stages}, value=column, else_=0)


def _keys(pipeline: Pipeline, outcome: str) -> list[str]:
    return [s.key for s in pipeline.stages if s.closed == outcome]


def _open_keys(pipeline: Pipeline) -> list[str]:
    return [s.key for s in pipeline.open_stages]


def won_value_of() -> ColumnElement[Any]:
    return func.coalesce(Deal.won_amount, Deal.amount, 0)


# --- queries --------------------------------------------------------------------------------


async def funnel(session: AsyncSession, pipeline: Pipeline, period: Period,
                 owner_ids: Scope) -> tuple[FunnelStep, ...]:
    """Deals reaching each stage in the period. A deal that reached a later stage passed the
    earlier ones (skips included), so each step counts the deals whose furthest stage entered in
    the period is at least this one; lost is not a step."""
    steps = [s for s in pipeline.stages if s.closed != "lost"]
    position = case({s.key: i for i, s in enumerate(steps, 1)}, value=StageChange.to_stage)
    furthest = (
        select(StageChange.deal_id, func.max(position).label("pos"))
        .join(Deal, Deal.id == StageChange.deal_id)
        .where(in_period(StageChange.at, period), *_owned_by(owner_ids))
        .group_by(StageChange.deal_id)
        .subquery()
    )
    per_position = (
        select(furthest.c.pos, func.count().label("n")).where(furthest.c.pos.is_not(None))
        .group_by(furthest.c.pos).subquery()
    )
    cumulative = select(
        per_position.c.pos, func.sum(per_position.c.n).over(order_by=per_position.c.pos.desc()).label("reached")
    )
    reached_at = {int(pos): int(n) for pos, n in (await session.execute(cumulative)).all()}
    result: list[FunnelStep] = []
    carried = 0
    for i in range(len(steps), 0, -1):  # positions nobody stopped at inherit the later count
        carried = reached_at.get(i, carried)
        result.append(FunnelStep(steps[i - 1].key, carried, None))
    result.reverse()
    return tuple(
        FunnelStep(step.stage_key, step.reached,
                   None if i == 0 else (step.reached / result[i - 1].reached if result[i - 1].reached else None))
        for i, step in enumerate(result)
    )


async def stage_times(session: AsyncSession, pipeline: Pipeline, period: Period,
                      owner_ids: Scope) -> tuple[StageTime, ...]:
    """Average days in each open stage, over the stays that ended in the period (LEAD() finds
    when a deal left each stage it entered)."""
    dialect = session.get_bind().dialect.name
    touched = select(StageChange.deal_id).where(in_period(StageChange.at, period))
    stays = (
        select(
            StageChange.to_stage.label("stage"), StageChange.at.label("entered"),
            func.lead(StageChange.at).over(partition_by=StageChange.deal_id,
                                           order_by=(StageChange.at, StageChange.id)).label("left"),
        )
        .join(Deal, Deal.id == StageChange.deal_id)
        .where(StageChange.deal_id.in_(touched), StageChange.at < at_utc(period.end), *_owned_by(owner_ids))
        .subquery()
    )
    query = (
        select(stays.c.stage, func.avg(days_between(stays.c.entered, stays.c.left, dialect)), func.count())
        .where(stays.c.left >= at_utc(period.start), stays.c.left < at_utc(period.end),
               stays.c.stage.in_(_open_keys(pipeline)))
        .group_by(stays.c.stage)
    )
    found = {stage: (avg, n) for stage, avg, n in (await session.execute(query)).all()}
    return tuple(StageTime(s.key, _days(found[s.key][0]) or 0.0, int(found[s.key][1]))
                 for s in pipeline.open_stages if s.key in found)


async def rep_rows(session: AsyncSession, pipeline: Pipeline, period: Period,
                   owner_ids: Scope) -> tuple[RepRow, ...]:
    """One row per owner (every id of the scope, with or without deals), figures by conditional
    aggregates in one pass over the scope's deals."""
    is_open = Deal.stage_key.in_(_open_keys(pipeline))
    won = and_(Deal.stage_key.in_(_keys(pipeline, "won")), in_period(Deal.closed_at, period))
    lost = and_(Deal.stage_key.in_(_keys(pipeline, "lost")), in_period(Deal.closed_at, period))

    def count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.sum(case((condition, 1), else_=0))

    def sum_if(condition: ColumnElement[bool], value: Any) -> ColumnElement[Any]:
        return func.sum(case((condition, value), else_=0))

    query = (
        select(
            Deal.owner_id, count_if(is_open), sum_if(is_open, func.coalesce(Deal.amount, 0)),
            sum_if(is_open, func.coalesce(Deal.amount, 0) * probability_of(pipeline, Deal.stage_key) / 100.0),
            count_if(in_period(Deal.created_at, period)), count_if(won), sum_if(won, won_value_of()),
            count_if(lost),
        )
        .where(*_owned_by(owner_ids))
        .group_by(Deal.owner_id)
    )
    rows = {r[0]: r for r in (await session.execute(query)).all()}
    quotas = await quotas_for(session, period, owner_ids)
    named = () if owner_ids is None or isinstance(owner_ids, Lines) else owner_ids
    ids = sorted(set(rows) | set(quotas) | set(named))
    empty = (None, 0, 0, 0, 0, 0, 0, 0)
    return tuple(
        RepRow(user_id=uid, open_count=int(r[1] or 0), open_value=money(r[2]), weighted=money(r[3]),
               new_count=int(r[4] or 0), won_count=int(r[5] or 0), won_value=money(r[6]), lost_count=int(r[7] or 0),
               quota=quotas.get(uid))
        for uid in ids for r in [rows.get(uid, empty)]
    )


async def quotas_for(session: AsyncSession, period: Period, owner_ids: Scope) -> dict[str, Decimal]:
    """Targets are set per rep: a territory's report has none (its reps sell in other lines too)."""
    if isinstance(owner_ids, Lines):
        return {}
    query = select(Quota.user_id, Quota.amount).where(Quota.period_kind == period.kind,
                                                      Quota.period_start == period.first_day)
    if owner_ids is not None:
        query = query.where(Quota.user_id.in_(sorted(owner_ids)))
    return {uid: money(amount) for uid, amount in (await session.execute(query)).all()}


async def avg_cycle_days(session: AsyncSession, pipeline: Pipeline, period: Period,
                         owner_ids: Scope) -> float | None:
    dialect = session.get_bind().dialect.name
    query = select(func.avg(days_between(Deal.created_at, Deal.closed_at, dialect))).where(
        Deal.stage_key.in_(_keys(pipeline, "won")), in_period(Deal.closed_at, period), *_owned_by(owner_ids))
    return _days(await session.scalar(query))


async def new_by_source(session: AsyncSession, period: Period,
                        owner_ids: Scope) -> tuple[SourceCount, ...]:
    n = func.count().label("n")
    query = (
        select(Deal.source, n, func.sum(func.coalesce(Deal.amount, 0)))
        .where(in_period(Deal.created_at, period), *_owned_by(owner_ids))
        .group_by(Deal.source).order_by(n.desc(), func.coalesce(Deal.source, ""))
    )
    return tuple(SourceCount(source, int(count), money(amount))
                 for source, count, amount in (await session.execute(query)).all())


async def lost_reasons(session: AsyncSession, pipeline: Pipeline, period: Period,
                       owner_ids: Scope, limit: int = 10) -> tuple[ReasonCount, ...]:
    reason = func.coalesce(func.lower(func.trim(Deal.lost_reason)), "").label("reason")
    n = func.count().label("n")
    query = (
        select(reason, n)
        .where(Deal.stage_key.in_(_keys(pipeline, "lost")), in_period(Deal.closed_at, period), *_owned_by(owner_ids))
        .group_by(reason).order_by(n.desc(), reason).limit(limit)
    )
    return tuple(ReasonCount(r or "(no reason)", int(c)) for r, c in (await session.execute(query)).all())


async def build_report(session: AsyncSession, pipeline: Pipeline, period: Period, owner_ids: Scope) -> Report:
    scope: frozenset[str] | Lines | None = (
        owner_ids if owner_ids is None or isinstance(owner_ids, Lines) else frozenset(owner_ids))
    reps = await rep_rows(session, pipeline, period, scope)
    quotas = [r.quota for r in reps if r.quota is not None]
    return Report(
        period=period, owner_ids=None if isinstance(scope, Lines) else scope,
        territory=scope.key if isinstance(scope, Lines) else None,
        funnel=await funnel(session, pipeline, period, scope),
        stage_times=await stage_times(session, pipeline, period, scope),
        won_count=sum(r.won_count for r in reps), won_value=money(sum((r.won_value for r in reps), ZERO)),
        lost_count=sum(r.lost_count for r in reps), new_count=sum(r.new_count for r in reps),
        avg_cycle_days=await avg_cycle_days(session, pipeline, period, scope),
        new_by_source=await new_by_source(session, period, scope),
        lost_reasons=await lost_reasons(session, pipeline, period, scope),
        pipe=Pipe(sum(r.open_count for r in reps), money(sum((r.open_value for r in reps), ZERO)),
                  money(sum((r.weighted for r in reps), ZERO))),
        quota=money(sum(quotas, ZERO)) if quotas else None,
        reps=reps,
    )
