"""What goes into the daily digest, the weekly rep report and the monthly review (SPEC 8), and
who gets them; sending is claimed once per person, local day and kind (`digests_sent`).

Every figure is a set-based query over the team's deals; lists are capped in SQL (a few
examples each), counts are exact.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, func, or_, select, union
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from models.metrics import (
    Period,
    Pipe,
    RepRow,
    at_utc,
    current_period,
    day_span,
    in_period,
    money,
    pipe,
    rep_rows,
    won_value_of,
)
from models.pipeline import Pipeline
from models.tables import Deal, DigestSent, FollowUp, StageChange, TimelineEntry, User, UserRole

EXAMPLES = 5  # deals named per list; the rest are counted


@dataclass(frozen=True)
class DealLine:
    number: int
    title: str
    owner_id: str
    stage_key: str
    amount: Decimal | None
    when: datetime | None  # what the list is about: the change, the last update, the close date


@dataclass(frozen=True)
class Move:
    number: int
    title: str
    from_stage: str | None
    to_stage: str
    actor_id: str


@dataclass(frozen=True)
class Tally:
    count: int
    value: Decimal


@dataclass(frozen=True)
class DailyDigest:
    manager_id: str
    day: date  # the manager's local date of sending; "yesterday" is the day before
    team_ids: frozenset[str]
    pipe: Pipe
    moves_count: int
    moves: tuple[Move, ...]
    new: Tally
    won: Tally
    lost: Tally
    overdue_by_rep: tuple[tuple[str, int], ...]
    stale_count: int
    stale: tuple[DealLine, ...]
    past_close_count: int
    past_close: tuple[DealLine, ...]
    month: Period
    reps: tuple[RepRow, ...]

    @property
    def quiet(self) -> bool:
        """Nothing happened and nothing needs doing."""
        return not (self.moves_count or self.new.count or self.won.count or self.lost.count
                    or self.overdue_by_rep or self.stale_count or self.past_close_count)


@dataclass(frozen=True)
class WeeklyReport:
    user_id: str
    period: Period
    new: Tally
    high_value: tuple[DealLine, ...]
    followed_up: int  # deals with a note or a follow-up logged in the week
    entered: tuple[tuple[str, int], ...]  # stage key, deals entering it
    won: Tally
    won_deals: tuple[DealLine, ...]


# --- who gets what --------------------------------------------------------------------------


def zone(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else fallback
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


async def managers(session: AsyncSession) -> list[tuple[str, str | None]]:
    """(user id, Slack time zone) of everyone with the manager role or someone reporting to them."""
    ids = union(select(UserRole.user_id).where(UserRole.role == "manager"),
                select(User.manager_id).where(User.manager_id.is_not(None))).subquery()
    query = (select(ids.c.user_id, User.tz).join(User, User.id == ids.c.user_id, isouter=True)
             .order_by(ids.c.user_id))
    return [(uid, tz) for uid, tz in (await session.execute(query)).all()]


async def reps_with_managers(session: AsyncSession) -> list[tuple[str, str | None, str | None]]:
    """(rep, their time zone, their manager) for everyone who reports to someone or holds the rep role."""
    rep_role = select(UserRole.user_id).where(UserRole.role == "rep")
    query = (select(User.id, User.tz, User.manager_id)
             .where(or_(User.manager_id.is_not(None), User.id.in_(rep_role))).order_by(User.id))
    return [tuple(row) for row in (await session.execute(query)).all()]  # type: ignore[misc]


async def team_of(session: AsyncSession, manager_id: str) -> frozenset[str]:
    """The manager and the reps whose manager they are (SPEC 8)."""
    reps = await session.scalars(select(User.id).where(User.manager_id == manager_id))
    return frozenset({manager_id, *reps})


async def claim(session: AsyncSession, user_id: str, day: date, kind: str, *, now: datetime) -> bool:
    """Insert-or-ignore the (person, local day, kind) row: True for the one transaction that
    inserted it; it enqueues the message in the same transaction, every other caller skips."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = await session.execute(
        insert(DigestSent).values(user_id=user_id, local_date=day, kind=kind, sent_at=now).on_conflict_do_nothing()
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def already_sent(session: AsyncSession, user_id: str, day: date, kind: str) -> bool:
    return await session.get(DigestSent, (user_id, day, kind)) is not None


# --- the daily digest -----------------------------------------------------------------------


def _open(pipeline: Pipeline) -> Any:
    return Deal.stage_key.in_([s.key for s in pipeline.open_stages])


def _team(owner_ids: Collection[str]) -> Any:
    return Deal.owner_id.in_(sorted(owner_ids))


async def _tally(session: AsyncSession, *conditions: Any, value: Any = None) -> Tally:
    amount = value if value is not None else func.coalesce(Deal.amount, 0)
    count, total = (await session.execute(select(func.count(), func.sum(amount)).where(*conditions))).one()
    return Tally(int(count or 0), money(total))


def _deal_line(row: Any) -> DealLine:
    return DealLine(row.id, row.title, row.owner_id, row.stage_key, row.amount, row.when)


async def _deal_lines(session: AsyncSession, when: Any, *conditions: Any,
                      order: Any) -> tuple[int, tuple[DealLine, ...]]:
    count = int(await session.scalar(select(func.count()).select_from(Deal).where(*conditions)) or 0)
    if not count:
        return 0, ()
    rows = await session.execute(
        select(Deal.id, Deal.title, Deal.owner_id, Deal.stage_key, Deal.amount, when.label("when"))
        .where(*conditions).order_by(order, Deal.id).limit(EXAMPLES))
    return count, tuple(_deal_line(r) for r in rows)


def stale_condition(pipeline: Pipeline, now: datetime) -> Any:
    """Open deals untouched for longer than their stage's stale_after_days (a cut-off per stage)."""
    per_stage = [and_(Deal.stage_key == s.key, Deal.updated_at < at_utc(now - timedelta(days=s.stale_after_days)))
                 for s in pipeline.open_stages if s.stale_after_days]
    return or_(*per_stage) if per_stage else Deal.id.is_(None)


async def daily_digest(session: AsyncSession, pipeline: Pipeline, manager_id: str, *, now: datetime,
                       tz: ZoneInfo) -> DailyDigest:
    team = await team_of(session, manager_id)
    today = now.astimezone(tz).date()
    start, end = day_span(today - timedelta(days=1), tz)
    yesterday = Period("day", today - timedelta(days=1), today - timedelta(days=1), start, end)
    in_team = _team(team)

    moved = (select(StageChange.deal_id, Deal.title, StageChange.from_stage, StageChange.to_stage,
                    StageChange.actor_id)
             .join(Deal, Deal.id == StageChange.deal_id)
             .where(in_team, in_period(StageChange.at, yesterday), StageChange.from_stage.is_not(None)))
    moves_count = int(await session.scalar(select(func.count()).select_from(moved.subquery())) or 0)
    moves = tuple(Move(*row) for row in await session.execute(
        moved.order_by(StageChange.at.desc(), StageChange.id.desc()).limit(EXAMPLES)))

    won_keys = [s.key for s in pipeline.stages if s.closed == "won"]
    lost_keys = [s.key for s in pipeline.stages if s.closed == "lost"]
    overdue = await session.execute(
        select(FollowUp.owner_id, func.count())
        .join(Deal, Deal.id == FollowUp.deal_id)
        .where(FollowUp.owner_id.in_(sorted(team)), FollowUp.done_at.is_(None), FollowUp.due_at < at_utc(now),
               _open(pipeline))
        .group_by(FollowUp.owner_id).order_by(func.count().desc(), FollowUp.owner_id)
    )
    stale_count, stale = await _deal_lines(session, Deal.updated_at, in_team, _open(pipeline),
                                           stale_condition(pipeline, now), order=Deal.updated_at)
    past_count, past = await _deal_lines(session, Deal.close_at, in_team, _open(pipeline),
                                         Deal.close_at < at_utc(now), order=Deal.close_at)
    month = current_period("month", now, tz)
    return DailyDigest(
        manager_id=manager_id, day=today, team_ids=team, pipe=await pipe(session, pipeline, team),
        moves_count=moves_count, moves=moves,
        new=await _tally(session, in_team, in_period(Deal.created_at, yesterday)),
        won=await _tally(session, in_team, Deal.stage_key.in_(won_keys), in_period(Deal.closed_at, yesterday),
                         value=won_value_of()),
        lost=await _tally(session, in_team, Deal.stage_key.in_(lost_keys), in_period(Deal.closed_at, yesterday)),
        overdue_by_rep=tuple((uid, int(n)) for uid, n in overdue.all()),
        stale_count=stale_count, stale=stale, past_close_count=past_count, past_close=past,
        month=month, reps=await rep_rows(session, pipeline, month, team),
    )


# --- the weekly rep report --------------------------------------------------------------------


async def weekly_report(session: AsyncSession, pipeline: Pipeline, user_id: str, week: Period) -> WeeklyReport:
    """One rep's last week: new deals, high-value leads (at least the pipeline's budget threshold),
    deals followed up, deals entering each stage, deals won and their value."""
    mine = Deal.owner_id == user_id
    created = in_period(Deal.created_at, week)
    _, high_value = await _deal_lines(session, Deal.created_at, mine, created,
                                      Deal.amount >= pipeline.budget_threshold, order=Deal.amount.desc())
    followed = await session.scalar(
        select(func.count(func.distinct(TimelineEntry.deal_id))).join(Deal, Deal.id == TimelineEntry.deal_id)
        .where(mine, TimelineEntry.kind.in_(("note", "followup")), in_period(TimelineEntry.at, week)))
    entered = await session.execute(
        select(StageChange.to_stage, func.count(func.distinct(StageChange.deal_id)))
        .join(Deal, Deal.id == StageChange.deal_id)
        .where(mine, in_period(StageChange.at, week)).group_by(StageChange.to_stage))
    by_stage = dict(entered.all())
    won_keys = [s.key for s in pipeline.stages if s.closed == "won"]
    won_in_week = (mine, Deal.stage_key.in_(won_keys), in_period(Deal.closed_at, week))
    _, won_deals = await _deal_lines(session, Deal.closed_at, *won_in_week, order=won_value_of().desc())
    return WeeklyReport(
        user_id=user_id, period=week, new=await _tally(session, mine, created), high_value=high_value,
        followed_up=int(followed or 0),
        entered=tuple((s.key, int(by_stage[s.key])) for s in pipeline.stages if s.key in by_stage),
        won=await _tally(session, *won_in_week, value=won_value_of()), won_deals=won_deals,
    )
