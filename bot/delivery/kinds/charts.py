"""The report chart (`report_chart`): drawn at delivery from the report's parameters and uploaded to the
person's DM with Slack's external upload flow."""

from __future__ import annotations

import asyncio
from datetime import date
from zoneinfo import ZoneInfo

from bot.blocks.report_labels import period_label
from bot.blocks.text import tr
from bot.delivery.context import DeliveryContext, Renderer
from models.infra.i18n import Text, render
from models.reporting.metrics import Lines, Scope, build_report, period_from


async def report_chart(ctx: DeliveryContext) -> None:
    from bot.blocks.charts import report_chart as draw  # matplotlib: loaded by the first chart, not at start

    payload, pipeline, locale = ctx.payload, ctx.ws.pipeline, ctx.locale
    period = period_from(payload["period"], date.fromisoformat(payload["first_day"]), ZoneInfo(payload["tz"]))
    owners = payload.get("owners")
    scope: Scope = None if owners is None else set(owners)
    if payload.get("territory"):  # a territory's lines are the pipeline file's (commands change people only)
        territory = next((t for t in pipeline.territories if t.key == payload["territory"]), None)
        scope = Lines.of(territory) if territory is not None else Lines(payload["territory"], ())
    report = await build_report(ctx.session, pipeline, period, scope)
    await ctx.session.commit()  # no transaction stays open while matplotlib draws or Slack answers
    title = f"{period_label(period, locale)} · {_scope(payload.get('scope'), locale) or tr('report', locale)}"
    png = await asyncio.to_thread(draw, report, pipeline, title=title, locale=locale)
    channel = await ctx.gateway.open_dm(payload["user"])
    await ctx.gateway.upload_file(
        channel, f"dealroom-report-{period.kind}-{period.first_day.isoformat()}.png", png,
        title=tr("Dealroom report: {title}", locale, title=title),
        comment=tr("Your report for {title}: funnel, and forecast against quota.", locale, title=title),
        alt_text=tr("Funnel and forecast against quota, {title}", locale, title=title),
    )


def _scope(scope: object, locale: str) -> str | None:
    """The scope's words: a sentence queued as data (Text.to_data()), worded now; or text worded in the
    workspace's language when the report was asked for."""
    if isinstance(scope, dict):
        return render(Text.from_data(scope), locale)
    return scope if isinstance(scope, str) else None


KINDS: dict[str, Renderer] = {"report_chart": report_chart}
