"""A small, hand-checked book of deals for the metrics and digest tests (answers in the tests)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from models.infra.tables import Deal, FollowUp, Quota, StageChange, User

A, B, C = "U0A", "U0B", "U0C"  # A and B report to manager M; C is on another team
M = "U0M"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


PROBABILITY = {"lead": 10, "qualified": 20, "discovery": 30, "proposal": 50, "negotiation": 70, "won": 100, "lost": 0}

# number, owner, created, source, amount, [(stage, at)], lost reason
DEALS = [
    (1, A, "2026-11-02 10:00", "web", "1000",
     [("lead", "2026-11-02 10:00"), ("qualified", "2026-11-04 10:00"), ("proposal", "2026-11-09 10:00"),
      ("won", "2026-11-19 10:00")], None),
    (2, A, "2026-10-10 10:00", "referral", "2000",
     [("lead", "2026-10-10 10:00"), ("qualified", "2026-10-20 10:00"), ("discovery", "2026-11-05 10:00"),
      ("negotiation", "2026-11-10 10:00")], None),
    (3, B, "2026-10-31 23:30", "web", "500", [("lead", "2026-10-31 23:30"), ("lost", "2026-11-11 23:30")], "Price "),
    (4, B, "2026-11-20 08:00", None, None, [("lead", "2026-11-20 08:00")], None),
    (5, B, "2026-09-01 00:00", "web", "3000",
     [("lead", "2026-09-01 00:00"), ("proposal", "2026-09-15 00:00"), ("won", "2026-10-31 22:30")], None),
    (6, C, "2026-11-03 00:00", "event", "9999", [("lead", "2026-11-03 00:00")], None),
    (7, A, "2026-11-06 12:00", "referral", "4000", [("lead", "2026-11-06 12:00"), ("lost", "2026-11-16 00:00")],
     "price"),
]


async def seed(session: AsyncSession) -> None:
    created = at("2026-01-01 00:00")
    session.add(User(id=M, name="mia", tz="Europe/Berlin", created_at=created))
    await session.flush()
    session.add_all([
        User(id=A, name="ana", tz="Europe/Berlin", manager_id=M, created_at=created),
        User(id=B, name="ben", tz="America/New_York", manager_id=M, created_at=created),
        User(id=C, name="cy", tz="UTC", created_at=created),
    ])
    for number, owner, made, source, amount, moves, reason in DEALS:
        last_stage, last_at = moves[-1]
        closed = last_stage in ("won", "lost")
        value = Decimal(amount) if amount else None
        session.add(Deal(
            id=number, title=f"Deal {number}", amount=value, source=source, stage_key=last_stage,
            last_open_stage_key=[s for s, _ in moves if s not in ("won", "lost")][-1], owner_id=owner,
            created_by=owner, created_at=at(made), updated_at=at(last_at), closed_at=at(last_at) if closed else None,
            lost_reason=reason, won_amount=value if last_stage == "won" else None, custom_fields={},
        ))
        await session.flush()
        previous = None
        for stage, when in moves:
            session.add(StageChange(deal_id=number, from_stage=previous, to_stage=stage, actor_id=owner, at=at(when),
                                    amount=value, probability=PROBABILITY[stage]))
            previous = stage
    session.add(Quota(user_id=A, period_kind="month", period_start=date(2026, 11, 1), amount=Decimal(5000),
                      set_by=M, set_at=created))
    session.add(Quota(user_id=B, period_kind="quarter", period_start=date(2026, 10, 1), amount=Decimal(9000),
                      set_by=M, set_at=created))
    session.add_all([
        FollowUp(deal_id=2, owner_id=A, due_at=at("2026-11-22 09:00"), text="call", tz="UTC", created_by=A,
                 created_at=created, source="followup"),
        FollowUp(deal_id=4, owner_id=B, due_at=at("2026-11-30 09:00"), text="demo", tz="UTC", created_by=B,
                 created_at=created, source="followup"),
    ])
    await session.flush()
