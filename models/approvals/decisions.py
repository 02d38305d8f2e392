"""How a request leaves "pending" (SPEC 12): rejected, approved, or lapsed; each once.

A request leaves "pending" by one conditional UPDATE: the first decision wins, whatever the number of
approvers clicking or processes sweeping. An approval continues the held move: :func:`approve` checks it
may still be made and returns it, models/deals/moves.py writes it, then :func:`approved` tells everyone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models.approvals.requests import (
    LAPSED_LEFT,
    PENDING,
    AlreadyDecided,
    Decided,
    already_text,
    card_dm,
    pending_of,
    stage_word,
)
from models.infra import effects
from models.infra.db import rows_changed
from models.infra.errors import Refused
from models.infra.i18n import Text, t
from models.infra.outbox import deal_lane, enqueue
from models.infra.tables import ApprovalRequest, Deal
from models.infra.timeline import log
from models.people.permissions import Actor
from models.pipeline.transitions import Move, Refusal, facts_of, plan_move
from models.pipeline.workspace import Workspace


async def reject(session: AsyncSession, ws: Workspace, actor: Actor, request: ApprovalRequest, deal: Deal, *,
                 reason: str | None, now: datetime) -> Decided:
    reason = (reason or "").strip()
    if not reason:
        raise Refused(t("A rejection needs a reason, for the owner to read."))
    await _close(session, request, deal, "rejected", actor.user_id, now=now, reason=reason)
    log(session, deal, actor.user_id, "approval",
        t("rejected {from} → {to}: {reason}", **{"from": stage_word(ws, request.from_stage)},
          to=stage_word(ws, request.to_stage), reason=reason),
        now, locale=ws.locale, data={"request": request.id, "step": "rejected"})
    await _tell_outcome(session, request, deal, "rejected", now=now)
    await _retire_cards(session, request, now=now)
    await effects.refresh_card(session, deal, now=now)
    return Decided(request, deal, "rejected")


async def approve(session: AsyncSession, ws: Workspace, actor: Actor, request: ApprovalRequest, deal: Deal, *,
                  now: datetime) -> Move | Decided:
    """The held move, approved, for the caller to make (then :func:`approved`); or the request lapsed,
    the deal having left the stage it was asked from. Refused while the stage's requirements are unmet."""
    target = ws.pipeline.stage(request.to_stage) if request.to_stage in ws.pipeline else None
    if deal.stage_key != request.from_stage or target is None:
        await lapse(session, ws, request, deal, actor.user_id, now=now, why=LAPSED_LEFT)
        return Decided(request, deal, "lapsed")
    plan = plan_move(facts_of(deal), target, ws.pipeline, locale=ws.locale)
    if isinstance(plan, Refusal):  # the stage's requirements are checked again at approval
        raise Refused(t("D-{number} can't move to {stage} yet: {reason} The request stays open.", number=deal.id,
                        stage=target.word, reason=plan.reason))
    await _close(session, request, deal, "approved", actor.user_id, now=now)
    log(session, deal, actor.user_id, "approval",
        t("approved {from} → {to}", **{"from": plan.from_stage.word}, to=target.word),
        now, locale=ws.locale, data={"request": request.id, "step": "approved"})
    return plan


async def approved(session: AsyncSession, request: ApprovalRequest, deal: Deal, move: Move, *,
                   now: datetime) -> Decided:
    """After the approved move was made: the channel, the owner and whoever asked are told; the cards retire."""
    await _tell_outcome(session, request, deal, "approved", now=now)
    await _retire_cards(session, request, now=now)
    return Decided(request, deal, "approved", move=move)


async def _close(session: AsyncSession, request: ApprovalRequest, deal: Deal, status: str, by: str | None, *,
                 now: datetime, reason: str | None = None) -> None:
    """Take the request out of "pending" if it still is; else someone else decided first."""
    result = await session.execute(
        update(ApprovalRequest).where(ApprovalRequest.id == request.id, ApprovalRequest.status == PENDING)
        .values(status=status, decided_at=now, decided_by=by, reason=reason)
        .execution_options(synchronize_session=False))
    await session.refresh(request)
    if rows_changed(result) != 1:
        raise AlreadyDecided(already_text(request, deal))


async def _tell_outcome(session: AsyncSession, request: ApprovalRequest, deal: Deal, what: str, *,
                        now: datetime) -> None:
    await enqueue(session, lane=deal_lane(deal.id), kind="approval", deal_id=deal.id, now=now,
                  payload={"request": request.id, "what": what})
    for user_id in dict.fromkeys([deal.owner_id, request.requested_by]):
        await card_dm(session, deal.id, request.id, user_id, what, now=now)


async def lapse_pending(session: AsyncSession, ws: Workspace, deal: Deal, actor_id: str | None, *, now: datetime,
                        why: Text) -> ApprovalRequest | None:
    """The deal's pending request, if any, lapses (the deal was closed)."""
    request = await pending_of(session, deal.id)
    if request is None:
        return None
    return await lapse(session, ws, request, deal, actor_id, now=now, why=why)


async def lapse(session: AsyncSession, ws: Workspace, request: ApprovalRequest, deal: Deal, actor_id: str | None,
                *, now: datetime, why: Text) -> ApprovalRequest:
    """The request ends as "lapsed": on the timeline, in the channel, and on every approver's card."""
    await _close(session, request, deal, "lapsed", actor_id, now=now, reason=why.msgid)
    entry = t("the approval request to move {from} → {to} lapsed: {why}", why=why, to=stage_word(ws, request.to_stage),
              **{"from": stage_word(ws, request.from_stage)})
    log(session, deal, actor_id, "approval", entry, now, locale=ws.locale,
        data={"request": request.id, "step": "lapsed"})
    await enqueue(session, lane=deal_lane(deal.id), kind="approval", deal_id=deal.id, now=now,
                  payload={"request": request.id, "what": "lapsed"})
    await effects.refresh_card(session, deal, now=now)
    await _retire_cards(session, request, now=now)
    return request


async def _retire_cards(session: AsyncSession, request: ApprovalRequest, *, now: datetime) -> None:
    """Every approver's DM card of a request no longer pending is redrawn as decided, without buttons."""
    for user_id in request.approvers:
        await card_dm(session, request.deal_id, request.id, user_id, "closed", now=now)
