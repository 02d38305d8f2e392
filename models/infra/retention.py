"""What the database forgets, a batch at a time: Slack messages the outbox delivered long ago, and the
ids of events whose retries are long over. Each call deletes at most `limit` rows; the caller runs
each in its own short transaction, so no lock is held for long (SQLite has one writer).

Nothing still needed goes: pending and parked outbox rows stay whatever their age (admins requeue
parked ones); a sent row is read by nobody (a card's ts is on its deal, an approval card's on
approval_cards, a reminder DM's comes with the click; a retry's "did Slack take it" mark lives on
the pending row and in Slack's message metadata).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from models.infra.base import Base
from models.infra.db import rows_changed
from models.infra.tables import OutboxMessage, ProcessedEvent

BATCH = 1000


async def forget_sent_messages(session: AsyncSession, *, before: datetime, limit: int = BATCH) -> int:
    """Delete up to `limit` outbox rows sent before `before`; returns how many."""
    # not_before <= sent_at for every sent row (a row goes out once due): it lets ix_outbox_pending
    # (status, not_before) find them; sent_at keeps the test exact.
    old = select(OutboxMessage.id).where(
        OutboxMessage.status == "sent", OutboxMessage.not_before < before, OutboxMessage.sent_at < before
    )
    return await _delete(session, OutboxMessage, OutboxMessage.id, old, limit)


async def forget_event_ids(session: AsyncSession, *, before: datetime, limit: int = BATCH) -> int:
    """Delete up to `limit` processed-event ids received before `before`; returns how many."""
    old = select(ProcessedEvent.event_id).where(ProcessedEvent.received_at < before)
    return await _delete(session, ProcessedEvent, ProcessedEvent.event_id, old, limit)


async def _delete(session: AsyncSession, model: type[Base], key: InstrumentedAttribute[Any], old: Select[Any],
                  limit: int) -> int:
    batch = old.limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        batch = batch.with_for_update(skip_locked=True)  # another process pruning takes other rows
    result = await session.execute(
        delete(model).where(key.in_(batch.scalar_subquery())).execution_options(synchronize_session=False)
    )
    return rows_changed(result)
