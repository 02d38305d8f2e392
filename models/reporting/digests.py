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
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select, union, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from models.infra.db import rows_changed
from models.infra.tables import Deal, DigestSent, FollowUp, StageChange, TimelineEntry, User, UserRole
from models.pipeline import Pipeline
from models.reporting.metrics import (
    Period,
    Pipe,
    RepRow,
    at_utc,
    current_period,
    day_span,
    in_period,
    money,
    probability_of,
    quotas_for,
    won_value_of,
)

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
    return rows_changed(result) == 1


async def already_sent(session: AsyncSession, user_id: str, day: date, kind: str) -> bool:
    return await session.get(DigestSent, (user_id, day, kind)) is not None


# --- the daily digest -----------------------------------------------------------------------


def _open(pipeline: Pipeline) -> Any:
    return Deal.stage_key.in_([s.key for s in pipeline.open_stages])


def _deal_line(row: Any) -> DealLine:
    return DealLine(row.id, row.title, row.owner_id, row.stage_key, row.amount, row.when)


def stale_condition(pipeline: Pipeline, now: datetime) -> Any:
    """Open deals untouched for longer than their stage's stale_after_days (a cut-off per stage)."""
    per_stage = [and_(Deal.stage_key == s.key, Deal.updated_at < at_utc(now - timedelta(days=s.stale_after_days)))
                 for s in pipeline.open_stages if s.stale_after_days]
    return or_(*per_stage) if per_stage else Deal.id.is_(None)


def _count_if(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _sum_if(condition: Any, value: Any) -> Any:
    return func.sum(case((condition, value), else_=0))


def _teams(manager_ids: Collection[str]) -> Any:
    """(owner, team) pairs: each manager's reps, and the manager themselves (a rep who manages
    others is on two teams)."""
    ids = sorted(manager_ids)
    reps = select(User.id.label("owner"), User.manager_id.label("team")).where(User.manager_id.in_(ids))
    selves = select(User.id.label("owner"), User.id.label("team")).where(User.id.in_(ids))
    return union_all(reps, selves).subquery("teams")


def _first_few(teams: Any, query: Any, order: Any) -> Any:
    """Add each row's rank within its team and the team's total to `query` (window functions),
    keep the first EXAMPLES of each team."""
    ranked = query.add_columns(
        func.row_number().over(partition_by=teams.c.team, order_by=order).label("rank"),
        func.count().over(partition_by=teams.c.team).label("total"),
    ).subquery()
    return select(ranked).where(ranked.c.rank <= EXAMPLES).order_by(ranked.c.team, ranked.c.rank)


async def daily_digest(session: AsyncSession, pipeline: Pipeline, manager_id: str, *, now: datetime,
                       tz: ZoneInfo) -> DailyDigest:
    return (await daily_digests(session, pipeline, [manager_id], now=now, tz=tz))[manager_id]


async def daily_digests(session: AsyncSession, pipeline: Pipeline, manager_ids: Collection[str], *,
                        now: datetime, tz: ZoneInfo) -> dict[str, DailyDigest]:
    """The digests of several managers who share a time zone, in a fixed number of queries
    whatever their number: each figure grouped (or ranked) by team."""
    teams = _teams(manager_ids)
    members: dict[str, set[str]] = {m: {m} for m in manager_ids}
    for owner, team in (await session.execute(select(teams.c.owner, teams.c.team))).all():
        members[team].add(owner)
    everyone = set().union(*members.values()) if members else set()

    today = now.astimezone(tz).date()
    start, end = day_span(today - timedelta(days=1), tz)
    yesterday = Period("day", today - timedelta(days=1), today - timedelta(days=1), start, end)
    month = current_period("month", now, tz)
    is_open = _open(pipeline)
    won_keys = [s.key for s in pipeline.stages if s.closed == "won"]
    lost_keys = [s.key for s in pipeline.stages if s.closed == "lost"]
    won = and_(Deal.stage_key.in_(won_keys), in_period(Deal.closed_at, yesterday))
    lost = and_(Deal.stage_key.in_(lost_keys), in_period(Deal.closed_at, yesterday))
    new = in_period(Deal.created_at, yesterday)
    stale = and_(is_open, stale_condition(pipeline, now))
    past_close = and_(is_open, Deal.close_at < at_utc(now))
    month_won = and_(Deal.stage_key.in_(won_keys), in_period(Deal.closed_at, month))
    amount = func.coalesce(Deal.amount, 0)
    in_teams = Deal.owner_id.in_(select(teams.c.owner))

    # One pass over the teams' deals, grouped by owner, for every count and sum of the digests and
    # each rep's month against quota; a team's totals are the sums of its few owner rows.
    per_owner = {row[0]: row for row in (await session.execute(select(
        Deal.owner_id, _count_if(is_open), _sum_if(is_open, amount),
        _sum_if(is_open, amount * probability_of(pipeline, Deal.stage_key) / 100.0),
        _count_if(new), _sum_if(new, amount), _count_if(won), _sum_if(won, won_value_of()), _count_if(lost),
        _sum_if(lost, amount), _count_if(stale), _count_if(past_close),
        _count_if(in_period(Deal.created_at, month)), _count_if(month_won), _sum_if(month_won, won_value_of()),
        _count_if(and_(Deal.stage_key.in_(lost_keys), in_period(Deal.closed_at, month))),
    ).where(in_teams).group_by(Deal.owner_id))).all()}
    quotas = await quotas_for(session, month, everyone)

    moves: dict[str, list[Any]] = {}
    for row in await session.execute(_first_few(
        teams,
        select(teams.c.team, StageChange.deal_id, Deal.title, StageChange.from_stage, StageChange.to_stage,
               StageChange.actor_id)
        .join(Deal, Deal.id == StageChange.deal_id).join(teams, teams.c.owner == Deal.owner_id)
        .where(in_period(StageChange.at, yesterday), StageChange.from_stage.is_not(None)),
        (StageChange.at.desc(), StageChange.id.desc()),
    )):
        moves.setdefault(row.team, []).append(row)

    async def examples(condition: Any, when: Any) -> dict[str, list[DealLine]]:
        found: dict[str, list[DealLine]] = {}
        query = (select(teams.c.team, Deal.id, Deal.title, Deal.owner_id, Deal.stage_key, Deal.amount,
                        when.label("when"))
                 .join(teams, teams.c.owner == Deal.owner_id).where(condition))
        for row in await session.execute(_first_few(teams, query, (when, Deal.id))):
            found.setdefault(row.team, []).append(_deal_line(row))
        return found

    stale_lines = await examples(stale, Deal.updated_at)
    past_lines = await examples(past_close, Deal.close_at)
    overdue: dict[str, list[tuple[str, int]]] = {}
    for team, owner, n in await session.execute(
        select(teams.c.team, FollowUp.owner_id, func.count())
        .join(Deal, Deal.id == FollowUp.deal_id).join(teams, teams.c.owner == FollowUp.owner_id)
        .where(FollowUp.done_at.is_(None), FollowUp.due_at < at_utc(now), is_open)
        .group_by(teams.c.team, FollowUp.owner_id)
    ):
        overdue.setdefault(team, []).append((owner, int(n)))

    empty = (None, *([0] * 15))
    digests = {}
    for manager_id, team in members.items():
        rows = [per_owner[uid] for uid in team if uid in per_owner]
        totals = [sum((row[i] or 0) for row in rows) for i in range(1, 12)]
        reps = tuple(
            RepRow(user_id=uid, open_count=int(r[1] or 0), open_value=money(r[2]), weighted=money(r[3]),
                   new_count=int(r[12] or 0), won_count=int(r[13] or 0), won_value=money(r[14]),
                   lost_count=int(r[15] or 0), quota=quotas.get(uid))
            for uid in sorted(team) for r in [per_owner.get(uid, empty)]
        )
        team_moves = moves.get(manager_id, [])
        digests[manager_id] = DailyDigest(
            manager_id=manager_id, day=today, team_ids=frozenset(team),
            pipe=Pipe(int(totals[0]), money(totals[1]), money(totals[2])),
            moves_count=int(team_moves[0].total) if team_moves else 0,
            moves=tuple(Move(r.deal_id, r.title, r.from_stage, r.to_stage, r.actor_id) for r in team_moves),
            new=Tally(int(totals[3]), money(totals[4])), won=Tally(int(totals[5]), money(totals[6])),
            lost=Tally(int(totals[7]), money(totals[8])),
            overdue_by_rep=tuple(sorted(overdue.get(manager_id, []), key=lambda x: (-x[1], x[0]))),
            stale_count=int(totals[9]), stale=tuple(stale_lines.get(manager_id, ())),
            past_close_count=int(totals[10]), past_close=tuple(past_lines.get(manager_id, ())),
            month=month, reps=reps,
        )
    return digests


# --- the weekly rep report --------------------------------------------------------------------


async def weekly_report(session: AsyncSession, pipeline: Pipeline, user_id: str, week: Period) -> WeeklyReport:
    return (await weekly_reports(session, pipeline, [user_id], week))[user_id]


async def weekly_reports(session: AsyncSession, pipeline: Pipeline, user_ids: Collection[str],
                         week: Period) -> dict[str, WeeklyReport]:
    """Reps' weeks: new deals, high-value leads (at least the pipeline's budget threshold), deals
    followed up, deals entering each stage, deals won and their value; a fixed number of queries
    grouped (or ranked) by owner, however many reps."""
    ids = sorted(set(user_ids))
    theirs = Deal.owner_id.in_(ids)
    created = in_period(Deal.created_at, week)
    won_keys = [s.key for s in pipeline.stages if s.closed == "won"]
    won = and_(Deal.stage_key.in_(won_keys), in_period(Deal.closed_at, week))
    amount = func.coalesce(Deal.amount, 0)
    totals = {row[0]: row for row in await session.execute(
        select(Deal.owner_id, _count_if(created), _sum_if(created, amount), _count_if(won),
               _sum_if(won, won_value_of()))
        .where(theirs, or_(created, won)).group_by(Deal.owner_id))}
    followed = dict((await session.execute(
        select(Deal.owner_id, func.count(func.distinct(TimelineEntry.deal_id)))
        .join(Deal, Deal.id == TimelineEntry.deal_id)
        .where(theirs, TimelineEntry.kind.in_(("note", "followup")), in_period(TimelineEntry.at, week))
        .group_by(Deal.owner_id))).all())
    entered: dict[str, dict[str, int]] = {}
    for owner, stage, n in await session.execute(
        select(Deal.owner_id, StageChange.to_stage, func.count(func.distinct(StageChange.deal_id)))
        .join(Deal, Deal.id == StageChange.deal_id)
        .where(theirs, in_period(StageChange.at, week)).group_by(Deal.owner_id, StageChange.to_stage)
    ):
        entered.setdefault(owner, {})[stage] = int(n)

    async def examples(condition: Any, when: Any, order: Any) -> dict[str, list[DealLine]]:
        ranked = (select(Deal.id, Deal.title, Deal.owner_id, Deal.stage_key, Deal.amount, when.label("when"),
                         func.row_number().over(partition_by=Deal.owner_id, order_by=(order, Deal.id)).label("rank"))
                  .where(theirs, condition).subquery())
        found: dict[str, list[DealLine]] = {}
        for row in await session.execute(select(ranked).where(ranked.c.rank <= EXAMPLES)
                                         .order_by(ranked.c.owner_id, ranked.c.rank)):
            found.setdefault(row.owner_id, []).append(_deal_line(row))
        return found

    high_value = await examples(and_(created, Deal.amount >= pipeline.budget_threshold), Deal.created_at,
                                Deal.amount.desc())
    won_deals = await examples(won, Deal.closed_at, won_value_of().desc())
    empty = (None, 0, 0, 0, 0)
    reports = {}
    for uid in ids:
        t = totals.get(uid, empty)
        stages = entered.get(uid, {})
        reports[uid] = WeeklyReport(
            user_id=uid, period=week, new=Tally(int(t[1] or 0), money(t[2])),
            high_value=tuple(high_value.get(uid, ())), followed_up=int(followed.get(uid, 0)),
            entered=tuple((s.key, stages[s.key]) for s in pipeline.stages if s.key in stages),
            won=Tally(int(t[3] or 0), money(t[4])), won_deals=tuple(won_deals.get(uid, ())),
        )
    return reports
