"""Direct messages as outbox rows: kind "dm", one lane per person, payload rendered by the caller."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.infra.outbox import dm_lane, enqueue


async def enqueue_dm(session: AsyncSession, user_id: str, *, text: str, blocks: list[dict[str, Any]], now: datetime,
                     deal_id: int | None = None) -> str:
    """Queue a DM to `user_id` (Slack opens the IM when posting to a user id); returns its lane."""
    lane = dm_lane(user_id)
    await enqueue(session, lane=lane, kind="dm", deal_id=deal_id, now=now,
                  payload={"user": user_id, "text": text, "blocks": blocks})
    return lane
