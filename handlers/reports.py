"""`/deal report` and `/deal target` (SPEC 8): figures from models.metrics, the chart by DM."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks import replies
from bot.blocks.report_labels import period_label
from bot.blocks.reports import report_message
from bot.blocks.text import fmt_amount, mtr, tr, user
from bot.container import Deps
from handlers import grammar as g
from handlers.context import Request
from models.errors import Forbidden
from models.metrics import build_report, current_period
from models.outbox import dm_lane, enqueue
from models.people import load_actor
from models.permissions import report_owner_ids
from models.quotas import set_quota, target_period
from models.tables import User

REPORT_USAGE = "/deal report [week|month|quarter] [@user|team]"


async def report(deps: Deps, req: Request, cmd: g.Report, session: AsyncSession) -> replies.Message:
    actor = await load_actor(session, req.user_id, deps.ws.admin_ids)
    try:
        owner_ids = report_owner_ids(actor, cmd.scope, cmd.user_id)
    except ValueError as refusal:
        raise Forbidden(g.message_of(refusal), REPORT_USAGE) from None
    period = current_period(cmd.period, req.now, req.tz)
    figures = await build_report(session, deps.ws.pipeline, period, owner_ids)
    label = await scope_label(session, req.user_id, cmd.scope, owner_ids, deps.ws.locale)
    lane = dm_lane(req.user_id)
    # The chart is drawn at delivery from these parameters: the row stays small, Slack may be slow.
    await enqueue(session, lane=lane, kind="report_chart", now=req.now, payload={
        "user": req.user_id, "period": period.kind, "first_day": period.first_day.isoformat(), "tz": req.tz_name,
        "owners": None if owner_ids is None else sorted(owner_ids), "scope": label,
    })
    req.lanes.append(lane)
    return report_message(figures, deps.ws.pipeline, scope_label=label, locale=deps.ws.locale,
                          chart_note=tr("The chart is on its way to your DM with Dealroom.", deps.ws.locale))


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
