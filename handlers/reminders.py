"""The buttons of a reminder DM: Done, Snooze 1 hour, Snooze 1 day.

The DM is updated in place (through the outbox) to say what happened; a click on a reminder that
was done or snoozed since is told so privately and changes nothing.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.blocks.ids import ActionId, parse_reminder_value
from bot.blocks.text import user
from bot.runtime.deps import Deps
from bot.runtime.runner import Unit, run_request
from handlers.replies import replying, say_error
from models.followups import reminders
from models.infra import effects
from models.infra.i18n import t
from models.people.users import load_actor
from models.values import format_when

OUT_OF_DATE = t("That reminder button is out of date; /deal list shows your follow-ups.")
SNOOZE_OF = {ActionId.SNOOZE_HOUR.value: "hour", ActionId.SNOOZE_DAY.value: "day"}


def register(app: AsyncApp, deps: Deps) -> None:
    async def clicked(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await run_request(deps, body["user"]["id"], replying(respond),
                          lambda unit: _answer(deps, unit, body, respond), what="a reminder button")

    for action_id in (ActionId.REMINDER_DONE, ActionId.SNOOZE_HOUR, ActionId.SNOOZE_DAY):
        app.action(action_id.value)(clicked)


async def _answer(deps: Deps, unit: Unit, body: dict[str, Any], respond: AsyncRespond) -> None:
    action = (body.get("actions") or [{}])[0]
    try:
        followup_id, which, at = parse_reminder_value(str(action.get("value", "")))
    except ValueError:
        await say_error(respond, OUT_OF_DATE, locale=deps.ws.locale)
        return
    user_id = body["user"]["id"]
    container = body.get("container") or {}
    tz = await deps.directory.tz_of(user_id)
    now = deps.clock.now()
    async with unit.transaction() as session:
        actor = await load_actor(session, user_id, deps.ws.admin_ids)
        length = SNOOZE_OF.get(action.get("action_id", ""))
        if length is None:
            done = await reminders.complete(session, actor, followup_id, now=now, locale=deps.ws.locale)
            if done.already:
                when = format_when(done.followup.done_at or now, tz, deps.ws.locale)
                if done.followup.done_by:
                    said = t("That follow-up was done already, by {by} ({when}).",
                             by=user(done.followup.done_by), when=when)
                else:
                    said = t("That follow-up was done already, by someone ({when}).", when=when)
                await say_error(respond, said, locale=deps.ws.locale)
                return
            deal_id, details = done.deal.id, {}
        else:
            snoozed = await reminders.snooze(session, deps.ws, actor,
                                             reminders.ReminderRef(followup_id, which, at), length,
                                             now=now, tz=tz)
            deal_id = snoozed.deal.id
            details = {"until": snoozed.until.isoformat(), "moved_due": snoozed.moved_due}
        if container.get("channel_id") and container.get("message_ts"):
            await effects.reminder_answered(
                session, user_id=user_id, deal_id=deal_id, followup_id=followup_id,
                channel=container["channel_id"], ts=container["message_ts"],
                state="done" if length is None else "snoozed", now=now, **details)
