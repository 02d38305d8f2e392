"""`/deal`: ack at once, then, through the runner: parse, run the subcommand's use case in one
transaction, reply privately (what the transaction queued is delivered by the runner on commit)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.blocks import replies
from bot.runtime.deps import Deps
from bot.runtime.runner import Unit, run_request
from handlers.commands.deals import New, channel_outcome, open_new_deal_form
from handlers.commands.spec import Created
from handlers.commands.table import OFFERED, parse_command, subcommand_of
from handlers.context import Request
from handlers.replies import replying, send
from models.values import InputError


def register(app: AsyncApp, deps: Deps) -> None:
    @app.command("/deal")
    async def deal_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        text = command.get("text") or ""
        what = _what(text)
        if _asks_for_the_form(text, deps.clock.now()):
            # at once, not after this person's earlier requests: the trigger_id lasts 3 s
            await run_request(deps, command["user_id"], replying(respond),
                              lambda unit: open_new_deal_form(deps, command, respond), what=what, in_turn=False)
            return
        await run_request(deps, command["user_id"], replying(respond),
                          lambda unit: handle(deps, unit, command, respond), what=what)


def _what(text: str) -> str:
    """The request as the log names it: the subcommand, never what else the person typed."""
    first = text.split(maxsplit=1)[:1]
    return f"/deal {first[0]}" if first and first[0] in OFFERED else "/deal"


def _asks_for_the_form(text: str, now: datetime) -> bool:
    """`/deal new` without a title: a form opens instead (pure, no I/O: it runs before queueing)."""
    if text.split(maxsplit=1)[:1] != ["new"]:
        return False
    try:
        parsed = parse_command(text, now=now, tz=UTC, subcommands=OFFERED)
    except InputError:
        return False
    return isinstance(parsed, New) and not parsed.title


async def handle(deps: Deps, unit: Unit, command: dict[str, Any], respond: AsyncRespond) -> None:
    """Parse and run one `/deal`; a refusal or failure is told by the runner."""
    user_id = command["user_id"]
    req = Request(user_id=user_id, channel_id=command.get("channel_id"), tz=await deps.directory.tz_of(user_id),
                  now=deps.clock.now(), trigger_id=command.get("trigger_id"))
    parsed = parse_command(command.get("text") or "", now=req.now, tz=req.tz, locale=deps.ws.locale,
                           subcommands=OFFERED)
    await execute(deps, unit, req, parsed, respond)


async def execute(deps: Deps, unit: Unit, req: Request, parsed: Any, respond: AsyncRespond) -> None:
    """Run one parsed command in one transaction, then reply privately."""
    run = subcommand_of(parsed).run
    async with unit.transaction() as session:
        reply = await run(deps, req, parsed, session)
    if isinstance(reply, Created):
        reply = await channel_outcome(deps, unit, reply)
    await send(respond, reply if isinstance(reply, replies.Message) else replies.ok_reply(reply))

