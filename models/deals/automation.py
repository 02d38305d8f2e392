"""What happens around a stage move besides the move itself (SPEC 3, 6, 7).

- Lost: the deal goes to the public pool at once; any other move takes it out.
- Reopening a deal whose channel was archived unarchives it first (before any card is posted).
- Won: a handoff follow-up for the owner due within 1 business day in the owner's time zone
  (weekends and the configured holidays skipped), a first check-in call 3 calendar days after
  closing at the same local wall time, and a won card in the channel.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from models.infra.calendar import add_business_days, add_calendar_days
from models.infra.i18n import N_, Text, t
from models.infra.outbox import deal_lane, enqueue
from models.infra.tables import Deal, FollowUp
from models.infra.timeline import entry
from models.infra.words import Moment
from models.people.users import role_holders, user_tz
from models.pipeline.transitions import Move
from models.pipeline.workspace import Workspace

EARLY_REMINDER = timedelta(hours=24)  # as models.activity: a reminder the day before, when due later than that
HANDOFF_BUSINESS_DAYS = 1
CHECKIN_DAYS = 3


async def before_move_effects(session: AsyncSession, deal: Deal, move: Move, *, now: datetime) -> None:
    """Pool state and the channel's archive, before the move's cards are queued."""
    if move.to_stage.closed == "lost":
        deal.pooled_at, deal.pool_reason, deal.pool_warned_at = now, "lost", None
        return
    deal.pooled_at = deal.pool_reason = deal.pool_warned_at = None
    if move.reopen and deal.archived_at is not None:
        deal.archived_at = None
        await enqueue(session, lane=deal_lane(deal.id), kind="unarchive_channel", deal_id=deal.id, now=now)


async def after_move_effects(session: AsyncSession, ws: Workspace, actor_id: str, deal: Deal, move: Move, *,
                             now: datetime) -> None:
    if move.to_stage.closed == "won":
        await _won(session, ws, actor_id, deal, now=now)


async def _won(session: AsyncSession, ws: Workspace, actor_id: str, deal: Deal, *, now: datetime) -> None:
    tz_name = await user_tz(session, deal.owner_id) or ws.default_tz.key
    tz = ZoneInfo(tz_name)
    who, locale = deal.customer or deal.title, ws.locale
    handoff = _followup(deal, actor_id, tz_name, now, source="handoff",
                        due_at=add_business_days(now, HANDOFF_BUSINESS_DAYS, tz, ws.calendar),
                        text=t("Hand {who} over to customer success", who=who).render(locale))
    checkin = _followup(deal, actor_id, tz_name, now, source="checkin",
                        due_at=add_calendar_days(now, CHECKIN_DAYS, tz),
                        text=t("First check-in call with {who}", who=who).render(locale))
    session.add_all([handoff, checkin])
    for followup, said in ((handoff, N_("scheduled the customer handoff for {when}")),
                           (checkin, N_("scheduled the first check-in call for {when}"))):
        session.add(entry(deal.id, None, "followup", Text(said, (("when", Moment(followup.due_at, tz_name)),)), now,
                          locale=locale, data={"due_at": followup.due_at.isoformat(), "source": followup.source}))
    await enqueue(session, lane=deal_lane(deal.id), kind="won_card", deal_id=deal.id, now=now, payload={
        "actor": actor_id, "at": now.isoformat(), "tz": tz_name,
        "amount": str(deal.amount) if deal.amount is not None else None,
        "handoff_at": handoff.due_at.isoformat(), "checkin_at": checkin.due_at.isoformat(),
        "cs": await role_holders(session, "cs"),
    })


def _followup(deal: Deal, actor_id: str, tz_name: str, now: datetime, *, source: str, due_at: datetime,
              text: str) -> FollowUp:
    return FollowUp(
        deal_id=deal.id, owner_id=deal.owner_id, due_at=due_at, text=text[:500], tz=tz_name,
        early_reminder_at=due_at - EARLY_REMINDER if due_at - now > EARLY_REMINDER else None,
        created_by=actor_id, created_at=now, source=source,
    )
