"""Timed nudges by DM: the lead-score contact SLA (SPEC 5), nurture re-scores, stale deals (SPEC 7).

Each sweep is one set-based UPDATE that marks the deals it nudges, in the same transaction as the
outbox rows of their DMs, so a nudge is sent once whatever the number of processes. The DM itself
is rendered at delivery from the deal as it is then.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from models.deals.scoring import BantScore
from models.infra.outbox import dm_lane, enqueue_many
from models.infra.tables import Deal, User
from models.people.users import role_holders
from models.pipeline.workspace import Workspace

SLA_WARN_AT = 0.75  # of the contact window: the owner is reminded while there is still time
BATCH = 500


def start_sla(deal: Deal, score: BantScore, *, now: datetime) -> None:
    """A new score starts a new contact window (high, medium) or a nurture period (low)."""
    deal.sla_met_at = deal.sla_warned_at = deal.sla_escalated_at = deal.nurture_reminded_at = None
    if score.sla_hours:
        window = timedelta(hours=score.sla_hours)
        deal.sla_due_at, deal.sla_warn_at = now + window, now + window * SLA_WARN_AT
    else:
        deal.sla_due_at = deal.sla_warn_at = None
    deal.nurture_due_at = now + timedelta(days=score.renurture_days) if score.renurture_days else None


def contacted(deal: Deal, *, now: datetime) -> None:
    """A note was logged: the lead was contacted, which meets a running contact SLA."""
    if deal.sla_due_at is not None and deal.sla_met_at is None:
        deal.sla_met_at = now


async def sweep(session: AsyncSession, ws: Workspace, *, now: datetime) -> None:
    """Every nudge that is due (a batch of each kind at most)."""
    await _nudge_owners(session, "sla_warning", Deal.sla_warned_at, now=now, when=[
        Deal.sla_warn_at <= now, Deal.sla_due_at > now, Deal.sla_met_at.is_(None), Deal.sla_warned_at.is_(None)])
    await _escalate_missed_slas(session, ws, now=now)
    await _nudge_owners(session, "nurture", Deal.nurture_reminded_at, now=now, when=[
        Deal.nurture_due_at <= now, Deal.nurture_reminded_at.is_(None)])
    for stage in ws.pipeline.open_stages:
        if stage.stale_after_days:
            quiet_since = now - timedelta(days=stage.stale_after_days)
            await _nudge_owners(session, "stale", Deal.stale_nudged_at, now=now, when=[
                Deal.stage_key == stage.key, Deal.updated_at <= quiet_since,
                or_(Deal.stale_nudged_at.is_(None), Deal.stale_nudged_at <= quiet_since)])


async def _mark(session: AsyncSession, marker: InstrumentedAttribute[datetime | None],
                conditions: Sequence[ColumnElement[bool]], *,
                now: datetime) -> list[tuple[int, str]]:
    """Mark open deals meeting `conditions` (at most a batch); returns (deal id, owner) of those marked."""
    candidates: Select[Any] = (select(Deal.id).where(Deal.closed_at.is_(None), *conditions)
                                      .order_by(Deal.id).limit(BATCH))
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    result = await session.execute(
        update(Deal).where(Deal.id.in_(candidates.scalar_subquery()), *conditions)
        .values({marker: now}).returning(Deal.id, Deal.owner_id).execution_options(synchronize_session=False)
    )
    return [(deal_id, owner) for deal_id, owner in result.all()]


async def _nudge_owners(session: AsyncSession, what: str, marker: InstrumentedAttribute[datetime | None], *,
                        now: datetime, when: Sequence[ColumnElement[bool]]) -> None:
    marked = await _mark(session, marker, when, now=now)
    await enqueue_many(session, [_nudge(what, deal_id, owner) for deal_id, owner in marked], now=now)


async def _escalate_missed_slas(session: AsyncSession, ws: Workspace, *, now: datetime) -> None:
    """Told once: the owner's manager, or the admins when the owner has none."""
    marked = await _mark(session, Deal.sla_escalated_at, [
        Deal.sla_due_at <= now, Deal.sla_met_at.is_(None), Deal.sla_escalated_at.is_(None)], now=now)
    if not marked:
        return
    owners = {owner for _, owner in marked}
    managers = {rep: manager for rep, manager in (await session.execute(
        select(User.id, User.manager_id).where(User.id.in_(owners), User.manager_id.is_not(None))
    )).all() if manager is not None}
    admins = sorted(set(ws.admin_ids) | set(await role_holders(session, "admin")))
    messages = []
    for deal_id, owner in marked:
        for recipient in [managers[owner]] if owner in managers else admins:
            messages.append(_nudge("sla_missed", deal_id, recipient, owner=owner))
    await enqueue_many(session, messages, now=now)


def _nudge(what: str, deal_id: int, recipient: str, **extra: str) -> dict[str, Any]:
    return {"lane": dm_lane(recipient), "kind": "nudge", "deal_id": deal_id,
            "payload": {"what": what, "user": recipient, **extra}}
