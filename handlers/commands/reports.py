"""`/deal report` and `/deal target` (SPEC 8): figures from models.metrics, the chart by DM."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks import replies
from bot.blocks.report_labels import period_label
from bot.blocks.reports import report_message
from bot.blocks.territories import territory_report_note, territory_scope_label
from bot.blocks.text import fmt_amount, mtr, tr, user
from bot.runtime.deps import Deps
from handlers.commands.spec import Permission, Subcommand
from handlers.context import Request
from handlers.grammar import TERRITORY_KEY, DealRef, Free, Parsed, Parser, clip, plain_text, user_id
from models.infra.errors import Forbidden
from models.infra.i18n import N_, t
from models.infra.outbox import dm_lane, enqueue
from models.infra.tables import User
from models.people import permissions
from models.people.permissions import Actor, ScopeRefused, report_owner_ids, territory_report_refusal
from models.people.users import load_actor
from models.reporting.metrics import Lines, Period, build_report, current_period
from models.reporting.quotas import set_quota, target_period
from models.territories.admin import find_territory, territory_states

REPORT_USAGE = "/deal report [week|month|quarter] [@user|team|territory:<key>]"
PERIODS = ("week", "month", "quarter")


@dataclass(frozen=True)
class Report:
    period: str = "month"  # "week" | "month" | "quarter"
    scope: str = "default"  # "default" (by role) | "team" | "user" | "territory"
    user_id: str | None = None
    territory: str | None = None  # the key, with scope "territory"


@dataclass(frozen=True)
class Target:
    user_id: str
    period: str  # lowercased: week|month|quarter|year, or 2026, 2026-11, 2026-q4
    amount: Decimal


def _parse_report(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> Report:
    period: str | None = None
    scope, who = "default", None
    for token in free:
        uid = user_id(token.raw)
        said = plain_text(token.value).strip().lower()
        if said in PERIODS and period is None:
            period = said
        elif (uid or said == "team") and scope == "default":
            scope, who = ("user", uid) if uid else ("team", None)
        else:
            raise p.error(t('I did not understand "{value}" in a report; give a period and a scope.',
                            value=clip(token.raw)))
    if "territory" in parsed.options:
        key = plain_text(parsed.options["territory"][0]).strip()
        if scope != "default" or not TERRITORY_KEY.fullmatch(key):
            raise p.error(t("Give one scope: @user, team or territory:<key> (e.g. territory:emea)."))
        return Report(period or "month", "territory", None, key)
    return Report(period or "month", scope, who)


_TARGET_PERIOD = re.compile(r"week|month|quarter|year|\d{4}(?:-(?:0?[1-9]|1[0-2]|q[1-4]))?")


def _parse_target(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> Target:
    if len(free) != 3 or user_id(free[0].raw) is None:
        raise p.error(t("Give a @mention, a period and an amount, e.g. /deal target @alice quarter 500k."))
    period = plain_text(free[1].value).strip().lower()
    if not _TARGET_PERIOD.fullmatch(period):
        raise p.error(t('The period must be week, month, quarter, year, or like 2026, 2026-11, 2026-q4; not "{value}".',
                        value=clip(period)))
    return Target(str(user_id(free[0].raw)), period, p.amount(free[2].value))


async def report(deps: Deps, req: Request, cmd: Report, session: AsyncSession) -> replies.Message:
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


async def _territory_report(deps: Deps, req: Request, cmd: Report, session: AsyncSession, actor: Actor,
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


async def target(deps: Deps, req: Request, cmd: Target, session: AsyncSession) -> str:
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


# Whose report: by role with no scope (report_owner_ids), a territory's for its manager and admins
# (territory_report_refusal); a target, for the person's manager or an admin (quota_refusal).
REPORT = Subcommand("report", Report, _parse_report, report, usage=REPORT_USAGE,
                    example="/deal report quarter team",
                    permission=Permission((report_owner_ids, territory_report_refusal), "everyone"),
                    options=frozenset({"territory"}), ref=False,
                    notes=N_("No scope: yours as a rep, your team as a manager, everyone as an admin. `team`, `@user`, "
                             "or `territory:<key>`: the deals whose region/industry/product match that territory (its "
                             "manager and admins)."))
TARGET = Subcommand("target", Target, _parse_target, target, usage="/deal target @user <period> <amount>",
                    example="/deal target @alice quarter 500k",
                    permission=Permission((permissions.quota_refusal,), "by scope"), ref=False)
