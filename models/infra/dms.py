"""Direct messages as outbox rows: kind "dm", one lane per person.

The domain queues a sentence (:func:`enqueue_dm`): payload ``{"user", "body": {"locale", "text"}}``, the
:class:`~models.infra.i18n.Text` kept as data and rendered for Slack at delivery. A message the edge has
already rendered (``{"user", "text", "blocks"}``, as rows queued before kept) goes by :func:`enqueue_rendered_dm`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.infra.i18n import Text, as_body
from models.infra.outbox import dm_lane, enqueue


async def enqueue_dm(session: AsyncSession, user_id: str, body: Text, *, locale: str, now: datetime,
                     deal_id: int | None = None) -> str:
    """Queue a DM saying ``body`` in ``locale`` to ``user_id`` (Slack opens the IM when posting to a user id);
    returns its lane."""
    return await _enqueue(session, user_id, {"user": user_id, "body": as_body(body, locale)}, now=now,
                          deal_id=deal_id)


async def enqueue_rendered_dm(session: AsyncSession, user_id: str, *, text: str, blocks: list[dict[str, Any]],
                              now: datetime, deal_id: int | None = None) -> str:
    """Queue a DM the edge has rendered already (fallback text and Block Kit); returns its lane."""
    return await _enqueue(session, user_id, {"user": user_id, "text": text, "blocks": blocks}, now=now,
                          deal_id=deal_id)


async def _enqueue(session: AsyncSession, user_id: str, payload: dict[str, Any], *, now: datetime,
                   deal_id: int | None) -> str:
    lane = dm_lane(user_id)
    await enqueue(session, lane=lane, kind="dm", deal_id=deal_id, now=now, payload=payload)
    return lane
