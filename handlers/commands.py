"""`/deal`: ack at once, parse, run the use case in one transaction, deliver, reply privately."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks import cards, modals, replies, timeline
from bot.blocks import pool as pool_blocks
from bot.blocks.stages import describe_stages
from bot.blocks.text import Mrkdwn, escape, mtr, say, tr, user
from bot.delivery.gateway import SlackFailure
from bot.runtime.deps import Deps
from handlers import approvals as approval_handlers
from handlers import grammar as g
from handlers import people, reports, territories
from handlers.context import Request
from handlers.replies import mentions, say_error, send, sentences, words
from handlers.runner import Tell, Unit, run_after_ack
from models.approvals import handover
from models.deals import moves, pool
from models.deals import service as deals
from models.deals.queries import find_deal, history, list_deals, snapshot
from models.deals.service import FieldChanges
from models.followups import activity
from models.infra.dms import enqueue_rendered_dm
from models.infra.errors import Forbidden
from models.infra.i18n import N_, pt, render, t
from models.infra.outbox import deal_lane, dm_lane
from models.infra.tables import Deal
from models.people.access import require_read
from models.people.permissions import list_refusal
from models.people.users import load_actor
from models.values import InputError, format_when

CHANNEL_WAIT_SECONDS = 2.0  # how long `/deal new` waits for Slack before saying the channel will follow


@dataclass(frozen=True)
class Created:
    """The reply to `new`, still to say where the channel is once Slack has answered."""

    number: int
    text: str


Reply = replies.Message | str | Created
Route = Callable[[Deps, Request, Any, AsyncSession], Awaitable[Reply]]


def register(app: AsyncApp, deps: Deps) -> None:
    @app.command("/deal")
    async def deal_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        what = _what(command.get("text") or "")
        if _asks_for_the_form(command.get("text") or "", deps.clock.now()):
            # at once, not after this person's earlier requests: the trigger_id lasts 3 s
            await run_after_ack(deps, command["user_id"], replying(respond),
                                lambda unit: _open_new_deal_form(deps, command, respond), what=what, in_turn=False)
            return
        await run_after_ack(deps, command["user_id"], replying(respond),
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
        parsed = g.parse_command(text, now=now, tz=UTC, subcommands=OFFERED)
    except InputError:
        return False
    return isinstance(parsed, g.New) and not parsed.title


async def handle(deps: Deps, unit: Unit, command: dict[str, Any], respond: AsyncRespond) -> None:
    """Parse and run one `/deal`; a refusal or failure is told by the runner."""
    user_id = command["user_id"]
    req = Request(user_id=user_id, channel_id=command.get("channel_id"), tz=await deps.directory.tz_of(user_id),
                  now=deps.clock.now(), trigger_id=command.get("trigger_id"))
    parsed = g.parse_command(command.get("text") or "", now=req.now, tz=req.tz, locale=deps.ws.locale,
                             subcommands=OFFERED)
    await execute(deps, unit, req, parsed, respond)


async def execute(deps: Deps, unit: Unit, req: Request, parsed: Any, respond: AsyncRespond) -> None:
    """Run one command in one transaction, deliver its Slack side effects, reply privately."""
    route = ROUTES[type(parsed)]
    async with unit.transaction() as session:
        reply = await route(deps, req, parsed, session)
    if req.lanes:
        deps.deliverer.kick(req.lanes)
    if isinstance(reply, Created):
        reply = await _channel_outcome(deps, reply)
    await send(respond, reply if isinstance(reply, replies.Message) else replies.ok_reply(reply))


def replying(respond: AsyncRespond) -> Tell:
    """Tell the person through the request's response_url (slash commands, buttons)."""
    return lambda message: send(respond, message)


# --- routes -------------------------------------------------------------------------------


async def _help(deps: Deps, req: Request, cmd: g.Help, session: AsyncSession) -> Reply:
    locale = deps.ws.locale
    text = g.help_text(cmd.topic, OFFERED, locale)
    if cmd.topic == "stage":
        text += "\n\n" + tr("Stages:", locale) + "\n" + say(describe_stages(deps.ws.pipeline, locale), locale)
    return replies.help_reply(escape(text))


async def _new(deps: Deps, req: Request, cmd: g.New, session: AsyncSession) -> Reply:
    actor = await load_actor(session, req.user_id, deps.ws.admin_ids)
    changes = FieldChanges(title=cmd.title, amount=cmd.amount, customer=cmd.customer, close_at=cmd.close_at,
                           source=cmd.source, custom=cmd.custom)
    deal = await deals.create_deal(session, deps.ws, actor, changes, owner_id=cmd.owner_id, now=req.now)
    req.lanes.append(deal_lane(deal.id))
    locale = deps.ws.locale
    said = [mtr("Created *D-{n}* {title}.", locale, n=deal.id, title=deal.title)]
    if cmd.custom:
        said.append(mtr("Custom fields: {fields}.", locale, fields=words(sorted(cmd.custom), locale)))
    if cmd.owner_id is None and deal.owner_id != req.user_id:  # a lead assignment rule chose the owner
        req.lanes.append(dm_lane(deal.owner_id))
        said.append(mtr("Assigned to {owner} by the lead assignment rules; they are told by DM.", locale,
                        owner=user(deal.owner_id)))
    return Created(deal.id, sentences(said, locale))


async def _channel_outcome(deps: Deps, created: Created) -> str:
    locale = deps.ws.locale
    channel_id = await _wait_for_channel(deps, created.number)
    if channel_id:
        return sentences([created.text, mtr("Its channel: {channel}", locale, channel=Mrkdwn(f"<#{channel_id}>"))],
                         locale)
    return sentences([created.text, mtr("It is saved. Slack is not answering right now, so its channel and card "
                                        "will follow as soon as it does.", locale)], locale)


async def _wait_for_channel(deps: Deps, number: int) -> str | None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + CHANNEL_WAIT_SECONDS
    while True:
        async with deps.sessions() as session:
            channel_id = (await session.get(Deal, number)).channel_id  # type: ignore[union-attr]
        if channel_id or loop.time() >= deadline:
            return channel_id
        await asyncio.sleep(0.05)


async def _open_new_deal_form(deps: Deps, command: dict[str, Any], respond: AsyncRespond) -> None:
    if not command.get("trigger_id"):
        await say_error(respond, t("Give the deal a title."), g.USAGE["new"], locale=deps.ws.locale)
        return
    try:
        await deps.gateway.open_view(command["trigger_id"],
                                     modals.new_deal_modal(channel_id=command.get("channel_id")))
    except SlackFailure as failure:
        await say_error(respond, t("Slack would not open the form ({failure}). Type the title instead.",
                                   failure=str(failure)), g.USAGE["new"], locale=deps.ws.locale)


async def _deal_for(deps: Deps, req: Request, cmd: Any, session: AsyncSession):  # type: ignore[no-untyped-def]
    ref = getattr(cmd, "ref", None)
    deal = await find_deal(session, number=ref.number if ref else None, channel_id=ref.channel_id if ref else None,
                           here_channel_id=req.channel_id)
    actor = await load_actor(session, req.user_id, deps.ws.admin_ids)
    req.lanes.append(deal_lane(deal.id))
    return actor, deal


_MOVES = {
    "reopened": N_("Reopened D-{n}: {from_stage} → *{to_stage}* ({probability}%)."),
    "back": N_("Moved back D-{n}: {from_stage} → *{to_stage}* ({probability}%)."),
    "on": N_("Moved D-{n}: {from_stage} → *{to_stage}* ({probability}%)."),
}


def _moved(deal_id: int, move: Any, locale: str) -> str:
    if isinstance(move, moves.Closed):
        text = _moved(deal_id, move.move, locale)
        if move.lapsed is not None:
            stage = escape(move.lapsed_to.display_name(locale) if move.lapsed_to else move.lapsed.to_stage)
            text += " " + render(t("The approval request to move it to *{stage}* lapsed; its approvers are told.",
                                   stage=stage), locale)
        return text
    if isinstance(move, moves.Asked):
        return mtr("D-{n} needs approval to move to *{stage}* ({conditions}). Asked {approvers} by DM; the deal "
                   "stays where it is until then.", locale, n=deal_id, stage=move.to_stage.display_name(locale),
                   conditions="; ".join(say(c, locale) for c in move.conditions),
                   approvers=mentions(move.approvers, locale))
    if move.to_stage.closed == "won":
        return mtr("D-{n} is won. Congratulations! :tada:", locale, n=deal_id)
    if move.to_stage.closed == "lost":
        return mtr("D-{n} is closed as lost. The reason is kept for reports.", locale, n=deal_id)
    which = "reopened" if move.reopen else ("back" if move.backward else "on")
    return mtr(_MOVES[which], locale, n=deal_id, from_stage=move.from_stage.display_name(locale),
               to_stage=move.to_stage.display_name(locale), probability=move.to_stage.probability)


def _kick(req: Request, move: Any) -> None:
    if isinstance(move, moves.Asked | moves.Closed):
        req.lanes.extend(move.lanes)


async def _stage(deps: Deps, req: Request, cmd: g.Stage, session: AsyncSession) -> Reply:
    actor, deal = await _deal_for(deps, req, cmd, session)
    move = await moves.move(session, deps.ws, actor, deal, moves.Named(cmd.target), now=req.now)
    _kick(req, move)
    return _moved(deal.id, move, deps.ws.locale)


async def _next(deps: Deps, req: Request, cmd: g.Next, session: AsyncSession) -> Reply:
    actor, deal = await _deal_for(deps, req, cmd, session)
    move = await moves.move(session, deps.ws, actor, deal, moves.Next(), now=req.now)
    _kick(req, move)
    return _moved(deal.id, move, deps.ws.locale)


async def _won(deps: Deps, req: Request, cmd: g.Won, session: AsyncSession) -> Reply:
    actor, deal = await _deal_for(deps, req, cmd, session)
    move = await moves.move(session, deps.ws, actor, deal, moves.Won(cmd.amount), now=req.now)
    _kick(req, move)
    return _moved(deal.id, move, deps.ws.locale)


async def _lost(deps: Deps, req: Request, cmd: g.Lost, session: AsyncSession) -> Reply:
    actor, deal = await _deal_for(deps, req, cmd, session)
    move = await moves.move(session, deps.ws, actor, deal, moves.Lost(cmd.reason), now=req.now)
    _kick(req, move)
    return _moved(deal.id, move, deps.ws.locale)


async def _set(deps: Deps, req: Request, cmd: g.Set, session: AsyncSession) -> Reply:
    actor, deal = await _deal_for(deps, req, cmd, session)
    changes = FieldChanges(title=cmd.title, amount=cmd.amount, customer=cmd.customer, close_at=cmd.close_at,
                           source=cmd.source, custom=cmd.custom)
    lines = await deals.set_fields(session, deps.ws, actor, deal, changes, now=req.now, tz_name=req.tz_name)
    return mtr("Updated D-{n}:", deps.ws.locale, n=deal.id) + "\n" + "\n".join(
        f"• {escape(say(line, deps.ws.locale))}" for line in lines)


async def _note(deps: Deps, req: Request, cmd: g.Note, session: AsyncSession) -> Reply:
    actor, deal = await _deal_for(deps, req, cmd, session)
    followup = await activity.add_note(session, deps.ws, actor, deal, text=cmd.text, via=cmd.via,
                                       next_at=cmd.next_at, now=req.now, caller_tz=req.tz_name)
    return noted(deal.id, followup.due_at if followup is not None else None, req, deps.ws.locale)


def noted(number: int, next_due: datetime | None, req: Request, locale: str) -> str:
    said = [mtr("Noted on D-{n}.", locale, n=number)]
    if next_due is not None:
        said.append(mtr("Next follow-up: {when}.", locale, when=format_when(next_due, req.tz, locale)))
    return sentences(said, locale)


async def _followup(deps: Deps, req: Request, cmd: g.FollowUp, session: AsyncSession) -> Reply:
    actor, deal = await _deal_for(deps, req, cmd, session)
    followup = await activity.add_followup(session, deps.ws, actor, deal, due_at=cmd.due_at, text=cmd.text,
                                           now=req.now, caller_tz=req.tz_name)
    locale = deps.ws.locale
    when = format_when(followup.due_at, req.tz, locale)
    if deal.owner_id == req.user_id:
        return mtr("Follow-up for you on D-{n}: {when} — {text}", locale, n=deal.id, when=when, text=followup.text)
    return mtr("Follow-up for {owner} on D-{n}: {when} — {text}", locale, owner=user(deal.owner_id), n=deal.id,
               when=when, text=followup.text)


async def _score(deps: Deps, req: Request, cmd: g.Score, session: AsyncSession) -> Reply:
    actor, deal = await _deal_for(deps, req, cmd, session)
    score = await activity.score_deal(session, deps.ws, actor, deal, budget=cmd.budget, authority=cmd.authority,
                                      need=cmd.need, timing_days=cmd.timing_days, now=req.now)
    locale = deps.ws.locale
    band = say(_BANDS[score.band], locale) if score.band in _BANDS else score.band
    parts = words([tr("{name} +{points}", locale, name=_BANT.get(name, name), points=points)
                   for name, points in score.parts.items() if points], locale)
    said = [mtr("D-{n} scores *{total}* ({band}): {parts}.", locale, n=deal.id, total=score.total, band=band,
                parts=parts) if parts else
            mtr("D-{n} scores *{total}* ({band}).", locale, n=deal.id, total=score.total, band=band)]
    if score.sla_hours:
        said.append(mtr("Contact within {hours} hours.", locale, hours=score.sla_hours))
    else:
        said.append(mtr("Nurture: re-score in 90 days.", locale))
    return sentences(said, locale)


_BANDS = {"high": pt("score band", "high"), "medium": pt("score band", "medium"), "low": pt("score band", "low")}
_BANT = {"budget": pt("score part", "budget"), "authority": pt("score part", "authority"),
         "need": pt("score part", "need"), "timing": pt("score part", "timing")}


async def _info(deps: Deps, req: Request, cmd: g.Info, session: AsyncSession) -> Reply:
    actor, deal = await _deal_for(deps, req, cmd, session)
    req.lanes.clear()
    await require_read(session, actor, deal, here_channel_id=req.channel_id, now=req.now,
                       ask=deps.directory.channel_members)
    return cards.deal_card(await snapshot(session, deal, deps.ws.pipeline, now=req.now, locale=deps.ws.locale),
                           tz=req.tz, locale=deps.ws.locale)


async def _history(deps: Deps, req: Request, cmd: g.History, session: AsyncSession) -> Reply:
    actor, deal = await _deal_for(deps, req, cmd, session)
    req.lanes.clear()
    await require_read(session, actor, deal, here_channel_id=req.channel_id, now=req.now,
                       ask=deps.directory.channel_members)
    items, has_more = await history(session, deal.id, page=cmd.page)
    deal_snapshot = await snapshot(session, deal, deps.ws.pipeline, now=req.now, locale=deps.ws.locale)
    return timeline.timeline_page(deal_snapshot, items, page=cmd.page, has_more=has_more, tz=req.tz,
                                  locale=deps.ws.locale)


async def _list(deps: Deps, req: Request, cmd: g.List, session: AsyncSession) -> Reply:
    actor = await load_actor(session, req.user_id, deps.ws.admin_ids)
    if refusal := list_refusal(actor, cmd.scope, cmd.user_id):
        raise Forbidden(refusal, "/deal list")
    found = await list_deals(session, actor, deps.ws.pipeline, scope=cmd.scope, user_id=cmd.user_id,
                             now=req.now, locale=deps.ws.locale)
    locale = deps.ws.locale
    title = mtr(_LIST_TITLES.get(cmd.scope, _LIST_TITLES["mine"]), locale)
    if cmd.scope == "user":
        title = mtr("Open deals of {user}", locale, user=user(cmd.user_id))
    return replies.deal_list_reply(found, tz=req.tz, locale=locale, title=title)


_LIST_TITLES = {"all": N_("All open deals"), "team": N_("Your team's open deals"), "mine": N_("Your open deals")}


async def _assign(deps: Deps, req: Request, cmd: g.Assign, session: AsyncSession) -> Reply:
    actor, deal = await _deal_for(deps, req, cmd, session)
    handed = await deals.assign(session, deps.ws, actor, deal, cmd.user_id, now=req.now)
    req.lanes.extend(handed.lanes)
    locale = deps.ws.locale
    said = [mtr("{user} now owns D-{n}; they are invited to the channel.", locale, user=user(cmd.user_id), n=deal.id)]
    return sentences([*said, *_handed_over(deps, handed)], locale)


_HANDOVERS = {
    handover.MOVED: N_("The approval request to move it to *{stage}* moved to {approvers}; they are asked by DM."),
    handover.LAPSED: N_("The approval request to move it to *{stage}* lapsed: no one is left to ask."),
    handover.KEPT: N_("The approval request to move it to *{stage}* still waits on {approvers}."),
}


def _handed_over(deps: Deps, handed: handover.Handover | None) -> list[str]:
    """What became of the deal's pending approval request when it changed hands (SPEC 12), if there was one."""
    if handed is None or handed.outcome is None:
        return []
    locale, pipeline = deps.ws.locale, deps.ws.pipeline
    stage = pipeline.stage(handed.to_stage).display_name(locale) if handed.to_stage in pipeline else handed.to_stage
    return [mtr(_HANDOVERS[handed.outcome], locale, stage=stage, approvers=mentions(handed.approvers, locale))]


async def _invite(deps: Deps, req: Request, cmd: g.Invite, session: AsyncSession) -> Reply:
    actor, deal = await _deal_for(deps, req, cmd, session)
    invited, unheld = await deals.invite(session, deps.ws, actor, deal, user_ids=cmd.user_ids, roles=cmd.roles,
                                         now=req.now)
    locale = deps.ws.locale
    parts = []
    if invited:
        parts.append(mtr("Invited {users} to D-{n}.", locale, users=mentions(invited, locale), n=deal.id))
    if unheld:
        parts.append(mtr("Nobody holds the role {roles} yet; an admin can add one with `/deal role @user {role}`.",
                         locale, roles=words(unheld, locale), role=unheld[0]))
    return sentences(parts, locale)


async def _pool(deps: Deps, req: Request, cmd: g.Pool, session: AsyncSession) -> Reply:
    page = await pool.pool_page(session, deps.ws.pipeline, locale=deps.ws.locale)
    return pool_blocks.pool_reply(page, tz=req.tz, locale=deps.ws.locale)


async def _claim(deps: Deps, req: Request, cmd: g.Claim, session: AsyncSession) -> Reply:
    actor, deal = await _deal_for(deps, req, cmd, session)
    claimed = await pool.claim(session, deps.ws, actor, deal, now=req.now)
    if claimed.former_owner_id != req.user_id:
        told = pool_blocks.claimed_dm(deal.id, deal.title, claimant_id=req.user_id, locale=deps.ws.locale)
        req.lanes.append(await enqueue_rendered_dm(session, claimed.former_owner_id, text=told.text,
                                                   blocks=told.blocks, now=req.now, deal_id=deal.id))
    locale = deps.ws.locale
    said = [mtr("You own D-{n} now; you are invited to its channel.", locale, n=deal.id)]
    if claimed.handover is not None:
        req.lanes.extend(claimed.handover.lanes)
        said += _handed_over(deps, claimed.handover)
    if isinstance(claimed.reopened, moves.Asked):
        _kick(req, claimed.reopened)
        asked = claimed.reopened
        said.append(mtr(
            "Reopening it at *{stage}* needs approval ({rules}): asked {approvers} by DM. It stays lost until then.",
            locale, stage=asked.to_stage.display_name(locale), rules="; ".join(asked.conditions),
            approvers=mentions(asked.approvers, locale)))
    elif claimed.reopened is not None:
        said.append(mtr("It is reopened at *{stage}*.", locale,
                        stage=claimed.reopened.to_stage.display_name(locale)))
    return sentences(said, locale)


ROUTES: dict[type, Route] = {
    g.Help: _help, g.New: _new, g.Stage: _stage, g.Next: _next, g.Set: _set, g.Note: _note,
    g.FollowUp: _followup, g.Won: _won, g.Lost: _lost, g.Score: _score, g.Info: _info, g.History: _history,
    g.List: _list, g.Assign: _assign, g.Invite: _invite,
    g.Pool: _pool, g.Claim: _claim, g.Role: people.role, g.Team: people.team,
    g.Approvals: approval_handlers.list_route, g.Territory: territories.territory,
}
ROUTES.update({g.Report: reports.report, g.Target: reports.target})
# The subcommands this version offers (the grammar knows some that later versions will add).
OFFERED = frozenset({"new", "stage", "next", "set", "note", "followup", "won", "lost", "score", "info", "history",
                     "list", "assign", "invite", "help", "pool", "claim", "role", "team", "report", "target",
                     "approvals", "territory"})

