"""Direct messages: a sentence of the domain (or a typed notice, or text rendered when it was queued, from
before), follow-up reminders and their Done/Snooze state, nudges, and the admins' alert about parked rows."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.blocks import reminders as reminder_blocks
from bot.blocks.text import message
from bot.blocks.words import body_mrkdwn
from bot.delivery.context import DeliveryContext, Renderer
from bot.delivery.gateway import SlackFailure
from bot.delivery.kinds.notices import compose
from models.followups.reminders import ReminderRef, is_current
from models.infra.tables import FollowUp

log = logging.getLogger(__name__)


async def dm(ctx: DeliveryContext) -> None:
    """A direct message. Payload {"user", "body": {"locale", "text"}}: the domain's sentence, worded now in the
    language it was written in; {"user", "blocks_kind", "data"}: a typed notice (bot/delivery/kinds/notices.py);
    {"user", "text", "blocks"}: rendered when it was queued (rows from before)."""
    payload = ctx.payload
    if payload.get("body"):
        said = message(body_mrkdwn(payload["body"]), [])
        await ctx.gateway.post(payload["user"], said.text, said.blocks)
        return
    if payload.get("blocks_kind"):
        notice = compose(payload["blocks_kind"], {**(payload.get("data") or {}), "user": payload["user"]}, ctx.ws)
        await ctx.gateway.post(payload["user"], notice.text, notice.blocks)
        return
    await ctx.gateway.post(payload["user"], payload.get("text") or "", payload.get("blocks") or [])


async def admin_alert(ctx: DeliveryContext) -> None:
    """A DM to one admin about messages the outbox had to park (models/infra/parked.py)."""
    await ctx.gateway.post(ctx.payload["user"], ctx.payload["text"])


async def reminder(ctx: DeliveryContext) -> None:
    payload = ctx.payload
    followup = await ctx.session.get(FollowUp, payload["followup"])
    ref = ReminderRef(payload["followup"], payload["which"], datetime.fromisoformat(payload["at"]))
    if ctx.deal is None or followup is None or not is_current(followup, ref):
        return  # done, snoozed or rescheduled since the reminder was taken: it has nothing to say
    said = reminder_blocks.reminder(
        ctx.brief(ctx.deal), followup_id=followup.id, text=followup.text,
        which=ref.which, at=ref.at, due_at=followup.due_at, late=bool(payload.get("late")),
        tz=await ctx.tz_of(payload["user"]), locale=ctx.locale,
    )
    await ctx.gateway.post(payload["user"], said.text, said.blocks)


async def reminder_state(ctx: DeliveryContext) -> None:
    """The reminder DM, updated in place once done or snoozed."""
    payload = ctx.payload
    followup = await ctx.session.get(FollowUp, payload["followup"])
    if ctx.deal is None or followup is None:
        return
    deal, tz = ctx.brief(ctx.deal), await ctx.tz_of(payload["user"])
    if payload["state"] == "done":
        said = reminder_blocks.reminder_done(deal, text=followup.text, by=payload["user"],
                                             at=datetime.fromisoformat(payload["at"]), tz=tz, locale=ctx.locale)
    else:
        said = reminder_blocks.reminder_snoozed(deal, text=followup.text,
                                                until=datetime.fromisoformat(payload["until"]),
                                                moved_due=bool(payload.get("moved_due")), tz=tz, locale=ctx.locale)
    try:
        await ctx.gateway.update(payload["channel"], payload["ts"], said.text, said.blocks)
    except SlackFailure as failure:
        if failure.error not in ("message_not_found", "cant_update_message", "channel_not_found"):
            raise
        log.info("reminder DM %s/%s not updated: %s", payload["channel"], payload["ts"], failure.error)


async def nudge(ctx: DeliveryContext) -> None:
    payload, deal = ctx.payload, ctx.deal
    if deal is None or deal.closed_at is not None:
        return
    if payload["what"] in ("sla_warning", "sla_missed") and deal.sla_met_at is not None:
        return  # the lead was contacted between the sweep and now
    pipeline = ctx.ws.pipeline
    stage = pipeline.stage(deal.stage_key) if deal.stage_key in pipeline else None
    said = reminder_blocks.nudge(
        payload["what"], ctx.brief(deal), sla_due_at=deal.sla_due_at,
        stale_days=stage.stale_after_days if stage else None,
        tz=await ctx.tz_of(payload["user"]), locale=ctx.locale,
    )
    await ctx.gateway.post(payload["user"], said.text, said.blocks)


KINDS: dict[str, Renderer] = {
    "dm": dm, "admin_alert": admin_alert, "reminder": reminder, "reminder_state": reminder_state, "nudge": nudge,
}
