"""Modal submissions: a new deal, a note from the card. Input errors go back into the modal."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.blocks import replies
from bot.blocks.ids import BlockId, CallbackId
from bot.blocks.text import mtr, say, tr, truncate, user
from bot.delivery.gateway import SlackFailure
from bot.runtime.deps import Deps
from bot.runtime.runner import Tell, Unit, failure_message, message_of, run_request
from handlers.commands.activity import noted
from handlers.context import Request
from handlers.replies import sentences
from models.deals import service as deals
from models.deals.queries import find_deal
from models.deals.service import FieldChanges
from models.followups import activity
from models.infra.limits import TooLong
from models.people.users import load_actor
from models.values import InputError, parse_amount, parse_when

log = logging.getLogger(__name__)


def register(app: AsyncApp, deps: Deps) -> None:
    @app.view(CallbackId.NEW_DEAL.value)
    async def new_deal(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        what = "the New deal form"
        try:
            req = await _request(deps, body)
        except Exception as exc:  # the form stays open with what was typed, and says why
            await ack(response_action="errors", errors={BlockId.TITLE.value: _failure(exc, what, deps.ws.locale)})
            return
        errors: dict[str, str] = {}
        changes = _new_deal_changes(_values(view), req, deps.ws.locale, errors)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        origin = _metadata(view).get("channel_id")
        await run_request(deps, req.user_id, telling(deps, req.user_id, origin),
                          lambda unit: _create_deal(deps, unit, req, changes, origin=origin), what=what)

    @app.view(CallbackId.LOG_NOTE.value)
    async def log_note(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        what = "the Log note form"
        try:
            req = await _request(deps, body)
        except Exception as exc:
            await ack(response_action="errors", errors={BlockId.NOTE_TEXT.value: _failure(exc, what, deps.ws.locale)})
            return
        values = _values(view)
        next_at = None
        if values.get(BlockId.NOTE_NEXT):
            try:
                next_at = parse_when(values[BlockId.NOTE_NEXT], now=req.now, tz=req.tz, locale=deps.ws.locale)
            except InputError as exc:
                await ack(response_action="errors",
                          errors={BlockId.NOTE_NEXT.value: _field_error(exc, deps.ws.locale)})
                return
        await ack()
        number = int(_metadata(view).get("deal", 0))
        await run_request(deps, req.user_id, telling(deps, req.user_id, None),
                          lambda unit: _log_note(deps, unit, req, values, next_at, number=number), what=what)


async def _create_deal(deps: Deps, unit: Unit, req: Request, changes: FieldChanges, *, origin: str | None) -> None:
    async with unit.transaction() as session:
        actor = await load_actor(session, req.user_id, deps.ws.admin_ids)
        deal = await deals.create_deal(session, deps.ws, actor, changes, owner_id=None, now=req.now)
        number, title, owner = deal.id, deal.title, deal.owner_id
    locale = deps.ws.locale
    said = [mtr("Created *D-{n}* {title}. Its channel and card are on their way.", locale, n=number, title=title)]
    if owner != req.user_id:
        said.append(mtr("Assigned to {owner} by the lead assignment rules.", locale, owner=user(owner)))
    await _tell(deps, req.user_id, origin, replies.ok_reply(sentences(said, locale)))


async def _log_note(deps: Deps, unit: Unit, req: Request, values: dict[str, str], next_at: datetime | None, *,
                    number: int) -> None:
    async with unit.transaction() as session:
        deal = await find_deal(session, number=number, channel_id=None, here_channel_id=None)
        actor = await load_actor(session, req.user_id, deps.ws.admin_ids)
        followup = await activity.add_note(
            session, deps.ws, actor, deal, text=values.get(BlockId.NOTE_TEXT, ""),
            via=values.get(BlockId.NOTE_VIA) or None, next_at=next_at, now=req.now, caller_tz=req.tz_name)
        channel_id = deal.channel_id
    text = noted(number, followup.due_at if followup is not None else None, req, deps.ws.locale)
    await _tell(deps, req.user_id, channel_id, replies.ok_reply(text))


def _failure(exc: Exception, what: str, locale: str) -> str:
    """Under a field of the form: why nothing was saved (the modal has had no ack yet, so it stays open)."""
    message, _ = failure_message(exc, saved=False, what=what)
    return truncate(say(message, locale), 150)


def _new_deal_changes(values: dict[str, str], req: Request, locale: str, errors: dict[str, str]) -> FieldChanges:
    amount = close_at = None
    if values.get(BlockId.AMOUNT):
        try:
            amount = parse_amount(values[BlockId.AMOUNT])
        except InputError as exc:
            errors[BlockId.AMOUNT.value] = _field_error(exc, locale)
    if values.get(BlockId.CLOSE):
        try:
            close_at = parse_when(values[BlockId.CLOSE], now=req.now, tz=req.tz, locale=locale, future_only=False)
        except InputError as exc:
            errors[BlockId.CLOSE.value] = _field_error(exc, locale)
    title = (values.get(BlockId.TITLE) or "").strip()
    if not title:
        errors[BlockId.TITLE.value] = tr("A deal needs a title.", locale)
    changes = FieldChanges(title=title, amount=amount, customer=values.get(BlockId.CUSTOMER) or None,
                           close_at=close_at, source=values.get(BlockId.SOURCE) or None)
    try:
        deals.check_lengths(changes)
    except TooLong as exc:
        errors[_FIELD_BLOCKS.get(exc.field, BlockId.TITLE).value] = _field_error(exc, locale)
    return changes


_FIELD_BLOCKS = {"title": BlockId.TITLE, "customer": BlockId.CUSTOMER, "source": BlockId.SOURCE}


def _field_error(exc: Exception, locale: str) -> str:
    """An input error under a modal field (Slack shows at most 150 characters there)."""
    return truncate(say(message_of(exc), locale), 150)


def _values(view: dict[str, Any]) -> dict[str, str]:
    """block_id -> the entered value (text inputs and selects), stripped."""
    found: dict[str, str] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for element in actions.values():
            value = element.get("value")
            if value is None and element.get("selected_option"):
                value = element["selected_option"].get("value")
            if value:
                found[block_id] = str(value).strip()
    return found


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


async def _request(deps: Deps, body: dict[str, Any]) -> Request:
    """Modal input is checked before the ack (errors go back into the form), so no Slack call here."""
    user_id = body["user"]["id"]
    return Request(user_id=user_id, channel_id=None, tz=await deps.directory.known_tz_of(user_id),
                   now=deps.clock.now())


def telling(deps: Deps, user_id: str, channel_id: str | None) -> Tell:
    """Tell the person after a modal (which has no response_url): see :func:`_tell`."""
    return lambda message: _tell(deps, user_id, channel_id, message)


async def _tell(deps: Deps, user_id: str, channel_id: str | None, message: replies.Message) -> None:
    """A private word after a modal: ephemeral where the user was, else in their DM with the bot."""
    if channel_id:
        try:
            await deps.gateway.post_ephemeral(channel_id, user_id, message.text, message.blocks)
            return
        except SlackFailure:
            pass
    try:
        dm = (await deps.gateway.call("conversations.open", users=user_id))["channel"]["id"]
        await deps.gateway.post(dm, message.text, message.blocks)
    except SlackFailure as failure:
        log.warning("could not tell %s after a modal: %s", user_id, failure)
