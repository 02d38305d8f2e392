"""Approvals (SPEC 12): a move into a stage whose rules match is held as one request until an
approver decides, or it expires.

Moves go through here (``move_to`` / ``move_next`` / ``close_deal``) rather than models.deals, so
that the gate is in one place. A request leaves "pending" once, by one conditional UPDATE: the
first decision wins, whatever the number of approvers clicking or processes sweeping. Slack
messages are outbox rows of kind "approval", rendered at delivery from the request as it is then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.approvals import approvers as approvers_of
from models.deals import effects
from models.deals import service as deals
from models.infra.errors import Forbidden, NotFound, Refused
from models.infra.i18n import N_, Text, render, t
from models.infra.outbox import deal_lane, dm_lane, enqueue, enqueue_many
from models.infra.tables import ApprovalRequest, Deal, TimelineEntry
from models.people.permissions import Actor, decide_refusal
from models.pipeline import ApprovalRule, Stage
from models.pipeline.conditions import deal_values, evaluate, fields_of
from models.pipeline.transitions import Move, Refusal, plan_close, plan_move, plan_next
from models.pipeline.workspace import Workspace
from models.values import format_amount

PENDING = "pending"
BATCH = 200
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


@dataclass(frozen=True)
class Closed:
    """A won/lost move (never held); `lapsed` is the pending request it ended, whose approvers are told."""

    move: Move
    lapsed: ApprovalRequest | None = None
    lapsed_to: Stage | None = None  # the stage the lapsed request asked for


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


# --------------------------------------------------------------------------- moves


async def move_to(session: AsyncSession, ws: Workspace, actor: Actor, deal: Deal, target: Stage, *,
                  now: datetime, reason: str | None = None,
                  won_amount: Decimal | None = None) -> Move | Asked | Closed:
    await deals.require_edit(session, actor, deal)
    if target.closed is not None:
        plan = plan_close(deals.facts_of(deal), target.closed, ws.pipeline, locale=ws.locale)
    else:
        plan = plan_move(deals.facts_of(deal), target, ws.pipeline, locale=ws.locale)
    return await _gate(session, ws, actor, deal, plan, now=now, reason=reason, won_amount=won_amount)


async def move_next(session: AsyncSession, ws: Workspace, actor: Actor, deal: Deal, *,
                    now: datetime) -> Move | Asked | Closed:
    await deals.require_edit(session, actor, deal)
    return await _gate(session, ws, actor, deal, plan_next(deals.facts_of(deal), ws.pipeline, locale=ws.locale),
                       now=now)


async def close_deal(session: AsyncSession, ws: Workspace, actor: Actor, deal: Deal, outcome: str, *,
                     now: datetime, reason: str | None = None, won_amount: object = None) -> Closed:
    """Won and lost are never held (SPEC 12): a pending request lapses, since the deal leaves its stage;
    its approvers' cards lose their buttons and say so, the channel and the timeline are told."""
    move = await deals.close_deal(session, ws, actor, deal, outcome, now=now, reason=reason,
                                  won_amount=won_amount)  # type: ignore[arg-type]
    return await _closed(session, ws, deal, move, actor.user_id, now=now)


async def _closed(session: AsyncSession, ws: Workspace, deal: Deal, move: Move, actor_id: str, *,
                  now: datetime) -> Closed:
    why = LAPSED_WON if move.to_stage.closed == "won" else LAPSED_LOST
    lapsed = await _lapse_pending(session, ws, deal, actor_id, now=now, why=why)
    to = ws.pipeline.stage(lapsed.to_stage) if lapsed is not None and lapsed.to_stage in ws.pipeline else None
    return Closed(move, lapsed, to)


async def _gate(session: AsyncSession, ws: Workspace, actor: Actor, deal: Deal, plan: Move | Refusal, *,
                now: datetime, reason: str | None = None, won_amount: object = None) -> Move | Asked | Closed:
    if isinstance(plan, Refusal):
        raise Refused(plan.reason)
    if plan.to_stage.closed is not None:
        move = await deals._apply(session, ws, actor, deal, plan, now=now, reason=reason,
                                  won_amount=won_amount)  # type: ignore[arg-type]
        return await _closed(session, ws, deal, move, actor.user_id, now=now)
    if (pending := await pending_of(session, deal.id)) is not None:
        raise Refused(t("D-{number} is waiting for approval to move to {stage} (asked {people}); it can't move "
                        "again until that is decided.", number=deal.id, stage=_stage_name(ws, pending.to_stage),
                        people=_people(pending.approvers)), "/deal approvals")
    matched = matched_rules(plan, deal)
    if not matched:
        return await deals._apply(session, ws, actor, deal, plan, now=now)
    return await _ask(session, ws, actor, deal, plan, matched, now=now)


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
        nobody = "; ".join(render(approvers_of.nobody(role, resolved.holders[role]), ws.locale) for role in roles)
        raise Refused(t("Moving D-{number} to {stage} needs approval ({conditions}), but there is no one to ask: "
                        "{nobody}. Nothing was changed.", number=deal.id,
                        stage=move.to_stage.display_name(ws.locale), conditions="; ".join(conditions), nobody=nobody))
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
    names = _people(approvers)
    deals.log(session, deal, actor.user_id, "approval",
              render(t("asked {people} to approve {from} → {to} ({conditions})", people=names,
                       **{"from": move.from_stage.display_name(ws.locale)}, to=move.to_stage.display_name(ws.locale),
                       conditions="; ".join(conditions)), ws.locale),
              now, {"request": request.id, "step": "requested"})
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


# --------------------------------------------------------------------------- decisions


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
                 N_("The approval for D-{number} was already decided: approved by <@{by}>. Nothing was changed.")),
    "rejected": (N_("The approval for D-{number} was already decided: rejected. Nothing was changed."),
                 N_("The approval for D-{number} was already decided: rejected by <@{by}>. Nothing was changed.")),
    "expired": (N_("The approval for D-{number} was already decided: expired. Nothing was changed."),
                N_("The approval for D-{number} was already decided: expired by <@{by}>. Nothing was changed.")),
    "lapsed": (N_("The approval for D-{number} was already decided: lapsed. Nothing was changed."),
               N_("The approval for D-{number} was already decided: lapsed by <@{by}>. Nothing was changed.")),
}


def already_text(request: ApprovalRequest, deal: Deal) -> Text:
    if request.status not in _ALREADY:
        return t("The approval for D-{number} was already decided. Nothing was changed.", number=deal.id)
    plain, by_whom = _ALREADY[request.status]
    if request.decided_by:
        return Text(by_whom, (("number", deal.id), ("by", request.decided_by)))
    return Text(plain, (("number", deal.id),))


async def decide(session: AsyncSession, ws: Workspace, actor: Actor, request_id: int, *, approve: bool,
                 now: datetime, reason: str | None = None) -> Decided:
    request, deal = await check_decider(session, ws, actor, request_id)
    reason = (reason or "").strip()
    if not approve and not reason:
        raise Refused(t("A rejection needs a reason, for the owner to read."))
    if not approve:
        await _close(session, request, deal, "rejected", actor.user_id, now=now, reason=reason)
        deals.log(session, deal, actor.user_id, "approval",
                  render(t("rejected {from} → {to}: {reason}", **{"from": _stage_name(ws, request.from_stage)},
                           to=_stage_name(ws, request.to_stage), reason=reason), ws.locale),
                  now, {"request": request.id, "step": "rejected"})
        await _tell_outcome(session, request, deal, "rejected", now=now)
        await _retire_cards(session, request, now=now)
        await effects.refresh_card(session, deal, now=now)
        return Decided(request, deal, "rejected")

    target = ws.pipeline.stage(request.to_stage) if request.to_stage in ws.pipeline else None
    if deal.stage_key != request.from_stage or target is None:
        await lapse(session, ws, request, deal, actor.user_id, now=now, why=LAPSED_LEFT)
        return Decided(request, deal, "lapsed")
    plan = plan_move(deals.facts_of(deal), target, ws.pipeline, locale=ws.locale)
    if isinstance(plan, Refusal):  # the stage's requirements are checked again at approval
        raise Refused(t("D-{number} can't move to {stage} yet: {reason} The request stays open.", number=deal.id,
                        stage=target.display_name(ws.locale), reason=plan.reason))
    await _close(session, request, deal, "approved", actor.user_id, now=now)
    deals.log(session, deal, actor.user_id, "approval",
              render(t("approved {from} → {to}", **{"from": plan.from_stage.display_name(ws.locale)},
                       to=target.display_name(ws.locale)), ws.locale),
              now, {"request": request.id, "step": "approved"})
    move = await deals._apply(session, ws, Actor(user_id=request.requested_by), deal, plan, now=now)
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
    if result.rowcount != 1:
        raise AlreadyDecided(already_text(request, deal))


async def _tell_outcome(session: AsyncSession, request: ApprovalRequest, deal: Deal, what: str, *,
                        now: datetime) -> None:
    await enqueue(session, lane=deal_lane(deal.id), kind="approval", deal_id=deal.id, now=now,
                  payload={"request": request.id, "what": what})
    for user_id in dict.fromkeys([deal.owner_id, request.requested_by]):
        await card_dm(session, deal.id, request.id, user_id, what, now=now)


async def _lapse_pending(session: AsyncSession, ws: Workspace, deal: Deal, actor_id: str | None, *, now: datetime,
                         why: Text) -> ApprovalRequest | None:
    request = await pending_of(session, deal.id)
    if request is None:
        return None
    return await lapse(session, ws, request, deal, actor_id, now=now, why=why)


async def lapse(session: AsyncSession, ws: Workspace, request: ApprovalRequest, deal: Deal, actor_id: str | None,
                *, now: datetime, why: Text) -> ApprovalRequest:
    """The request ends as "lapsed": on the timeline, in the channel, and on every approver's card."""
    await _close(session, request, deal, "lapsed", actor_id, now=now, reason=why.msgid)
    entry = t("the approval request to move {from} → {to} lapsed: {why}", why=why, to=_stage_name(ws, request.to_stage),
              **{"from": _stage_name(ws, request.from_stage)})
    deals.log(session, deal, actor_id, "approval", render(entry, ws.locale), now,
              {"request": request.id, "step": "lapsed"})
    await enqueue(session, lane=deal_lane(deal.id), kind="approval", deal_id=deal.id, now=now,
                  payload={"request": request.id, "what": "lapsed"})
    await effects.refresh_card(session, deal, now=now)
    await _retire_cards(session, request, now=now)
    return request


async def _retire_cards(session: AsyncSession, request: ApprovalRequest, *, now: datetime) -> None:
    """Every approver's DM card of a request no longer pending is redrawn as decided, without buttons."""
    for user_id in request.approvers:
        await card_dm(session, request.deal_id, request.id, user_id, "closed", now=now)


async def card_dm(session: AsyncSession, deal_id: int, request_id: int, user_id: str, what: str, *,
                  now: datetime) -> None:
    await enqueue(session, lane=dm_lane(user_id), kind="approval", deal_id=deal_id, now=now,
                  payload={"request": request_id, "what": what, "user": user_id})


async def card_clicked(session: AsyncSession, request_id: int, user_id: str, *, channel: str, ts: str,
                       now: datetime) -> None:
    """The approval card someone clicked is redrawn from the request as it is (a decided one loses its
    buttons), so stale buttons do not linger in the approvers' DMs."""
    request = await session.get(ApprovalRequest, request_id)
    if request is None:
        return
    await enqueue(session, lane=dm_lane(user_id), kind="approval", deal_id=request.deal_id, now=now,
                  payload={"request": request_id, "what": "card", "user": user_id, "channel": channel, "ts": ts})


# --------------------------------------------------------------------------- timed: reminders and expiry


async def sweep(session: AsyncSession, ws: Workspace, *, now: datetime) -> None:
    """Remind approvers before expiry, expire what is due (a batch at most)."""
    await _remind(session, now=now, locale=ws.locale)
    await _expire(session, ws, now=now)


def _due(*conditions):  # type: ignore[no-untyped-def]
    return select(ApprovalRequest.id).where(ApprovalRequest.status == PENDING, *conditions) \
        .order_by(ApprovalRequest.id).limit(BATCH)


async def _take(session: AsyncSession, values: dict, *conditions) -> list:  # type: ignore[no-untyped-def,type-arg]
    candidates = _due(*conditions)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    return list((await session.execute(
        update(ApprovalRequest)
        .where(ApprovalRequest.id.in_(candidates.scalar_subquery()), ApprovalRequest.status == PENDING, *conditions)
        .values(values)
        .returning(ApprovalRequest.id, ApprovalRequest.deal_id, ApprovalRequest.approvers, ApprovalRequest.owner_id)
        .execution_options(synchronize_session=False)
    )).all())


async def _remind(session: AsyncSession, *, now: datetime, locale: str) -> None:
    taken = await _take(session, {"reminded_at": now}, ApprovalRequest.remind_at <= now,
                        ApprovalRequest.reminded_at.is_(None), ApprovalRequest.expires_at > now)
    messages = []
    for request_id, deal_id, approvers, _owner in taken:
        session.add(TimelineEntry(deal_id=deal_id, at=now, actor_id=None, kind="approval",
                                  text=render(t("reminded {people} of the pending approval",
                                                people=_people(approvers)), locale),
                                  data={"request": request_id, "step": "reminded"}))
        messages += [_message(deal_id, request_id, user_id, "remind") for user_id in approvers]
    await enqueue_many(session, messages, now=now)


async def _expire(session: AsyncSession, ws: Workspace, *, now: datetime) -> None:
    taken = await _take(session, {"status": "expired", "decided_at": now}, ApprovalRequest.expires_at <= now)
    messages = []
    for request_id, deal_id, approvers, owner in taken:
        session.add(TimelineEntry(deal_id=deal_id, at=now, actor_id=None, kind="approval",
                                  text=render(t("the approval request expired ({people} did not decide)",
                                                people=_people(approvers)), ws.locale),
                                  data={"request": request_id, "step": "expired"}))
        messages.append({"lane": deal_lane(deal_id), "kind": "approval", "deal_id": deal_id,
                         "payload": {"request": request_id, "what": "expired"}})
        messages += [_message(deal_id, request_id, user_id, "expired")
                     for user_id in dict.fromkeys([owner, *approvers])]
        messages += [_message(deal_id, request_id, user_id, "closed") for user_id in approvers]
        messages += [{"lane": deal_lane(deal_id), "kind": kind, "deal_id": deal_id} for kind in ("update_card",)]
    await enqueue_many(session, messages, now=now)


def _message(deal_id: int, request_id: int, user_id: str, what: str) -> dict:  # type: ignore[type-arg]
    return {"lane": dm_lane(user_id), "kind": "approval", "deal_id": deal_id,
            "payload": {"request": request_id, "what": what, "user": user_id}}


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


def _people(user_ids: list[str] | tuple[str, ...]) -> str | Text:
    return ", ".join(f"<@{u}>" for u in user_ids) or t("nobody")


def _stage_name(ws: Workspace, key: str) -> str:
    return ws.pipeline.stage(key).display_name(ws.locale) if key in ws.pipeline else key
