"""A deal's channel: created (or adopted after a lost answer), the card pinned, the topic, invitations,
archived and brought back."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks import cards
from bot.delivery.context import DeliveryContext, Parked, Renderer
from bot.delivery.gateway import SlackFailure, SlackGateway
from models.deals.slugs import channel_name
from models.infra.tables import Deal
from models.people import channel_members

MAX_NAME_ATTEMPTS = 50


async def create_channel(ctx: DeliveryContext) -> None:
    deal = ctx.deal
    if deal is None:
        raise Parked("the deal no longer exists")
    if deal.channel_id is not None:
        return
    attempt = int(ctx.payload.get("attempt", 1))
    while attempt <= MAX_NAME_ATTEMPTS:
        name = channel_name(deal.id, deal.customer, deal.title, attempt)
        try:
            deal.channel_id = await ctx.gateway.create_channel(name, private=ctx.services.private_channels)
            deal.channel_name = name
            await channel_members.opened(ctx.session, deal.channel_id, await ctx.gateway.bot_user_id(),
                                         now=ctx.now())
            return
        except SlackFailure as failure:
            if failure.error != "name_taken":
                raise
        if await _adopt(ctx.session, ctx.gateway, deal, name):
            return
        attempt += 1
        ctx.row.payload = {**ctx.payload, "attempt": attempt}
    raise Parked("no free channel name")


async def _adopt(session: AsyncSession, gateway: SlackGateway, deal: Deal, name: str) -> bool:
    """A channel with our name that this bot created and no deal holds is ours from an attempt
    that Slack accepted but we could not record (a crash or a lost response)."""
    channel = await gateway.find_channel(name)
    if not channel or channel.get("is_archived") or channel.get("creator") != await gateway.bot_user_id():
        return False
    if await session.scalar(select(Deal.id).where(Deal.channel_id == channel["id"])) is not None:
        return False
    deal.channel_id, deal.channel_name = channel["id"], name
    return True


async def pin_card(ctx: DeliveryContext) -> None:
    deal, channel = ctx.require_channel()
    if deal.card_ts is None:
        raise Parked("the card was never posted")
    await ctx.gateway.pin(channel, deal.card_ts)  # already_pinned: skipped (bot/delivery/slack_errors.py)


async def set_topic(ctx: DeliveryContext) -> None:
    deal, channel = ctx.require_channel()
    await ctx.gateway.set_topic(channel, cards.channel_topic(await ctx.snapshot(deal), ctx.locale))


async def invite(ctx: DeliveryContext) -> None:
    _, channel = ctx.require_channel()
    bot = await ctx.gateway.bot_user_id()
    users = [u for u in ctx.payload.get("users", []) if u != bot]
    if not users:
        return
    try:
        await ctx.gateway.invite(channel, users)  # a user Slack will not invite: skipped, see SKIP_ERRORS
    except SlackFailure:
        # Slack names only the first refusal, and may have invited the others: who is in the
        # channel now is for Slack to say, the next time it matters.
        await channel_members.in_doubt(ctx.session, channel)
        raise
    await channel_members.invited(ctx.session, channel, users, now=ctx.now())


async def archive_channel(ctx: DeliveryContext) -> None:
    _, channel = ctx.require_channel()
    try:
        await ctx.gateway.archive(channel)
    except SlackFailure as failure:
        if failure.error != "already_archived":
            raise


async def unarchive_channel(ctx: DeliveryContext) -> None:
    _, channel = ctx.require_channel()
    try:
        await ctx.gateway.unarchive(channel)
    except SlackFailure as failure:
        if failure.error != "not_archived":
            raise
    if not ctx.services.private_channels:  # a public channel the bot may have left can be joined again
        await ctx.gateway.join(channel)


KINDS: dict[str, Renderer] = {
    "create_channel": create_channel, "pin_card": pin_card, "set_topic": set_topic, "invite": invite,
    "archive_channel": archive_channel, "unarchive_channel": unarchive_channel,
}
