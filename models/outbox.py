"""Slack side effects as rows, written in the same transaction as the change that needs them.

The domain names what must happen (`post_card`, `invite`, ...); bot/outbox.py delivers it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.db import insert_or_ignore
from models.tables import OutboxLane, OutboxMessage

FEED_LANE = "feed"


def deal_lane(number: int) -> str:
    return f"deal:{number}"


async def enqueue(
    session: AsyncSession,
    *,
    lane: str,
    kind: str,
    now: datetime,
    deal_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> OutboxMessage:
    await insert_or_ignore(session, OutboxLane, key=lane)
    message = OutboxMessage(
        lane=lane, kind=kind, deal_id=deal_id, payload=payload or {}, status="pending",
        attempts=0, not_before=now, created_at=now,
    )
    session.add(message)
    return message


def dm_lane(user_id: str) -> str:
    """Direct messages to one person (digests, report charts), in order."""
    return f"dm:{user_id}"
