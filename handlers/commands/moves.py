"""Stage moves: `/deal stage`, `next`, `won`, `lost` (SPEC 3; approvals SPEC 12)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks.stages import describe_stages
from bot.blocks.text import escape, mtr, say, tr
from bot.runtime.deps import Deps
from handlers.commands.common import WRITERS, deal_for
from handlers.commands.spec import Reply, Subcommand
from handlers.context import Request
from handlers.grammar import REF, DealRef, Free, Parsed, Parser
from handlers.replies import mentions
from models.deals import moves
from models.infra.i18n import N_, render, t
from models.pipeline.workspace import Workspace


@dataclass(frozen=True)
class Stage:
    ref: DealRef | None
    target: str


@dataclass(frozen=True)
class Next:
    ref: DealRef | None = None


@dataclass(frozen=True)
class Won:
    ref: DealRef | None = None
    amount: Decimal | None = None


@dataclass(frozen=True)
class Lost:
    ref: DealRef | None
    reason: str


# --- grammar ---------------------------------------------------------------------------------------


def _parse_stage(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> Stage:
    target = p.text(free)
    if not target:
        raise p.error(t("Say which stage to move to, e.g. /deal stage proposal."))
    return Stage(ref, target)


def _parse_next(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> Next:
    p.no_text(free)
    return Next(ref)


def _parse_won(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> Won:
    o = parsed.options
    amount = p.amount(o["amount"][0]) if "amount" in o else None
    if free:
        if amount is not None:
            p.no_text(free)
        amount = p.amount(p.text(free))  # "/deal won 150k" reads as amount:150k
    return Won(ref, amount)


def _parse_lost(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> Lost:
    reason = p.text(free)
    if not reason:
        raise p.error(t("Say why the deal was lost, e.g. /deal lost went with a competitor."))
    return Lost(ref, reason)


# --- use cases -------------------------------------------------------------------------------------


async def _stage(deps: Deps, req: Request, cmd: Stage, session: AsyncSession) -> Reply:
    actor, deal = await deal_for(deps, req, cmd.ref, session)
    move = await moves.move(session, deps.ws, actor, deal, moves.Named(cmd.target), now=req.now)
    return moved(deal.id, move, deps.ws.locale)


async def _next(deps: Deps, req: Request, cmd: Next, session: AsyncSession) -> Reply:
    actor, deal = await deal_for(deps, req, cmd.ref, session)
    move = await moves.move(session, deps.ws, actor, deal, moves.Next(), now=req.now)
    return moved(deal.id, move, deps.ws.locale)


async def _won(deps: Deps, req: Request, cmd: Won, session: AsyncSession) -> Reply:
    actor, deal = await deal_for(deps, req, cmd.ref, session)
    move = await moves.move(session, deps.ws, actor, deal, moves.Won(cmd.amount), now=req.now)
    return moved(deal.id, move, deps.ws.locale)


async def _lost(deps: Deps, req: Request, cmd: Lost, session: AsyncSession) -> Reply:
    actor, deal = await deal_for(deps, req, cmd.ref, session)
    move = await moves.move(session, deps.ws, actor, deal, moves.Lost(cmd.reason), now=req.now)
    return moved(deal.id, move, deps.ws.locale)


# --- the reply -------------------------------------------------------------------------------------

_MOVES = {
    "reopened": N_("Reopened D-{n}: {from_stage} → *{to_stage}* ({probability}%)."),
    "back": N_("Moved back D-{n}: {from_stage} → *{to_stage}* ({probability}%)."),
    "on": N_("Moved D-{n}: {from_stage} → *{to_stage}* ({probability}%)."),
}


def moved(deal_id: int, move: Any, locale: str) -> str:
    if isinstance(move, moves.Closed):
        text = moved(deal_id, move.move, locale)
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


def _stages(ws: Workspace, locale: str) -> str:
    """`/deal help stage` lists this workspace's stages."""
    return "\n\n" + tr("Stages:", locale) + "\n" + say(describe_stages(ws.pipeline, locale), locale)


# --- declarations ----------------------------------------------------------------------------------

STAGE = Subcommand("stage", Stage, _parse_stage, _stage, usage=f"/deal stage {REF} <stage>",
                   example="/deal stage proposal", permission=WRITERS, more_help=_stages, hint="stage <stage>")
NEXT = Subcommand("next", Next, _parse_next, _next, usage=f"/deal next {REF}", example="/deal next D-42",
                  permission=WRITERS)
WON = Subcommand("won", Won, _parse_won, _won, usage=f"/deal won {REF} [amount:<amount>]",
                 example="/deal won amount:145k", permission=WRITERS, options=frozenset({"amount"}))
LOST = Subcommand("lost", Lost, _parse_lost, _lost, usage=f"/deal lost {REF} <reason>",
                  example="/deal lost went with a competitor", permission=WRITERS)
