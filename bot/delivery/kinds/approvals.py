"""Outbox rows of kind "approval" (SPEC 12), rendered from the request as it is at delivery: a card whose
request was decided meanwhile, or went to other approvers, shows that instead of buttons."""

from __future__ import annotations

import logging

from sqlalchemy import select

from bot.blocks import approvals as blocks
from bot.delivery.context import DeliveryContext, Renderer
from bot.delivery.gateway import SlackFailure, SlackGateway
from models.approvals.requests import info_of
from models.infra.tables import ApprovalCard, ApprovalRequest

log = logging.getLogger(__name__)


async def approval(ctx: DeliveryContext) -> None:
    payload = ctx.payload
    request = await ctx.session.get(ApprovalRequest, payload["request"])
    if request is None or ctx.deal is None:
        return
    what, recipient = payload["what"], payload.get("user")
    if what == "remind" and request.status != "pending":
        return  # decided since the reminder was taken: nothing to remind of
    info, deal, locale = info_of(request, ctx.ws), ctx.brief(ctx.deal), ctx.locale
    tz = await ctx.tz_of(recipient) if recipient else ctx.ws.default_tz
    if what == "card":  # the clicked card, redrawn in place
        message = blocks.request_card(info, deal, tz=tz, locale=locale, recipient=recipient)
        await _redraw(ctx.gateway, payload["channel"], payload["ts"], message)
        return
    if what in ("closed", "moved_card"):  # decided, expired, lapsed, or gone to others: the cards lose buttons
        message = blocks.request_card(info, deal, tz=tz, locale=locale, recipient=recipient)
        cards = await ctx.session.scalars(select(ApprovalCard).where(
            ApprovalCard.request_id == request.id, ApprovalCard.user_id == recipient).order_by(ApprovalCard.id))
        for card in cards:
            await _redraw(ctx.gateway, card.channel, card.ts, message)
        return
    if what in ("ask", "remind"):
        message = blocks.request_card(info, deal, tz=tz, locale=locale, reminder=what == "remind")
    else:
        message = blocks.outcome(what, info, deal, tz=tz, locale=locale)
    if recipient:
        channel, ts = await ctx.gateway.post_to(recipient, message.text, message.blocks)
        if what in ("ask", "remind") and request.status == "pending":  # a card with buttons: kept to redraw
            ctx.session.add(ApprovalCard(request_id=request.id, user_id=recipient, channel=channel, ts=ts))
    else:
        _, channel = ctx.require_channel()
        await ctx.gateway.post(channel, message.text, message.blocks)


async def _redraw(gateway: SlackGateway, channel: str, ts: str, message: blocks.Message) -> None:
    try:
        await gateway.update(channel, ts, message.text, message.blocks)
    except SlackFailure as failure:
        if failure.error not in ("message_not_found", "cant_update_message", "channel_not_found"):
            raise
        log.info("approval card %s/%s not updated: %s", channel, ts, failure.error)


KINDS: dict[str, Renderer] = {"approval": approval}
