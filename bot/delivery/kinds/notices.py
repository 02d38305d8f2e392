"""Typed notices (bot/delivery/events.py) worded at delivery: the daily digest, the weekly reports, the monthly
review, a territory's digest, and the public pool's notices. Each is composed from the row's data alone
(:func:`compose`), then posted to the person it is for, or in the deal's channel when it names nobody."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.blocks import pool as pool_blocks
from bot.blocks.digests import daily_digest_message, team_weekly_message, weekly_message
from bot.blocks.reports import report_message
from bot.blocks.territories import territory_digest_message
from bot.blocks.text import Message, tr
from bot.delivery import events
from bot.delivery.context import DeliveryContext, Renderer
from bot.delivery.events import from_data
from models.pipeline.workspace import Workspace
from models.reporting.digests import DailyDigest, WeeklyReport
from models.reporting.metrics import Report
from models.reporting.territory_digest import TerritoryDigest
from models.values import zone

Compose = Callable[[dict[str, Any], Workspace], Message]


def _daily(data: dict[str, Any], ws: Workspace) -> Message:
    return daily_digest_message(from_data(DailyDigest, data["digest"]), ws.pipeline,
                                tz=zone(data["tz"], ws.default_tz), locale=ws.locale)


def _weekly(data: dict[str, Any], ws: Workspace) -> Message:
    return weekly_message(from_data(WeeklyReport, data["report"]), ws.pipeline,
                          tz=zone(data["tz"], ws.default_tz), locale=ws.locale)


def _team_weekly(data: dict[str, Any], ws: Workspace) -> Message:
    reports = [from_data(WeeklyReport, report) for report in data["reports"]]
    return team_weekly_message(data["user"], reports, ws.pipeline, locale=ws.locale)


def _monthly(data: dict[str, Any], ws: Workspace) -> Message:
    return report_message(from_data(Report, data["report"]), ws.pipeline,
                          scope_label=tr("your team · monthly review", ws.locale), locale=ws.locale)


def _territory(data: dict[str, Any], ws: Workspace) -> Message:
    return territory_digest_message(from_data(TerritoryDigest, data["digest"]), locale=ws.locale)


def _pool(data: dict[str, Any], ws: Workspace) -> Message:
    what, locale = data["what"], ws.locale
    if what == "warning":
        return pool_blocks.pool_warning_dm(data["number"], data["title"],
                                           last_update=datetime.fromisoformat(data["last_update"]),
                                           pool_at=datetime.fromisoformat(data["pool_at"]),
                                           tz=zone(data["tz"], ws.default_tz), locale=locale)
    if what == "pooled":
        return pool_blocks.pooled_dm(data["number"], data["title"], days=data["days"], locale=locale)
    if what == "claimed":
        return pool_blocks.claimed_dm(data["number"], data["title"], claimant_id=data["claimant"], locale=locale)
    if what == "archive":
        return pool_blocks.archive_notice(days=data["days"], locale=locale)
    raise ValueError(f"unknown pool notice {what!r}")


COMPOSERS: dict[str, Compose] = {
    events.DAILY_DIGEST: _daily, events.WEEKLY_REPORT: _weekly, events.TEAM_WEEKLY_REPORT: _team_weekly,
    events.MONTHLY_REVIEW: _monthly, events.TERRITORY_DIGEST: _territory, events.POOL_NOTICE: _pool,
}


def compose(kind: str, data: dict[str, Any], ws: Workspace) -> Message:
    """The message of a notice, in the workspace's language."""
    return COMPOSERS[kind](data, ws)


async def deliver(ctx: DeliveryContext) -> None:
    message = compose(ctx.row.kind, ctx.payload, ctx.ws)
    target = ctx.payload.get("user") or ctx.require_channel()[1]
    await ctx.gateway.post(target, message.text, message.blocks)


KINDS: dict[str, Renderer] = dict.fromkeys(COMPOSERS, deliver)
