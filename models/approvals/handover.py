"""A deal changing hands (`/deal assign`, `/deal claim`) while a move waits for approval (SPEC 12).

The request's approvers are worked out again for the new owner: the owner's manager is now the new
owner's, and the new owner never approves their own deal. When someone is left to ask, the request
*moves* to them (the same request, its expiry unchanged): the new approvers get a DM card, the former
ones see their card redrawn without buttons, saying who decides now. When no one is left, the request
*lapses*, as when the deal leaves its stage. The timeline and the channel say which.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.approvals import approvers as approvers_of
from models.approvals.decisions import lapse
from models.approvals.requests import LAPSED_NOBODY, card_dm, pending_of, people, stage_word
from models.infra.i18n import t
from models.infra.outbox import deal_lane, enqueue
from models.infra.tables import Deal
from models.infra.timeline import log
from models.pipeline.workspace import Workspace

MOVED, LAPSED, KEPT = "moved", "lapsed", "kept"


@dataclass(frozen=True)
class Handover:
    """What became of the deal's pending request: `moved`, `lapsed`, `kept` (the same approvers), or None
    when nothing was pending."""

    outcome: str | None
    approvers: tuple[str, ...] = ()
    to_stage: str = ""  # the key of the stage the request asks for


async def owner_changed(session: AsyncSession, ws: Workspace, deal: Deal, actor_id: str, *,
                        now: datetime) -> Handover:
    """The deal's pending request, if any, follows the deal to its new owner (`deal.owner_id` already)."""
    request = await pending_of(session, deal.id)
    if request is None:
        return Handover(None)
    before = sorted(request.approvers)
    after = await approvers_of.current(session, ws, request, deal)
    if not after:
        await lapse(session, ws, request, deal, actor_id, now=now, why=LAPSED_NOBODY)
        return Handover(LAPSED, (), request.to_stage)
    request.owner_id = deal.owner_id
    if after == before:
        return Handover(KEPT, tuple(after), request.to_stage)
    request.approvers = after
    names = {"from": stage_word(ws, request.from_stage), "to": stage_word(ws, request.to_stage)}
    log(session, deal, actor_id, "approval",
        t("the approval request to move {from} → {to} moved to {people}: the deal changed hands",
          people=people(after), **names),
        now, locale=ws.locale, data={"request": request.id, "step": "moved", "from": before, "to": after})
    await enqueue(session, lane=deal_lane(deal.id), kind="approval", deal_id=deal.id, now=now,
                  payload={"request": request.id, "what": "moved"})
    for user_id in after:
        if user_id not in before:
            await card_dm(session, deal.id, request.id, user_id, "ask", now=now)
    for user_id in before:
        if user_id not in after:  # their cards lose the buttons and say who decides now
            await card_dm(session, deal.id, request.id, user_id, "moved_card", now=now)
    return Handover(MOVED, tuple(after), request.to_stage)

