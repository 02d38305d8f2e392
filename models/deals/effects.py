"""The Slack side effects of domain changes, as outbox rows in the deal's lane (delivered in order).

Cards and topics are rendered from the deal's state at delivery time, so a late delivery shows
the current truth; a stage-change card carries the figures of its moment in the payload.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.infra.dms import enqueue_dm
from models.infra.outbox import FEED_LANE, deal_lane, dm_lane, enqueue
from models.infra.tables import Deal, StageChange
from models.pipeline.workspace import Workspace


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


async def stage_changed(session: AsyncSession, ws: Workspace, deal: Deal, change: StageChange, *,
                        now: datetime) -> None:
    payload = {
        "from": change.from_stage, "to": change.to_stage, "actor": change.actor_id, "at": now.isoformat(),
        "amount": str(change.amount) if change.amount is not None else None, "backward": change.backward,
    }
    await enqueue(session, lane=deal_lane(deal.id), kind="stage_card", deal_id=deal.id, now=now, payload=payload)
    await refresh_card(session, deal, now=now)
    if ws.feed_channel:
        await enqueue(session, lane=FEED_LANE, kind="stage_card", deal_id=deal.id, now=now,
                      payload={**payload, "channel": ws.feed_channel})


async def welcome(session: AsyncSession, deal: Deal, user_id: str, *, now: datetime) -> None:
    await enqueue(session, lane=deal_lane(deal.id), kind="welcome", deal_id=deal.id, now=now,
                  payload={"user": user_id})


async def reminder_answered(session: AsyncSession, *, user_id: str, deal_id: int, followup_id: int,
                            channel: str, ts: str, state: str, now: datetime, **details: object) -> None:
    """Update the reminder DM that was clicked (Done / Snooze) to say what happened."""
    await enqueue(session, lane=dm_lane(user_id), kind="reminder_state", deal_id=deal_id, now=now,
                  payload={"followup": followup_id, "channel": channel, "ts": ts, "state": state, "user": user_id,
                           "at": now.isoformat(), **details})
async def direct_message(session: AsyncSession, user_id: str, text: str, *, now: datetime,
                         deal_id: int | None = None, blocks: list[dict] | None = None) -> None:
    """A DM from the bot to one person, in that person's own lane."""
    await enqueue_dm(session, user_id, text=text, blocks=blocks or [], now=now, deal_id=deal_id)
