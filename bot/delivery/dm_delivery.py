"""The report chart outbox kind (`report_chart`): drawn at delivery from the report's parameters and
uploaded to the person's DM with Slack's external upload flow."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.blocks.report_labels import period_label
from bot.blocks.text import tr
from models.reporting.metrics import Lines, Scope, build_report, period_from

if TYPE_CHECKING:
    from bot.delivery.outbox import Deliverer, DeliveryContext


async def deliver_report_chart(deliverer: Deliverer, ctx: DeliveryContext) -> None:
    from bot.blocks.charts import report_chart

    payload = ctx.row.payload
    period = period_from(payload["period"], date.fromisoformat(payload["first_day"]), ZoneInfo(payload["tz"]))
    owners = payload.get("owners")
    scope: Scope = None if owners is None else set(owners)
    if payload.get("territory"):  # a territory's lines are the pipeline file's (commands change people only)
        territory = next((t for t in deliverer.ws.pipeline.territories if t.key == payload["territory"]), None)
        scope = Lines.of(territory) if territory is not None else Lines(payload["territory"], ())
    report = await build_report(ctx.session, deliverer.ws.pipeline, period, scope)
    await ctx.session.commit()  # no transaction stays open while matplotlib draws or Slack answers
    locale = deliverer.ws.locale
    # the scope was worded in the workspace's language when the report was asked for
    title = f"{period_label(period, locale)} · {payload.get('scope') or tr('report', locale)}"
    png = await asyncio.to_thread(report_chart, report, deliverer.ws.pipeline, title=title, locale=locale)
    channel = await deliverer.gateway.open_dm(payload["user"])
    await deliverer.gateway.upload_file(
        channel, f"dealroom-report-{period.kind}-{period.first_day.isoformat()}.png", png,
        title=tr("Dealroom report: {title}", locale, title=title),
        comment=tr("Your report for {title}: funnel, and forecast against quota.", locale, title=title),
        alt_text=tr("Funnel and forecast against quota, {title}", locale, title=title),
    )
