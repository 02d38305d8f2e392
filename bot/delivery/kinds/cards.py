"""The deal's cards in its channel: the pinned card (posted once, updated as the deal changes), stage-change
cards (also in the feed), the won card, the newcomer's welcome, and a channel message queued ready-made."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from bot.blocks import cards
from bot.delivery.context import DeliveryContext, Renderer
from models.deals.queries import history, stage_info
from models.deals.snapshots import DealSnapshot, StageChangeInfo
from models.values import zone

WELCOME_ITEMS = 8
CARD_EVENT = "dealroom_card"  # message metadata that lets a retry find a card Slack already took
STAGE_EVENT = "dealroom_stage"


async def post_card(ctx: DeliveryContext) -> None:
    deal, channel = ctx.require_channel()
    if deal.card_ts is not None:
        return
    mark = {"deal_id": deal.id}
    if await ctx.tried_before() and (found := await ctx.gateway.find_own_message(channel, CARD_EVENT, mark)):
        deal.card_ts = found  # Slack took it before a crash or a lost answer
        return
    message = cards.deal_card(await ctx.snapshot(deal), tz=ctx.ws.default_tz, locale=ctx.locale)
    deal.card_ts = await ctx.gateway.post(channel, message.text, message.blocks,
                                          metadata={"event_type": CARD_EVENT, "event_payload": mark})


async def update_card(ctx: DeliveryContext) -> None:
    deal, channel = ctx.require_channel()
    if deal.card_ts is None:
        return  # the pending post_card renders the current state
    message = cards.deal_card(await ctx.snapshot(deal), tz=ctx.ws.default_tz, locale=ctx.locale)
    await ctx.gateway.update(channel, deal.card_ts, message.text, message.blocks)


async def stage_card(ctx: DeliveryContext) -> None:
    deal, own_channel = ctx.require_channel()
    payload, pipeline, locale = ctx.payload, ctx.ws.pipeline, ctx.locale
    deal_now = await ctx.snapshot(deal)
    from_key = payload.get("from")
    change = StageChangeInfo(
        deal=_with_amount(deal_now, payload.get("amount")),
        from_stage=stage_info(pipeline.stage(from_key), locale) if from_key is not None and from_key in pipeline
        else None,
        to_stage=stage_info(pipeline.stage(payload["to"]), locale),
        actor_id=payload["actor"], at=datetime.fromisoformat(payload["at"]), backward=bool(payload.get("backward")),
    )
    feed = payload.get("channel")
    target = feed or own_channel
    mark = {"deal_id": deal.id, "outbox_id": ctx.row.id}
    if await ctx.tried_before() and await ctx.gateway.find_own_message(target, STAGE_EVENT, mark):
        return
    message = cards.stage_change_card(change, tz=ctx.ws.default_tz, locale=locale, for_feed=bool(feed))
    await ctx.gateway.post(target, message.text, message.blocks,
                           metadata={"event_type": STAGE_EVENT, "event_payload": mark})


def _with_amount(deal: DealSnapshot, amount: str | None) -> DealSnapshot:
    """The deal as it is now, with the amount it had at the moment of the change."""
    return replace(deal, amount=Decimal(amount) if amount is not None else None)


async def won_card(ctx: DeliveryContext) -> None:
    deal, channel = ctx.require_channel()
    payload = ctx.payload
    message = cards.won_card(
        await ctx.snapshot(deal), actor_id=payload["actor"],
        amount=Decimal(payload["amount"]) if payload.get("amount") is not None else None,
        handoff_at=datetime.fromisoformat(payload["handoff_at"]),
        checkin_at=datetime.fromisoformat(payload["checkin_at"]), cs_ids=payload.get("cs") or [],
        tz=zone(payload.get("tz"), ctx.ws.default_tz), locale=ctx.locale,
    )
    await ctx.gateway.post(channel, message.text, message.blocks)


async def welcome(ctx: DeliveryContext) -> None:
    deal, channel = ctx.require_channel()
    if ctx.payload["user"] == await ctx.gateway.bot_user_id():
        return
    items, has_more = await history(ctx.session, deal.id, page=1)
    message = cards.welcome_card(await ctx.snapshot(deal), items[:WELCOME_ITEMS], tz=ctx.ws.default_tz,
                                 locale=ctx.locale, has_more=has_more or len(items) > WELCOME_ITEMS)
    await ctx.gateway.post_ephemeral(channel, ctx.payload["user"], message.text, message.blocks)


async def post_message(ctx: DeliveryContext) -> None:
    """A message in the deal's channel: payload {"text", "blocks"} rendered when it was queued (rows from
    before typed notices, bot/delivery/kinds/notices.py)."""
    _, channel = ctx.require_channel()
    await ctx.gateway.post(channel, ctx.payload.get("text") or "", ctx.payload.get("blocks") or [])


KINDS: dict[str, Renderer] = {
    "post_card": post_card, "update_card": update_card, "stage_card": stage_card, "won_card": won_card,
    "welcome": welcome, "post_message": post_message,
}
