"""Card buttons: Next stage, Log note (opens a modal), and paging through a deal's history."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.blocks import modals, timeline
from bot.blocks.ids import ActionId, parse_deal_value, parse_history_value
from bot.delivery.gateway import SlackFailure
from bot.runtime.deps import Deps
from bot.runtime.runner import Unit, run_request
from handlers.commands.entry import execute
from handlers.commands.moves import Next
from handlers.context import Request
from handlers.grammar import DealRef
from handlers.replies import replying, say_error, send
from models.deals.queries import find_deal, history, snapshot
from models.infra.i18n import t
from models.people.access import require_edit, require_read
from models.people.users import load_actor

log = logging.getLogger(__name__)

OUT_OF_DATE = t("That button is out of date; run /deal info for a fresh card.")


def register(app: AsyncApp, deps: Deps) -> None:
    @app.action(ActionId.NEXT_STAGE.value)
    async def next_stage(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        if (number := await _deal_of_button(deps, body, respond)) is None:
            return

        async def work(unit: Unit) -> None:
            await execute(deps, unit, await _request(deps, body), Next(ref=DealRef(number=number)), respond)

        await run_request(deps, body["user"]["id"], replying(respond), work, what="the Next stage button")

    @app.action(ActionId.LOG_NOTE.value)
    async def log_note(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        if (number := await _deal_of_button(deps, body, respond)) is None:
            return
        # at once, not after this person's earlier requests: the trigger_id lasts 3 s
        await run_request(deps, body["user"]["id"], replying(respond),
                          lambda unit: _open_note_form(deps, unit, body, number, respond), what="the Log note button",
                          in_turn=False)

    @app.action(ActionId.OPEN_CHANNEL.value)
    async def open_channel(ack: AsyncAck) -> None:
        """A link button: Slack opens the channel itself, but still wants the click acked."""
        await ack()

    @app.action(ActionId.HISTORY_PAGE.value)
    async def history_page(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await run_request(deps, body["user"]["id"], replying(respond),
                          lambda unit: _history_page(deps, unit, body, respond), what="a history page button")


async def _open_note_form(deps: Deps, unit: Unit, body: dict[str, Any], number: int, respond: AsyncRespond) -> None:
    async with unit.reading() as session:  # at once (not in turn): no waiting for a slot either
        deal = await find_deal(session, number=number, channel_id=None, here_channel_id=None)
        actor = await load_actor(session, body["user"]["id"], deps.ws.admin_ids)
        await require_edit(session, actor, deal)
        title = deal.title
    try:
        await deps.gateway.open_view(body["trigger_id"], modals.log_note_modal(number, title))
    except SlackFailure as failure:
        await say_error(respond, t("Slack would not open the form ({failure}). Use /deal note instead.",
                                   failure=str(failure)), locale=deps.ws.locale)


async def _history_page(deps: Deps, unit: Unit, body: dict[str, Any], respond: AsyncRespond) -> None:
    try:
        number, page = parse_history_value(_button_value(body))
    except ValueError:
        await say_error(respond, OUT_OF_DATE, locale=deps.ws.locale)
        return
    req = await _request(deps, body)
    async with unit.reading() as session:
        deal = await find_deal(session, number=number, channel_id=None, here_channel_id=None)
        actor = await load_actor(session, req.user_id, deps.ws.admin_ids)
        await require_read(session, actor, deal, here_channel_id=req.channel_id, now=req.now,
                           ask=deps.directory.channel_members)
        items, has_more = await history(session, deal.id, page=page)
        picture = await snapshot(session, deal, deps.ws.pipeline, now=req.now, locale=deps.ws.locale)
    message = timeline.timeline_page(picture, items, page=page, has_more=has_more, tz=req.tz,
                                     locale=deps.ws.locale)
    ephemeral = bool((body.get("container") or {}).get("is_ephemeral"))
    await send(respond, message, replace_original=ephemeral)


async def _request(deps: Deps, body: dict[str, Any]) -> Request:
    user_id = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return Request(user_id=user_id, channel_id=channel, tz=await deps.directory.tz_of(user_id),
                   now=deps.clock.now(), trigger_id=body.get("trigger_id"))


def _button_value(body: dict[str, Any]) -> str:
    return str((body.get("actions") or [{}])[0].get("value", ""))


async def _deal_of_button(deps: Deps, body: dict[str, Any], respond: AsyncRespond) -> int | None:
    """The deal a card button names; a value we did not write gets a private word, not a crash."""
    try:
        return parse_deal_value(_button_value(body))
    except ValueError:
        await say_error(respond, OUT_OF_DATE, locale=deps.ws.locale)
        return None
