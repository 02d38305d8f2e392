"""Approval requests on the clock (SPEC 12): approvers are reminded before a request expires, and a request
nobody decided expires. Each sweep takes its rows with one conditional UPDATE, so two processes never
remind or expire the same request twice; the messages are queued in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.approvals.requests import PENDING, people
from models.infra.i18n import t
from models.infra.outbox import deal_lane, dm_lane, enqueue_many
from models.infra.tables import ApprovalRequest
from models.infra.timeline import entry
from models.pipeline.workspace import Workspace

BATCH = 200


async def sweep(session: AsyncSession, ws: Workspace, *, now: datetime) -> None:
    """Remind approvers before expiry, expire what is due (a batch of each at most)."""
    await _remind(session, now=now, locale=ws.locale)
    await _expire(session, ws, now=now)


def _due(*conditions: ColumnElement[bool]) -> Select[Any]:
    return select(ApprovalRequest.id).where(ApprovalRequest.status == PENDING, *conditions) \
        .order_by(ApprovalRequest.id).limit(BATCH)


async def _take(session: AsyncSession, values: dict[str, Any],
                *conditions: ColumnElement[bool]) -> Sequence[tuple[int, int, list[str], str]]:
    candidates = _due(*conditions)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    return (await session.execute(
        update(ApprovalRequest)
        .where(ApprovalRequest.id.in_(candidates.scalar_subquery()), ApprovalRequest.status == PENDING, *conditions)
        .values(values)
        .returning(ApprovalRequest.id, ApprovalRequest.deal_id, ApprovalRequest.approvers, ApprovalRequest.owner_id)
        .execution_options(synchronize_session=False)
    )).all()


async def _remind(session: AsyncSession, *, now: datetime, locale: str) -> None:
    taken = await _take(session, {"reminded_at": now}, ApprovalRequest.remind_at <= now,
                        ApprovalRequest.reminded_at.is_(None), ApprovalRequest.expires_at > now)
    messages = []
    for request_id, deal_id, approvers, _owner in taken:
        session.add(entry(deal_id, None, "approval", t("reminded {people} of the pending approval",
                                                        people=people(approvers)),
                          now, locale=locale, data={"request": request_id, "step": "reminded"}))
        messages += [_message(deal_id, request_id, user_id, "remind") for user_id in approvers]
    await enqueue_many(session, messages, now=now)


async def _expire(session: AsyncSession, ws: Workspace, *, now: datetime) -> None:
    taken = await _take(session, {"status": "expired", "decided_at": now}, ApprovalRequest.expires_at <= now)
    messages = []
    for request_id, deal_id, approvers, owner in taken:
        session.add(entry(deal_id, None, "approval", t("the approval request expired ({people} did not decide)",
                                                        people=people(approvers)),
                          now, locale=ws.locale, data={"request": request_id, "step": "expired"}))
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
