"""`/deal report` and `/deal target` (SPEC 8): figures from models.metrics, the chart by DM."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks import replies
from bot.blocks.report_labels import period_label
from bot.blocks.reports import report_message
from bot.blocks.territories import territory_report_note, territory_scope_label
from bot.blocks.text import fmt_amount, mtr, tr, user
from bot.runtime.deps import Deps
from handlers import grammar as g
from handlers.context import Request
from models.infra.errors import Forbidden
from models.infra.outbox import dm_lane, enqueue
from models.infra.tables import User
from models.people.permissions import Actor, ScopeRefused, report_owner_ids, territory_report_refusal
from models.people.users import load_actor
from models.reporting.metrics import Lines, Period, build_report, current_period
from models.reporting.quotas import set_quota, target_period
from models.territories.admin import find_territory, territory_states

REPORT_USAGE = "/deal report [week|month|quarter] [@user|team|territory:<key>]"


async def report(deps: Deps, req: Request, cmd: g.Report, session: AsyncSession) -> replies.Message:
    actor = await load_actor(session, req.user_id, deps.ws.admin_ids)
    period = current_period(cmd.period, req.now, req.tz)
    if cmd.scope == "territory":
        return await _territory_report(deps, req, cmd, session, actor, period)
    try:
        owner_ids = report_owner_ids(actor, cmd.scope, cmd.user_id)
    except ScopeRefused as refusal:
        raise Forbidden(refusal.message, REPORT_USAGE) from None
    figures = await build_report(session, deps.ws.pipeline, period, owner_ids)
    label = await scope_label(session, req.user_id, cmd.scope, owner_ids, deps.ws.locale)
    await _queue_chart(req, session, period, label, owners=None if owner_ids is None else sorted(owner_ids))
    return report_message(figures, deps.ws.pipeline, scope_label=label, locale=deps.ws.locale,
                          chart_note=tr("The chart is on its way to your DM with Dealroom.", deps.ws.locale))


async def _territory_report(deps: Deps, req: Request, cmd: g.Report, session: AsyncSession, actor: Actor,
                            period: Period) -> replies.Message:
    """A territory's deals (models.metrics.Lines), for its manager (as it is now) and admins."""
    default = find_territory(deps.ws.pipeline.territories, cmd.territory or "")
    [state] = await territory_states(session, (default,))
    if refusal := territory_report_refusal(actor, state.territory.name, state.territory.manager):
        raise Forbidden(refusal, REPORT_USAGE)
    figures = await build_report(session, deps.ws.pipeline, period, Lines.of(state.territory))
    label = territory_scope_label(state.territory.name, deps.ws.locale)
    await _queue_chart(req, session, period, label, owners=None, territory=state.territory.key)
    return report_message(figures, deps.ws.pipeline, scope_label=label, locale=deps.ws.locale,
                          chart_note=tr("The chart is on its way to your DM with Dealroom.", deps.ws.locale),
                          scope_note=territory_report_note(state, deps.ws.locale))


async def _queue_chart(req: Request, session: AsyncSession, period: Period, label: str, *,
                       owners: list[str] | None, territory: str | None = None) -> None:
    # The chart is drawn at delivery from these parameters: the row stays small, Slack may be slow.
    lane = dm_lane(req.user_id)
    payload = {"user": req.user_id, "period": period.kind, "first_day": period.first_day.isoformat(),
               "tz": req.tz_name, "owners": owners, "scope": label}
    if territory is not None:
        payload["territory"] = territory
    await enqueue(session, lane=lane, kind="report_chart", now=req.now, payload=payload)
    req.lanes.append(lane)


async def scope_label(session: AsyncSession, caller: str, scope: str, owner_ids: frozenset[str] | None,
                      locale: str = "en") -> str:
    if owner_ids is None:
        return tr("everyone", locale)
    if len(owner_ids) == 1:
        (only,) = owner_ids
        if only == caller:
            return tr("you", locale)
        return await session.scalar(select(User.name).where(User.id == only)) or only
    return tr("your team", locale)


async def target(deps: Deps, req: Request, cmd: g.Target, session: AsyncSession) -> str:
    actor = await load_actor(session, req.user_id, deps.ws.admin_ids)
    period = target_period(cmd.period, now=req.now, tz=req.tz)
    previous = await set_quota(session, actor, cmd.user_id, period, cmd.amount, now=req.now)
    locale = deps.ws.locale
    values = {"user": user(cmd.user_id), "period": period_label(period, locale), "first": period.first_day.isoformat(),
              "last": period.last_day.isoformat(), "amount": fmt_amount(cmd.amount, locale)}
    if previous is not None:
        return mtr("Target for {user} for {period} ({first} to {last}): *{amount}* (was {previous}).", locale,
                   previous=fmt_amount(previous, locale), **values)
    return mtr("Target for {user} for {period} ({first} to {last}): *{amount}*.", locale, **values)
