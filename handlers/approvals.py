"""Approve / Reject on an approval card and the reason modal (SPEC 12); `/deal approvals` is a subcommand
(handlers/commands/lists.py).

The first decision wins (models.approvals); a later click is told privately who decided."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from sqlalchemy.orm.exc import StaleDataError

from bot.blocks import approvals as blocks
from bot.blocks import replies
from bot.blocks.ids import ActionId, BlockId, CallbackId, parse_deal_value
from bot.blocks.text import mtr, tr
from bot.delivery.gateway import SlackFailure
from bot.runtime.deps import Deps
from bot.runtime.runner import Unit, run_request
from handlers.replies import say_error, send
from models.approvals import requests as approvals
from models.deals import moves
from models.infra.errors import Conflict
from models.infra.i18n import N_, t
from models.people.users import load_actor

log = logging.getLogger(__name__)

OUT_OF_DATE = t("That approval button is out of date; /deal approvals shows the pending requests.")


def register(app: AsyncApp, deps: Deps) -> None:
    @app.action(ActionId.APPROVE.value)
    async def approve(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        if (request_id := await _request_of_button(deps, body, respond)) is None:
            return
        user_id = body["user"]["id"]
        await run_request(deps, user_id, lambda message: _say(deps, user_id, respond, message),
                          lambda unit: _decide(deps, unit, user_id, request_id, approve=True, reason=None,
                                               respond=respond, card=_card(body)), what="the Approve button")

    @app.action(ActionId.REJECT.value)
    async def reject(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        if (request_id := await _request_of_button(deps, body, respond)) is None:
            return
        user_id = body["user"]["id"]
        # at once, not after this person's earlier requests: the trigger_id lasts 3 s
        await run_request(deps, user_id, lambda message: _say(deps, user_id, respond, message),
                          lambda unit: _open_reason_form(deps, unit, body, user_id, request_id, respond),
                          what="the Reject button", in_turn=False)

    @app.view(CallbackId.REJECT_APPROVAL.value)
    async def rejected(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        reason = _reason(view)
        if not reason:
            await ack(response_action="errors",
                      errors={BlockId.REJECT_REASON.value: tr("Say why, for the owner.", deps.ws.locale)})
            return
        await ack()
        try:
            metadata = json.loads(view.get("private_metadata") or "{}")
            request_id = int(metadata["request"])
        except (ValueError, KeyError, TypeError):
            return
        card = metadata.get("card")
        card = (str(card[0]), str(card[1])) if isinstance(card, list) and len(card) == 2 else None
        user_id = body["user"]["id"]
        await run_request(deps, user_id, lambda message: _say(deps, user_id, None, message),
                          lambda unit: _decide(deps, unit, user_id, request_id, approve=False, reason=reason,
                                               respond=None, card=card), what="the Reject form")


async def _open_reason_form(deps: Deps, unit: Unit, body: dict[str, Any], user_id: str, request_id: int,
                            respond: AsyncRespond) -> None:
    async with unit.reading() as session:  # refused or decided already: say so now, not after the reason
        actor = await load_actor(session, user_id, deps.ws.admin_ids)
        _, deal = await approvals.check_decider(session, deps.ws, actor, request_id)
        ref = f"D-{deal.id} · {deal.title}"
    try:
        await deps.gateway.open_view(body["trigger_id"], blocks.reject_modal(request_id, ref, card=_card(body),
                                                                             locale=deps.ws.locale))
    except SlackFailure as failure:
        await say_error(respond, t("Slack would not open the form ({failure}). Try again in a moment.",
                                   failure=str(failure)), locale=deps.ws.locale)


def _card(body: dict[str, Any]) -> tuple[str, str] | None:
    """(channel, ts) of the clicked approval card; None for a click in an ephemeral list."""
    container = body.get("container") or {}
    if container.get("is_ephemeral") or not container.get("channel_id") or not container.get("message_ts"):
        return None
    return str(container["channel_id"]), str(container["message_ts"])


async def _decide(deps: Deps, unit: Unit, user_id: str, request_id: int, *, approve: bool, reason: str | None,
                  respond: AsyncRespond | None, card: tuple[str, str] | None = None) -> None:
    """Decide; a refusal changes nothing anyone sees (no card redrawn, nothing queued): the runner tells only
    the clicker."""
    try:
        async with unit.transaction() as session:
            actor = await load_actor(session, user_id, deps.ws.admin_ids)
            decided = await moves.decide(session, deps.ws, actor, request_id, approve=approve, reason=reason,
                                             now=deps.clock.now())
            number, status = decided.deal.id, decided.status
    except StaleDataError as exc:
        raise Conflict(t("Someone changed this deal at the same moment; nothing was decided. Try again.")) from exc
    if card is not None:  # the clicked card shows the request as it now is
        async with unit.transaction() as session:
            await approvals.card_clicked(session, request_id, user_id, channel=card[0], ts=card[1],
                                         now=deps.clock.now())
    await _say(deps, user_id, respond, replies.ok_reply(mtr(_DECIDED[status], deps.ws.locale, n=number)))


_DECIDED = {
    "approved": N_("Approved: D-{n} moves on; the owner is told."),
    "rejected": N_("Rejected: D-{n} stays where it is; the owner is told why."),
    "lapsed": N_("D-{n} has left the stage it was asked from, so the request lapsed; nothing moved."),
}


async def _say(deps: Deps, user_id: str, respond: AsyncRespond | None, message: replies.Message) -> None:
    if respond is not None:
        await send(respond, message)
        return
    try:  # after a modal there is no response_url: the bot's DM
        await deps.gateway.post(user_id, message.text, message.blocks)
    except SlackFailure as failure:
        log.warning("could not tell %s about an approval: %s", user_id, failure)


async def _request_of_button(deps: Deps, body: dict[str, Any], respond: AsyncRespond) -> int | None:
    try:
        return parse_deal_value(str((body.get("actions") or [{}])[0].get("value", "")))
    except ValueError:
        await say_error(respond, OUT_OF_DATE, locale=deps.ws.locale)
        return None


def _reason(view: dict[str, Any]) -> str:
    values = (view.get("state") or {}).get("values") or {}
    element = (values.get(BlockId.REJECT_REASON.value) or {}).get(BlockId.REJECT_REASON.value) or {}
    return str(element.get("value") or "").strip()

