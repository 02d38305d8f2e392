"""Outbox messages that could never be delivered ("parked"): told to admins once, listed, requeued."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.infra.tables import OutboxMessage

ALERT_KIND = "admin_alert"


async def claim_unalerted(session: AsyncSession, *, now: datetime, limit: int = 50) -> list[OutboxMessage]:
    """Parked rows no admin has been told about, marked as told in this transaction. A row another
    process marked first is not returned (UPDATE … WHERE alerted_at IS NULL RETURNING)."""
    ids = (await session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "parked", OutboxMessage.alerted_at.is_(None),
               OutboxMessage.kind != ALERT_KIND)
        .order_by(OutboxMessage.id).limit(limit)
    )).all()
    if not ids:
        return []
    claimed = (await session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.alerted_at.is_(None))
        .values(alerted_at=now).returning(OutboxMessage.id)
    )).all()
    if not claimed:
        return []
    return list((await session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)
        .execution_options(populate_existing=True)
    )).all())


async def listing(session: AsyncSession, *, parked_only: bool, limit: int = 200) -> Sequence[OutboxMessage]:
    statuses = ("parked",) if parked_only else ("pending", "parked")
    return (await session.scalars(
        select(OutboxMessage).where(OutboxMessage.status.in_(statuses)).order_by(OutboxMessage.id).limit(limit)
    )).all()


async def requeue(session: AsyncSession, row_id: int, *, now: datetime) -> OutboxMessage | None:
    """Try a parked (or pending) row again now, from a fresh count of attempts."""
    row = await session.get(OutboxMessage, row_id)
    if row is None or row.status == "sent":
        return None
    row.status, row.attempts, row.not_before, row.alerted_at = "pending", 0, now, None
    return row


async def backlog(session: AsyncSession, *, now: datetime) -> tuple[int, float | None, int]:
    """(pending rows, seconds the longest-waiting due row has waited or None, parked rows)."""
    pending = await session.scalar(select(func.count()).where(OutboxMessage.status == "pending")) or 0
    oldest_due = await session.scalar(
        select(func.min(OutboxMessage.not_before))
        .where(OutboxMessage.status == "pending", OutboxMessage.not_before <= now)
    )
    parked = await session.scalar(select(func.count()).where(OutboxMessage.status == "parked")) or 0
    waited = (now - oldest_due).total_seconds() if oldest_due is not None else None
    return int(pending), waited, int(parked)
