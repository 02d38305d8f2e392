"""The Slack side effects of domain changes, as outbox rows in the deal's lane (delivered in order).

Cards and topics are rendered from the deal's state at delivery time, so a late delivery shows
the current truth; a stage-change card carries the figures of its moment in the payload.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.infra.outbox import FEED_LANE, deal_lane, dm_lane, enqueue
from models.infra.tables import Deal, StageChange


async def open_channel(session: AsyncSession, deal: Deal, invitees: Iterable[str], *, now: datetime) -> None:
    lane = deal_lane(deal.id)
    for kind in ("create_channel", "post_card", "pin_card", "set_topic"):
        await enqueue(session, lane=lane, kind=kind, deal_id=deal.id, now=now)
    await invite(session, deal, invitees, now=now)


async def invite(session: AsyncSession, deal: Deal, user_ids: Iterable[str], *, now: datetime) -> None:
    users = sorted(set(user_ids))
    if users:
        await enqueue(session, lane=deal_lane(deal.id), kind="invite", deal_id=deal.id, now=now,
                      payload={"users": users})


async def refresh_card(session: AsyncSession, deal: Deal, *, now: datetime) -> None:
    lane = deal_lane(deal.id)
    await enqueue(session, lane=lane, kind="update_card", deal_id=deal.id, now=now)
    await enqueue(session, lane=lane, kind="set_topic", deal_id=deal.id, now=now)


async def stage_changed(session: AsyncSession, deal: Deal, change: StageChange, *, feed_channel: str | None,
                        now: datetime) -> None:
    """The stage-change card in the deal's channel (and in the feed channel, when the workspace has one)."""
    payload = {
        "from": change.from_stage, "to": change.to_stage, "actor": change.actor_id, "at": now.isoformat(),
        "amount": str(change.amount) if change.amount is not None else None, "backward": change.backward,
    }
    await enqueue(session, lane=deal_lane(deal.id), kind="stage_card", deal_id=deal.id, now=now, payload=payload)
    await refresh_card(session, deal, now=now)
    if feed_channel:
        await enqueue(session, lane=FEED_LANE, kind="stage_card", deal_id=deal.id, now=now,
                      payload={**payload, "channel": feed_channel})


async def welcome(session: AsyncSession, deal: Deal, user_id: str, *, now: datetime) -> None:
    await enqueue(session, lane=deal_lane(deal.id), kind="welcome", deal_id=deal.id, now=now,
                  payload={"user": user_id})


async def reminder_answered(session: AsyncSession, *, user_id: str, deal_id: int, followup_id: int,
                            channel: str, ts: str, state: str, now: datetime, **details: object) -> str:
    """Update the reminder DM that was clicked (Done / Snooze) to say what happened; returns its lane."""
    lane = dm_lane(user_id)
    await enqueue(session, lane=lane, kind="reminder_state", deal_id=deal_id, now=now,
                  payload={"followup": followup_id, "channel": channel, "ts": ts, "state": state, "user": user_id,
                           "at": now.isoformat(), **details})
    return lane
