"""The gate (SPEC 12): a planned move into a stage whose approval rules hold is not made but asked for.

models/deals/moves.py plans a move and brings it here before writing it: :func:`hold` returns None when the
move may go ahead, an :class:`~models.approvals.requests.Asked` when a request went to the approvers
instead, and refuses while another request of the deal is pending. Won and lost never come here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from models.approvals import approvers as approvers_of
from models.approvals.requests import FIGURES, PENDING, Asked, card_dm, pending_of, people, stage_word
from models.infra import effects
from models.infra.errors import Refused
from models.infra.i18n import joined, t
from models.infra.outbox import deal_lane, enqueue
from models.infra.tables import ApprovalRequest, Deal
from models.infra.timeline import log
from models.people.permissions import Actor
from models.pipeline import ApprovalRule, Stage
from models.pipeline.conditions import deal_values, evaluate, fields_of
from models.pipeline.transitions import Move
from models.pipeline.workspace import Workspace
from models.values import format_amount


async def hold(session: AsyncSession, ws: Workspace, actor: Actor, deal: Deal, move: Move, *,
               now: datetime) -> Asked | None:
    """None: no rule holds the (open) move, make it. Else the request that now waits for a decision."""
    if (pending := await pending_of(session, deal.id)) is not None:
        raise Refused(t("D-{number} is waiting for approval to move to {stage} (asked {people}); it can't move "
                        "again until that is decided.", number=deal.id, stage=stage_word(ws, pending.to_stage),
                        people=people(pending.approvers)), "/deal approvals")
    matched = matched_rules(move, deal)
    if not matched:
        return None
    return await _ask(session, ws, actor, deal, move, matched, now=now)


def matched_rules(move: Move, deal: Deal) -> list[tuple[Stage, ApprovalRule]]:
    """Every rule of every stage the move enters (skipped ones and the target) that holds for the deal."""
    values = deal_values(deal.amount, deal.score, deal.custom_fields)
    return [(stage, rule) for stage in move.entered for rule in stage.approvals
            if rule.condition is not None and evaluate(rule.condition, values)]


async def _ask(session: AsyncSession, ws: Workspace, actor: Actor, deal: Deal, move: Move,
               matched: list[tuple[Stage, ApprovalRule]], *, now: datetime) -> Asked:
    roles = list(dict.fromkeys(role for _, rule in matched for role in rule.approvers))
    resolved = await approvers_of.resolve(session, ws, deal, roles, requested_by=actor.user_id,
                                          requester_is_admin=actor.is_admin)
    approvers = resolved.approvers
    conditions = tuple(dict.fromkeys(rule.when for _, rule in matched))
    if not approvers:
        nobody = joined((approvers_of.nobody(role, resolved.holders[role]) for role in roles), "; ")
        raise Refused(t("Moving D-{number} to {stage} needs approval ({conditions}), but there is no one to ask: "
                        "{nobody}. Nothing was changed.", number=deal.id, stage=move.to_stage.word,
                        conditions="; ".join(conditions), nobody=nobody))
    first = min((rule for _, rule in matched), key=lambda r: r.expire_after_hours)
    expires_at = now + timedelta(hours=first.expire_after_hours)
    remind_at = expires_at - timedelta(hours=first.remind_before_hours) if first.remind_before_hours else None
    request = ApprovalRequest(
        deal_id=deal.id, status=PENDING, from_stage=move.from_stage.key, to_stage=move.to_stage.key,
        requested_by=actor.user_id, owner_id=deal.owner_id,
        rules=[{"stage": stage.key, "when": rule.when, "approvers": list(rule.approvers)} for stage, rule in matched],
        approvers=approvers, figures=_figures(deal, matched, ws.locale), created_at=now, expires_at=expires_at,
        remind_at=remind_at,
    )
    session.add(request)
    deal.updated_at = now  # bumps the deal's version: a concurrent move of the same deal conflicts
    await session.flush()
    log(session, deal, actor.user_id, "approval",
        t("asked {people} to approve {from} → {to} ({conditions})", people=people(approvers),
          **{"from": move.from_stage.word}, to=move.to_stage.word, conditions="; ".join(conditions)),
        now, locale=ws.locale, data={"request": request.id, "step": "requested"})
    await enqueue(session, lane=deal_lane(deal.id), kind="approval", deal_id=deal.id, now=now,
                  payload={"request": request.id, "what": "awaiting"})
    await effects.refresh_card(session, deal, now=now)
    for user_id in approvers:
        await card_dm(session, deal.id, request.id, user_id, "ask", now=now)
    return Asked(request, move.from_stage, move.to_stage, tuple(approvers), conditions)


def _figures(deal: Deal, matched: list[tuple[Stage, ApprovalRule]], locale: str) -> dict[str, str]:
    read = [f for _, rule in matched if rule.condition is not None for f in fields_of(rule.condition)]
    custom = {k.lower(): v for k, v in (deal.custom_fields or {}).items()}
    shown: dict[str, str] = {}
    for name in dict.fromkeys((*FIGURES, *read)):
        if name == "amount":
            value = format_amount(deal.amount, locale) if deal.amount is not None else None
        elif name == "score":
            value = str(deal.score) if deal.score is not None else None
        else:
            value = custom.get(name)
        if value is not None:
            shown[name] = str(value)[:100]
    return shown
