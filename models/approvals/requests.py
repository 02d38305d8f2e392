"""Approval requests (SPEC 12): a move into a stage whose rules match is held as one request until an
approver decides, or it expires.

This module is the request itself: what the renderers see of it (:func:`info_of`), who may decide it now
(:func:`check_decider`), which are listed to whom (:func:`visible_pending`) and the approvers' DM cards.
The gate that holds a move is models/approvals/gate.py, decisions and lapses models/approvals/decisions.py,
reminders and expiry models/approvals/sweeps.py; the move itself goes through models/deals/moves.py.
Slack messages are outbox rows of kind "approval", rendered at delivery from the request as it is then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.approvals import approvers as approvers_of
from models.infra.errors import Forbidden, NotFound, Refused
from models.infra.i18n import N_, Text, joined, t
from models.infra.outbox import dm_lane, enqueue
from models.infra.tables import ApprovalRequest, Deal
from models.infra.words import Person, StageName
from models.people.permissions import Actor, decide_refusal
from models.pipeline import Stage
from models.pipeline.transitions import Move
from models.pipeline.workspace import Workspace

PENDING = "pending"
FIGURES = ("amount", "discount", "floor", "margin", "score")  # shown on every request when set


@dataclass(frozen=True)
class Asked:
    """The move was not made: a request went to `approvers` instead."""

    request: ApprovalRequest
    from_stage: Stage
    to_stage: Stage
    approvers: tuple[str, ...]
    conditions: tuple[str, ...]


@dataclass(frozen=True)
class Decided:
    request: ApprovalRequest
    deal: Deal
    status: str  # approved | rejected | lapsed
    move: Move | None = None


class AlreadyDecided(Refused):
    pass


# Why a pending request lapsed: stored in English on the request, shown translated (bot/blocks/approvals.py).
LAPSED_WON = t("the deal was closed as won")
LAPSED_LOST = t("the deal was closed as lost")
LAPSED_LEFT = t("the deal has left the stage it was asked from")
LAPSED_NOBODY = t("the deal changed hands and no one is left to ask")
LAPSE_REASONS = (LAPSED_WON, LAPSED_LOST, LAPSED_LEFT, LAPSED_NOBODY)


@dataclass(frozen=True)
class RuleInfo:
    stage_name: str
    when: str


@dataclass(frozen=True)
class ApprovalInfo:
    """A request as the renderers see it (bot/blocks/approvals.py)."""

    id: int
    status: str
    from_name: str
    to_name: str
    requested_by: str
    owner_id: str
    approvers: tuple[str, ...]
    rules: tuple[RuleInfo, ...]
    figures: tuple[tuple[str, str], ...]
    expires_at: datetime
    decided_by: str | None = None
    reason: str | None = None


def info_of(request: ApprovalRequest, ws: Workspace, *, approvers: list[str] | None = None) -> ApprovalInfo:
    """`approvers`: who decides now, when that is not who was asked (`/deal approvals` shows today's)."""
    def name(key: str) -> str:
        return ws.pipeline.stage(key).display_name(ws.locale) if key in ws.pipeline else key

    return ApprovalInfo(
        id=request.id, status=request.status, from_name=name(request.from_stage), to_name=name(request.to_stage),
        requested_by=request.requested_by, owner_id=request.owner_id,
        approvers=tuple(request.approvers if approvers is None else approvers),
        rules=tuple(RuleInfo(name(r["stage"]), r["when"]) for r in request.rules),
        figures=tuple((k, v) for k, v in (request.figures or {}).items()), expires_at=request.expires_at,
        decided_by=request.decided_by, reason=request.reason,
    )


def people(user_ids: list[str] | tuple[str, ...]) -> Text:
    """The approvers as a sentence names them (``nobody`` when there are none)."""
    return joined(Person(u) for u in user_ids) if user_ids else t("nobody")


def stage_word(ws: Workspace, key: str) -> StageName | str:
    """A request's stage as a sentence names it; its bare key when the pipeline no longer has it."""
    return ws.pipeline.stage(key).word if key in ws.pipeline else key


# --------------------------------------------------------------------------- who decides


async def pending_of(session: AsyncSession, deal_id: int) -> ApprovalRequest | None:
    return await session.scalar(select(ApprovalRequest).where(
        ApprovalRequest.deal_id == deal_id, ApprovalRequest.status == PENDING).order_by(ApprovalRequest.id).limit(1))


async def load(session: AsyncSession, request_id: int) -> tuple[ApprovalRequest, Deal]:
    request = await session.get(ApprovalRequest, request_id)
    deal = await session.get(Deal, request.deal_id) if request is not None else None
    if request is None or deal is None:
        raise NotFound(t("That approval request no longer exists."))
    return request, deal


async def check_decider(session: AsyncSession, ws: Workspace, actor: Actor,
                        request_id: int) -> tuple[ApprovalRequest, Deal]:
    """The request, if the actor may decide it and it is still open; else the reason why not. Decided on
    today's facts: the deal's current owner, and the approvers its rules name now (SPEC 12)."""
    request, deal = await load(session, request_id)
    pending = request.status == PENDING
    deciders = await approvers_of.current(session, ws, request, deal) if pending else list(request.approvers)
    refusal = decide_refusal(actor, owner_id=deal.owner_id, approver_ids=deciders, requested_by=request.requested_by,
                             ref=f"D-{deal.id}")
    if not pending and (refusal is None or actor.user_id in request.approvers):
        raise AlreadyDecided(already_text(request, deal))  # one of those it was for: say how it ended
    if refusal:
        raise Forbidden(refusal)
    return request, deal


# The whole sentence per outcome, with and without who decided (`already_text`).
_ALREADY = {
    "approved": (N_("The approval for D-{number} was already decided: approved. Nothing was changed."),
                 N_("The approval for D-{number} was already decided: approved by {by}. Nothing was changed.")),
    "rejected": (N_("The approval for D-{number} was already decided: rejected. Nothing was changed."),
                 N_("The approval for D-{number} was already decided: rejected by {by}. Nothing was changed.")),
    "expired": (N_("The approval for D-{number} was already decided: expired. Nothing was changed."),
                N_("The approval for D-{number} was already decided: expired by {by}. Nothing was changed.")),
    "lapsed": (N_("The approval for D-{number} was already decided: lapsed. Nothing was changed."),
               N_("The approval for D-{number} was already decided: lapsed by {by}. Nothing was changed.")),
}


def already_text(request: ApprovalRequest, deal: Deal) -> Text:
    if request.status not in _ALREADY:
        return t("The approval for D-{number} was already decided. Nothing was changed.", number=deal.id)
    plain, by_whom = _ALREADY[request.status]
    if request.decided_by:
        return Text(by_whom, (("number", deal.id), ("by", Person(request.decided_by))))
    return Text(plain, (("number", deal.id),))


# --------------------------------------------------------------------------- the approvers' cards


async def card_dm(session: AsyncSession, deal_id: int, request_id: int, user_id: str, what: str, *,
                  now: datetime) -> None:
    await enqueue(session, lane=dm_lane(user_id), kind="approval", deal_id=deal_id, now=now,
                  payload={"request": request_id, "what": what, "user": user_id})


async def card_clicked(session: AsyncSession, request_id: int, user_id: str, *, channel: str, ts: str,
                       now: datetime) -> str | None:
    """The approval card someone clicked is redrawn from the request as it is (a decided one loses its
    buttons), so stale buttons do not linger in the approvers' DMs. Returns the lane, or None."""
    request = await session.get(ApprovalRequest, request_id)
    if request is None:
        return None
    await enqueue(session, lane=dm_lane(user_id), kind="approval", deal_id=request.deal_id, now=now,
                  payload={"request": request_id, "what": "card", "user": user_id, "channel": channel, "ts": ts})
    return dm_lane(user_id)


# --------------------------------------------------------------------------- lists


async def visible_pending(session: AsyncSession, ws: Workspace,
                          actor: Actor) -> list[tuple[ApprovalRequest, Deal, str, list[str]]]:
    """`/deal approvals`: (request, deal, why it is listed, its approvers now) — "decide" for those the actor
    may decide (a manager: their team's too), "yours" for the actor's own pending requests; an admin sees all."""
    rows = (await session.execute(
        select(ApprovalRequest, Deal).join(Deal, Deal.id == ApprovalRequest.deal_id)
        .where(ApprovalRequest.status == PENDING).order_by(ApprovalRequest.expires_at, ApprovalRequest.id)
    )).all()
    found = []
    worked_out: dict[tuple[tuple[str, ...], str, str], list[str]] = {}  # many requests share their facts
    for request, deal in rows:
        facts = (approvers_of.roles_of(request), deal.owner_id, request.requested_by)
        if facts not in worked_out:
            worked_out[facts] = await approvers_of.current(session, ws, request, deal)
        deciders = worked_out[facts]
        mine = actor.user_id in (deal.owner_id, request.requested_by)
        may = decide_refusal(actor, owner_id=deal.owner_id, approver_ids=deciders,
                             requested_by=request.requested_by, ref="") is None
        team = deal.owner_id in actor.managed_ids
        if mine:
            found.append((request, deal, "yours", deciders))
        elif may or team:
            found.append((request, deal, "decide" if may else "team", deciders))
    return found
