"""A deal itself: `/deal new` (or its form), `set`, `info`, `history` (SPEC 3, 9)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks import cards, modals, timeline
from bot.blocks.text import Mrkdwn, escape, mtr, say, user
from bot.delivery.gateway import SlackFailure
from bot.runtime.deps import Deps
from bot.runtime.runner import Unit
from handlers.commands.common import EVERYONE, READERS, WRITERS, deal_for
from handlers.commands.spec import Created, Reply, Subcommand
from handlers.context import Request
from handlers.grammar import REF, DealRef, Free, Parsed, Parser, clip, plain_text
from handlers.replies import say_error, sentences, words
from models.deals import service as deals
from models.deals.queries import history, snapshot
from models.deals.service import FieldChanges
from models.infra.i18n import t
from models.infra.tables import Deal
from models.people.access import require_read
from models.people.users import load_actor

CHANNEL_WAIT_SECONDS = 2.0  # how long `/deal new` waits for Slack before saying the channel will follow


@dataclass(frozen=True)
class New:
    title: str | None = None
    amount: Decimal | None = None
    customer: str | None = None
    close_at: datetime | None = None
    owner_id: str | None = None
    source: str | None = None
    custom: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Set:
    ref: DealRef | None = None
    title: str | None = None
    amount: Decimal | None = None
    customer: str | None = None
    close_at: datetime | None = None
    source: str | None = None
    custom: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Info:
    ref: DealRef | None = None


@dataclass(frozen=True)
class History:
    ref: DealRef | None = None
    page: int = 1


# --- grammar ---------------------------------------------------------------------------------------


def _parse_new(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> New:
    o = parsed.options
    title = p.text(free) or None
    if "title" in o:
        if title:
            raise p.error(t("Give the title either as text or as title:, not both."))
        title = p.string("title", o["title"][0])
    return New(
        title=title,
        amount=p.amount(o["amount"][0]) if "amount" in o else None,
        customer=p.string("customer", o["customer"][0]) if "customer" in o else None,
        close_at=p.when(o["close"][0], future_only=False) if "close" in o else None,
        owner_id=p.user("owner", o["owner"][0]) if "owner" in o else None,
        source=p.string("source", o["source"][0]) if "source" in o else None,
        custom=p.custom_fields(parsed),
    )


def _parse_set(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> Set:
    if free:
        raise p.error(t(
            '/deal set takes only key:value changes, and I did not understand "{text}"; '
            'quote values with spaces, e.g. customer:"Acme Corp".', text=clip(p.text(free))
        ))
    o = parsed.options
    if not o:
        raise p.error(t("Say what to change, e.g. /deal set amount:150k."))
    return Set(
        ref=ref,
        title=p.string("title", o["title"][0]) if "title" in o else None,
        amount=p.amount(o["amount"][0]) if "amount" in o else None,
        customer=p.string("customer", o["customer"][0]) if "customer" in o else None,
        close_at=p.when(o["close"][0], future_only=False) if "close" in o else None,
        source=p.string("source", o["source"][0]) if "source" in o else None,
        custom=p.custom_fields(parsed),
    )


def _parse_info(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> Info:
    p.no_text(free)
    return Info(ref)


def _page(p: Parser, text: str) -> int:
    v = plain_text(text).strip().lower().removeprefix("page").strip()
    if not v.isascii() or not v.isdigit() or len(v) > 6 or int(v) < 1:
        raise p.error(t('The page must be a number from 1, not "{value}".', value=clip(text)))
    return int(v)


def _parse_history(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> History:
    o = parsed.options
    if free and "page" in o:
        p.no_text(free)
    if "page" in o:
        return History(ref, _page(p, o["page"][0]))
    if free:
        return History(ref, _page(p, p.text(free)))
    return History(ref, 1)


# --- use cases -------------------------------------------------------------------------------------


async def _new(deps: Deps, req: Request, cmd: New, session: AsyncSession) -> Reply:
    actor = await load_actor(session, req.user_id, deps.ws.admin_ids)
    changes = FieldChanges(title=cmd.title, amount=cmd.amount, customer=cmd.customer, close_at=cmd.close_at,
                           source=cmd.source, custom=cmd.custom)
    deal = await deals.create_deal(session, deps.ws, actor, changes, owner_id=cmd.owner_id, now=req.now)
    locale = deps.ws.locale
    said = [mtr("Created *D-{n}* {title}.", locale, n=deal.id, title=deal.title)]
    if cmd.custom:
        said.append(mtr("Custom fields: {fields}.", locale, fields=words(sorted(cmd.custom), locale)))
    if cmd.owner_id is None and deal.owner_id != req.user_id:  # a lead assignment rule chose the owner
        said.append(mtr("Assigned to {owner} by the lead assignment rules; they are told by DM.", locale,
                        owner=user(deal.owner_id)))
    return Created(deal.id, sentences(said, locale))


async def channel_outcome(deps: Deps, unit: Unit, created: Created) -> str:
    """Once `new` has committed: where its channel is, when Slack makes it within a moment."""
    locale = deps.ws.locale
    channel_id = await _wait_for_channel(unit, created.number)
    if channel_id:
        return sentences([created.text, mtr("Its channel: {channel}", locale, channel=Mrkdwn(f"<#{channel_id}>"))],
                         locale)
    return sentences([created.text, mtr("It is saved. Slack is not answering right now, so its channel and card "
                                        "will follow as soon as it does.", locale)], locale)


async def _wait_for_channel(unit: Unit, number: int) -> str | None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + CHANNEL_WAIT_SECONDS
    while True:
        async with unit.reading(wait_for_a_slot=False) as session:
            channel_id = (await session.get(Deal, number)).channel_id  # type: ignore[union-attr]
        if channel_id or loop.time() >= deadline:
            return channel_id
        await asyncio.sleep(0.05)


async def open_new_deal_form(deps: Deps, command: dict[str, Any], respond: AsyncRespond) -> None:
    if not command.get("trigger_id"):
        await say_error(respond, t("Give the deal a title."), NEW.usage, locale=deps.ws.locale)
        return
    try:
        await deps.gateway.open_view(command["trigger_id"],
                                     modals.new_deal_modal(channel_id=command.get("channel_id")))
    except SlackFailure as failure:
        await say_error(respond, t("Slack would not open the form ({failure}). Type the title instead.",
                                   failure=str(failure)), NEW.usage, locale=deps.ws.locale)


async def _set(deps: Deps, req: Request, cmd: Set, session: AsyncSession) -> Reply:
    actor, deal = await deal_for(deps, req, cmd.ref, session)
    changes = FieldChanges(title=cmd.title, amount=cmd.amount, customer=cmd.customer, close_at=cmd.close_at,
                           source=cmd.source, custom=cmd.custom)
    lines = await deals.set_fields(session, deps.ws, actor, deal, changes, now=req.now, tz_name=req.tz_name)
    return mtr("Updated D-{n}:", deps.ws.locale, n=deal.id) + "\n" + "\n".join(
        f"• {escape(say(line, deps.ws.locale))}" for line in lines)


async def _info(deps: Deps, req: Request, cmd: Info, session: AsyncSession) -> Reply:
    actor, deal = await deal_for(deps, req, cmd.ref, session)
    await require_read(session, actor, deal, here_channel_id=req.channel_id, now=req.now,
                       ask=deps.directory.channel_members)
    return cards.deal_card(await snapshot(session, deal, deps.ws.pipeline, now=req.now, locale=deps.ws.locale),
                           tz=req.tz, locale=deps.ws.locale)


async def _history(deps: Deps, req: Request, cmd: History, session: AsyncSession) -> Reply:
    actor, deal = await deal_for(deps, req, cmd.ref, session)
    await require_read(session, actor, deal, here_channel_id=req.channel_id, now=req.now,
                       ask=deps.directory.channel_members)
    items, has_more = await history(session, deal.id, page=cmd.page)
    deal_snapshot = await snapshot(session, deal, deps.ws.pipeline, now=req.now, locale=deps.ws.locale)
    return timeline.timeline_page(deal_snapshot, items, page=cmd.page, has_more=has_more, tz=req.tz,
                                  locale=deps.ws.locale)


# --- declarations ----------------------------------------------------------------------------------

NEW = Subcommand("new", New, _parse_new, _new,
                 usage="/deal new <title> [amount:<amount>] [customer:<name>] [close:<when>] [owner:@user] "
                       "[source:<source>] [<field>:<value>]",
                 example='/deal new Acme expansion amount:150k customer:"Acme Corp" close:2026-12-01',
                 permission=EVERYONE, options=frozenset({"amount", "customer", "close", "owner", "source", "title"}),
                 custom=True, ref=False, hint="new <title> amount:… customer:…")
SET = Subcommand("set", Set, _parse_set, _set,
                 usage=f"/deal set {REF} [amount:<amount>] [close:<when>] [customer:<name>] [source:<source>] "
                       '[title:"<title>"] [<field>:<value>]',
                 example="/deal set amount:1.5m discount:20", permission=WRITERS,
                 options=frozenset({"amount", "close", "customer", "source", "title"}), custom=True,
                 spaced_custom=True)
INFO = Subcommand("info", Info, _parse_info, _info, usage=f"/deal info {REF}", example="/deal info D-42",
                  permission=READERS)
HISTORY = Subcommand("history", History, _parse_history, _history, usage=f"/deal history {REF} [<page>]",
                     example="/deal history 2", permission=READERS, options=frozenset({"page"}))
