"""Digests on time in each person's own time zone, once per person and local day however many
processes run this tick (SPEC 8).

Every minute: for each manager whose local clock has passed DEALROOM_DIGEST_TIME on a workday
and who has not had today's digest, one transaction inserts the `digests_sent` row (insert or
ignore) and, only when it inserted it, the outbox DM. The weekly rep report (Mondays) and the
monthly review (first workday of the month) ride the same tick with kinds of their own.

What is queued is the figures (typed notices, bot/delivery/events.py); they are worded at delivery.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery import events
from bot.delivery.events import Notice, queue_dm
from bot.runtime.runner import Unit
from models.infra.clock import Clock
from models.infra.errors import Refused
from models.infra.i18n import t
from models.infra.outbox import dm_lane, enqueue
from models.infra.tables import DigestSent, User
from models.infra.workdays import first_workday_of_month, is_workday
from models.pipeline.workspace import Workspace
from models.reporting.digests import (
    WeeklyReport,
    claim,
    daily_digests,
    managers,
    reps_with_managers,
    team_of,
    weekly_reports,
)
from models.reporting.metrics import Period, build_report, period_from
from models.reporting.territory_digest import territory_digest
from models.territories.admin import TerritoryState, find_territory, territories_by_manager, territory_states, zones_of
from models.values import zone

log = logging.getLogger(__name__)

EVERY_SECONDS = 60
ZONES_PER_TICK = 20  # users.info is Tier 4 (100+/min): a few per minute leaves room for everything else


@dataclass(frozen=True)
class DigestRules:
    at: time = time(9, 0)
    holidays: str | None = None  # country code for the `holidays` package


Build = Callable[[AsyncSession], Awaitable[Notice | list[Notice]]]


async def send_due_digests(unit: Unit, ws: Workspace, clock: Clock, rules: DigestRules) -> None:
    """One tick: queue every digest that is due and not yet claimed, each in a transaction of its own
    (``unit.lanes`` holds a DM lane per digest queued)."""
    now = clock.now()
    async with unit.reading() as session:
        sent = set((await session.execute(
            select(DigestSent.user_id, DigestSent.local_date, DigestSent.kind)
            .where(DigestSent.local_date >= (now - timedelta(days=2)).date())
        )).all())
        bosses = await managers(session)
        reps = await reps_with_managers(session)
        territories = await territories_by_manager(session, ws)
        # a territory's manager gets its digest even without a team of their own
        territory_only = await zones_of(session, [m for m in territories if m not in {b for b, _ in bosses}])
    with_reps = {manager for _, _, manager in reps if manager}

    def due(user_id: str, tz: ZoneInfo, kind: str, rule: Callable[[date], bool]) -> date | None:
        local = now.astimezone(tz)
        day = local.date()
        if local.time() < rules.at or not is_workday(day, rules.holidays) or not rule(day):
            return None
        return None if (user_id, day, kind) in sent else day

    daily = {uid: day for uid, tz_name in [*bosses, *territory_only]
             if (day := due(uid, zone(tz_name, ws.default_tz), "daily", lambda d: True)) is not None}
    notices = await _daily_notices(unit, ws, [(uid, tz) for uid, tz in bosses if uid in daily], now)
    for manager_id, tz_name in [*bosses, *territory_only]:  # the daily digests first: the others take longer
        if manager_id in daily:
            await _send(unit, manager_id, daily[manager_id], "daily", now,
                        _with_territories(ws, notices.get(manager_id), territories.get(manager_id, []),
                                                   now, zone(tz_name, ws.default_tz)))
    first_workday = lambda d: d == first_workday_of_month(d, rules.holidays)  # noqa: E731
    for manager_id, tz_name in bosses:
        tz = zone(tz_name, ws.default_tz)
        if (day := due(manager_id, tz, "monthly", first_workday)) is not None:
            last_month = period_from("month", (day.replace(day=1) - timedelta(days=1)).replace(day=1), tz)
            async with unit.reading() as session:
                team = sorted(await team_of(session, manager_id))
            chart = {"period": "month", "first_day": last_month.first_day.isoformat(), "tz": tz.key,
                     "owners": team, "scope": t("your team · monthly review").to_data()}
            await _send(unit, manager_id, day, "monthly", now, _monthly(ws, team, last_month), chart=chart)
    # Weekly reports: one set of queries per time zone, for the reps due and the reps of the managers due.
    team_of_manager: dict[str, list[str]] = {}
    for rep_id, _, boss in reps:
        if boss:
            team_of_manager.setdefault(boss, []).append(rep_id)
    weekly = [(uid, tz, day) for uid, tz_name, _ in reps
              if (day := due(uid, tz := zone(tz_name, ws.default_tz), "weekly", _monday)) is not None]
    team_weekly = [(uid, tz, day) for uid, tz_name in bosses if uid in with_reps
                   if (day := due(uid, tz := zone(tz_name, ws.default_tz), "weekly_team", _monday)) is not None]
    wanted: dict[tuple[ZoneInfo, date], set[str]] = {}
    for uid, tz, day in weekly:
        wanted.setdefault((tz, day), set()).add(uid)
    for uid, tz, day in team_weekly:
        wanted.setdefault((tz, day), set()).update(team_of_manager[uid])
    weeks: dict[tuple[ZoneInfo, date], dict[str, WeeklyReport]] = {}
    if wanted:
        async with unit.reading() as session:
            for (tz, day), ids in wanted.items():
                weeks[(tz, day)] = await weekly_reports(session, ws.pipeline, ids, _last_week(day, tz))
    for manager_id, tz, day in team_weekly:
        found = weeks[(tz, day)]
        notice = events.team_weekly_report([found[r] for r in sorted(team_of_manager[manager_id])])
        await _send(unit, manager_id, day, "weekly_team", now, _ready(notice))
    for rep_id, tz, day in weekly:
        notice = events.weekly_report(weeks[(tz, day)][rep_id], tz)
        await _send(unit, rep_id, day, "weekly", now, _ready(notice))


async def send_digests_now(unit: Unit, ws: Workspace, clock: Clock, manager_id: str | None = None,
                           territory: str | None = None) -> None:
    """`dealroom digest --now`: every manager's (or one person's) daily digest at once, whatever
    the day and time; it counts as today's, so the scheduled one does not follow. A territory's manager
    gets its digest with theirs. `territory`: only that territory's digest, to its manager (it does not
    count as their daily digest). Raises NotFound / Refused (models.errors) for a territory it can't send.
    ``unit.lanes`` holds a DM lane per digest queued."""
    now = clock.now()
    async with unit.reading() as session:
        bosses = await managers(session)
        territories = await territories_by_manager(session, ws)
        if territory is not None:
            [state] = await territory_states(session, (find_territory(ws.pipeline.territories, territory),))
            if state.territory.manager is None:
                raise Refused(t("Territory {name} has no manager to send its digest to; an admin sets one with "
                                "/deal territory {key} manager @user.", name=state.territory.name,
                                key=state.territory.key))
            [(uid, tz_name)] = await zones_of(session, [state.territory.manager])
            tz = zone(tz_name, ws.default_tz)
            await _send(unit, uid, now.astimezone(tz).date(), "territory", now,
                        _with_territories(ws, None, [state], now, tz), force=True)
            return
        teams = {b for b, _ in bosses}
        bosses += await zones_of(session, [m for m in territories if m not in teams])
    if manager_id is not None:
        bosses = [b for b in bosses if b[0] == manager_id] or [(manager_id, None)]
        teams.add(manager_id)  # asked for by name: their digest, even with nobody reporting to them
    notices = await _daily_notices(unit, ws, [b for b in bosses if b[0] in teams], now)
    for uid, tz_name in bosses:
        tz = zone(tz_name, ws.default_tz)
        await _send(unit, uid, now.astimezone(tz).date(), "daily", now,
                    _with_territories(ws, notices.get(uid), territories.get(uid, []), now, tz), force=True)


async def _send(unit: Unit, user_id: str, day: date, kind: str, now: datetime, build: Build, *,
                force: bool = False, chart: dict[str, Any] | None = None) -> None:
    """One digest in one transaction: claimed (once per person, day and kind), then queued."""
    try:
        async with unit.transaction() as session:
            if not await claim(session, user_id, day, kind, now=now) and not force:
                return  # another process has it
            content = await build(session)
            for part in content if isinstance(content, list) else [content]:
                await queue_dm(session, user_id, part, now=now)
            if chart is not None:  # drawn at delivery, like the one of /deal report
                await enqueue(session, lane=dm_lane(user_id), kind="report_chart", now=now,
                              payload={"user": user_id, **chart})
    except Exception:
        log.exception("%s digest for %s failed; the next tick tries again", kind, user_id)


async def learn_zones(unit: Unit, tz_of: Callable[[str], Awaitable[ZoneInfo]], now: datetime, *,
                      fresh_for: timedelta, limit: int = ZONES_PER_TICK) -> int:
    """Ask Slack for the time zone of managers and reps not looked up lately (say, put on a team
    before they ever used the bot), a few per tick, so digests come at their own 09:00."""
    stale: list[str] = []
    async with unit.reading() as session:
        bosses = [uid for uid, _ in await managers(session)]
        reps = [uid for uid, _, _ in await reps_with_managers(session)]
        for group in (bosses, reps):  # managers first: theirs is the daily digest
            stale += await session.scalars(
                select(User.id).where(User.id.in_(group), User.id.not_in(stale),
                                      or_(User.tz_checked_at.is_(None), User.tz_checked_at < now - fresh_for))
                .order_by(User.tz_checked_at.is_not(None), User.tz_checked_at, User.id).limit(limit - len(stale)))
    for user_id in stale:
        await tz_of(user_id)
    return len(stale)


def _monday(day: date) -> bool:
    return day.weekday() == 0


def _last_week(day: date, tz: ZoneInfo) -> Period:
    return period_from("week", day - timedelta(days=day.weekday() + 7), tz)


async def _daily_notices(unit: Unit, ws: Workspace, people: list[tuple[str, str | None]],
                         now: datetime) -> dict[str, Notice]:
    """Daily digests of these managers, computed together per time zone (a fixed number of
    queries per zone, however many managers); claiming and queueing stay one per manager."""
    by_zone: dict[ZoneInfo, list[str]] = {}
    for uid, tz_name in people:
        by_zone.setdefault(zone(tz_name, ws.default_tz), []).append(uid)
    notices: dict[str, Notice] = {}
    async with unit.reading() as session:
        for tz, ids in by_zone.items():
            for uid, digest in (await daily_digests(session, ws.pipeline, ids, now=now, tz=tz)).items():
                notices[uid] = events.daily_digest(digest, tz)
    return notices


def _ready(notice: Notice) -> Build:
    async def build(session: AsyncSession) -> Notice:
        return notice
    return build


def _with_territories(ws: Workspace, team_digest: Notice | None, states: list[TerritoryState], now: datetime,
                      tz: ZoneInfo) -> Build:
    """The team digest (None for someone who manages territories but no reps), then one per territory."""
    async def build(session: AsyncSession) -> list[Notice]:
        parts = [team_digest] if team_digest is not None else []
        for state in states:
            parts.append(events.territory_digest(await territory_digest(session, ws.pipeline, state, now=now, tz=tz)))
        return parts
    return build


def _monthly(ws: Workspace, team: list[str], period: Period) -> Build:
    async def build(session: AsyncSession) -> Notice:
        return events.monthly_review(await build_report(session, ws.pipeline, period, team))
    return build
