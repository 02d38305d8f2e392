"""Slack side effects as rows, written in the same transaction as the change that needs them.

The domain names what must happen (`post_card`, `invite`, ...); bot/delivery/outbox.py delivers it.
Nobody passes lanes around: the session notes the lane of every row it is about to write
(`lanes_written`), and whoever commits the transaction (bot/runtime/runner.py) has them delivered.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction

from models.infra.db import insert_or_ignore, rows_changed
from models.infra.tables import OutboxLane, OutboxMessage

FEED_LANE = "feed"
LEASE = timedelta(seconds=45)  # a lane's lease; renewed every third of it while its process delivers
_LANES = "dealroom.outbox_lanes"  # Session.info key: the lanes of the rows flushed in this session, in order


def deal_lane(number: int) -> str:
    return f"deal:{number}"


def dm_lane(user_id: str) -> str:
    """A person's direct messages from the bot, delivered in order."""
    return f"dm:{user_id}"


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


async def enqueue_many(session: AsyncSession, messages: list[dict[str, Any]], *, now: datetime) -> None:
    """Many rows at once (a reminder sweep): one lane row per distinct lane, then the messages.

    Each message is a dict of `lane`, `kind` and optionally `deal_id`, `payload`."""
    for lane in sorted({m["lane"] for m in messages}):
        await insert_or_ignore(session, OutboxLane, key=lane)
    session.add_all(
        OutboxMessage(lane=m["lane"], kind=m["kind"], deal_id=m.get("deal_id"), payload=m.get("payload") or {},
                      status="pending", attempts=0, not_before=now, created_at=now)
        for m in messages
    )


# --- the lanes a transaction wrote ------------------------------------------------------------------


@event.listens_for(Session, "before_flush")
def _note_lanes(session: Session, flush_context: UOWTransaction, instances: object) -> None:
    for obj in session.new:
        if isinstance(obj, OutboxMessage):
            session.info.setdefault(_LANES, {})[obj.lane] = None


@event.listens_for(Session, "after_rollback")
def _forget_lanes(session: Session) -> None:
    session.info.pop(_LANES, None)  # rolled back: nothing of it is waiting to be delivered


def lanes_written(session: Session | AsyncSession) -> list[str]:
    """The lanes of the outbox rows this session wrote (once each, in the order they were first written);
    read it once the transaction has committed."""
    return list(session.info.get(_LANES, ()))


# --- leases: one process delivers a lane at a time --------------------------------------------------


async def take_lane(session: AsyncSession, lane: str, worker: str, *, now: datetime) -> bool:
    """Lease the lane to `worker` unless another process holds an unexpired lease on it."""
    result = await session.execute(
        update(OutboxLane)
        .where(OutboxLane.key == lane, or_(OutboxLane.claimed_until.is_(None), OutboxLane.claimed_until < now))
        .values(claimed_by=worker, claimed_until=now + LEASE)
    )
    return rows_changed(result) == 1


async def renew_lane(session: AsyncSession, lane: str, worker: str, *, now: datetime) -> bool:
    """Extend `worker`'s lease; False when it no longer holds it (it lapsed and another process took it)."""
    result = await session.execute(
        update(OutboxLane).where(OutboxLane.key == lane, OutboxLane.claimed_by == worker)
        .values(claimed_until=now + LEASE)
    )
    return rows_changed(result) == 1


async def release_lane(session: AsyncSession, lane: str, worker: str) -> None:
    await session.execute(
        update(OutboxLane).where(OutboxLane.key == lane, OutboxLane.claimed_by == worker)
        .values(claimed_by=None, claimed_until=None)
    )
