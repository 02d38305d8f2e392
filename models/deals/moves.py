"""Moving a deal through the pipeline: the one way in for `/deal stage|next|won|lost`, the card's Next stage
button, a claim that reopens a lost deal, and an approval that lets a held move go ahead.

:func:`move` takes what the person asked for (:data:`Target`) and goes, in order:

1. resolve the target stage from what was typed (number, key, name in either language, prefix; next;
   won with an optional amount; lost, which needs a reason);
2. check the person may change the deal (models/people/access.py);
3. plan the move, pure (models/pipeline/transitions.py), and refuse what the pipeline does not allow;
4. gate it (models/approvals/gate.py): a move into a stage whose approval rules hold is asked for, not
   made; won and lost never wait, and end a pending request instead;
5. write it: the deal's stage, a stage change, the timeline, and what goes with it (models/deals/automation.py);
6. queue its Slack effects as outbox rows (models/infra/effects.py).

None of it commits: the caller owns the session. :func:`decide` is an approver's decision, which continues
the held move through the same write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from models.approvals import decisions, gate
from models.approvals.requests import LAPSED_LOST, LAPSED_WON, Asked, Decided, check_decider
from models.deals import automation
from models.infra import effects
from models.infra.errors import InputError, Refused
from models.infra.i18n import Text, t
from models.infra.tables import ApprovalRequest, Deal, StageChange
from models.infra.timeline import log
from models.infra.words import Money
from models.people.access import require_edit
from models.people.permissions import Actor
from models.people.users import role_invitees
from models.pipeline import Stage
from models.pipeline.transitions import Move, Refusal, facts_of, plan_close, plan_move, plan_next
from models.pipeline.workspace import Workspace

__all__ = ["Asked", "Closed", "Decided", "Lost", "Moved", "Named", "Next", "Target", "Won", "decide", "move"]

LOST_USAGE = "/deal lost <reason>"


# --------------------------------------------------------------------------- what was asked for


@dataclass(frozen=True)
class Named:
    """A stage as the person typed it: its number, key, name in either language, or a unique prefix."""

    text: str


@dataclass(frozen=True)
class Next:
    """The next open stage."""


@dataclass(frozen=True)
class Won:
    amount: Decimal | None = None  # the amount it was won at, when it differs from the deal's


@dataclass(frozen=True)
class Lost:
    reason: str | None = None  # required: kept for reports


Target = Named | Next | Won | Lost

#: A move made: the plan (models/pipeline/transitions.py), carried out.
Moved = Move


@dataclass(frozen=True)
class Closed:
    """A won/lost move (never held); `lapsed` is the pending request it ended, whose approvers are told."""

    move: Move
    lapsed: ApprovalRequest | None = None
    lapsed_to: Stage | None = None  # the stage the lapsed request asked for


# --------------------------------------------------------------------------- the use case


async def move(session: AsyncSession, ws: Workspace, actor: Actor, deal: Deal, to: Target, *,
               now: datetime) -> Moved | Asked | Closed:
    target = _resolve(ws, to)
    await require_edit(session, actor, deal)
    plan = _plan(ws, deal, target)
    if isinstance(plan, Refusal):
        raise Refused(plan.reason)
    if plan.to_stage.closed is not None:
        won_amount = to.amount if isinstance(to, Won) else None
        reason = to.reason if isinstance(to, Lost) else None
        await _write(session, ws, actor, deal, plan, now=now, reason=reason, won_amount=won_amount)
        return await _closed(session, ws, deal, plan, actor.user_id, now=now)
    if (asked := await gate.hold(session, ws, actor, deal, plan, now=now)) is not None:
        return asked
    await _write(session, ws, actor, deal, plan, now=now)
    return plan


async def decide(session: AsyncSession, ws: Workspace, actor: Actor, request_id: int, *, approve: bool,
                 now: datetime, reason: str | None = None) -> Decided:
    """An approver's decision (SPEC 12). Approved, the held move is made as asked by whoever asked for it."""
    request, deal = await check_decider(session, ws, actor, request_id)
    if not approve:
        return await decisions.reject(session, ws, actor, request, deal, reason=reason, now=now)
    go = await decisions.approve(session, ws, actor, request, deal, now=now)
    if isinstance(go, Decided):  # lapsed: the deal had left the stage it was asked from
        return go
    await _write(session, ws, Actor(user_id=request.requested_by), deal, go, now=now)
    return await decisions.approved(session, request, deal, go, now=now)


# --------------------------------------------------------------------------- steps


def _resolve(ws: Workspace, to: Target) -> Stage | None:
    """The stage asked for (None: the next one, planned from the deal). "Lost needs a reason" is checked here,
    for every way of losing a deal."""
    pipeline = ws.pipeline
    if isinstance(to, Next):
        return None
    if isinstance(to, Named):
        target = pipeline.resolve(to.text)
    elif isinstance(to, Won):
        if pipeline.won_stage is None:
            raise Refused(t("This pipeline has no won stage."))
        target = pipeline.won_stage
    else:
        if pipeline.lost_stage is None:
            raise Refused(t("This pipeline has no lost stage."))
        target = pipeline.lost_stage
    if target.closed == "lost" and not (isinstance(to, Lost) and to.reason and to.reason.strip()):
        raise InputError(t("Say why the deal was lost."), LOST_USAGE)
    return target


def _plan(ws: Workspace, deal: Deal, target: Stage | None) -> Move | Refusal:
    facts = facts_of(deal)
    if target is None:
        return plan_next(facts, ws.pipeline, locale=ws.locale)
    if target.closed is not None:
        return plan_close(facts, "won" if target.closed == "won" else "lost", ws.pipeline, locale=ws.locale)
    return plan_move(facts, target, ws.pipeline, locale=ws.locale)


async def _closed(session: AsyncSession, ws: Workspace, deal: Deal, move: Move, actor_id: str, *,
                  now: datetime) -> Closed:
    """Won and lost are never held (SPEC 12): a pending request lapses, since the deal leaves its stage;
    its approvers' cards lose their buttons and say so, the channel and the timeline are told."""
    why = LAPSED_WON if move.to_stage.closed == "won" else LAPSED_LOST
    lapsed = await decisions.lapse_pending(session, ws, deal, actor_id, now=now, why=why)
    to = ws.pipeline.stage(lapsed.to_stage) if lapsed is not None and lapsed.to_stage in ws.pipeline else None
    return Closed(move, lapsed, to)


async def _write(session: AsyncSession, ws: Workspace, actor: Actor, deal: Deal, move: Move, *, now: datetime,
                 reason: str | None = None, won_amount: Decimal | None = None) -> None:
    """The move, made: the deal's stage and its closing facts, a stage change, the timeline, what goes with
    it, and the cards, topic and invitations it brings."""
    if won_amount is not None:
        deal.amount = won_amount
    deal.stage_key = move.to_stage.key
    deal.updated_at = now
    if move.to_stage.closed is None:
        deal.last_open_stage_key = move.to_stage.key
        deal.closed_at = None
        deal.lost_reason = None
        deal.won_amount = None
    else:
        deal.closed_at = now
        deal.lost_reason = reason.strip() if move.to_stage.closed == "lost" and reason else None
        deal.won_amount = deal.amount if move.to_stage.closed == "won" else None
    change = StageChange(
        deal_id=deal.id, from_stage=move.from_stage.key, to_stage=move.to_stage.key, actor_id=actor.user_id,
        at=now, amount=deal.amount, probability=move.to_stage.probability, backward=move.backward,
    )
    session.add(change)
    log(session, deal, actor.user_id, _kind(move), _entry(move, deal), now, locale=ws.locale,
        data={"from": move.from_stage.key, "to": move.to_stage.key})
    await automation.before_move_effects(session, deal, move, now=now)
    await effects.stage_changed(session, deal, change, feed_channel=ws.feed_channel, now=now)
    await effects.invite(session, deal, await role_invitees(session, deal.owner_id, move.invite_roles), now=now)
    await automation.after_move_effects(session, ws, actor.user_id, deal, move, now=now)


def _kind(move: Move) -> str:
    return move.to_stage.closed or ("reopen" if move.reopen else "stage")


def _entry(move: Move, deal: Deal) -> Text:
    if move.to_stage.closed == "won":
        if deal.amount is not None:
            return t("won the deal at {amount}", amount=Money(deal.amount))
        return t("won the deal")
    if move.to_stage.closed == "lost":
        return t("marked the deal lost: {reason}", reason=deal.lost_reason)
    names = {"from": move.from_stage.word, "to": move.to_stage.word}
    if move.reopen:
        return t("reopened {from} → {to}", **names)
    if move.backward:
        return t("moved back {from} → {to}", **names)
    return t("moved {from} → {to}", **names)
