"""Follow-up reminders: a DM 24 hours ahead and one at the due time; Done and Snooze.

A reminder is taken by one conditional UPDATE that marks it sent (`*_sent_at`) and, in the same
transaction, queues its DM as an outbox row. Two processes never take the same reminder (PostgreSQL
skips rows another transaction holds; SQLite has one writer), a crash before the commit takes
nothing, and one taken is delivered by the outbox even across a restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.infra import effects
from models.infra.db import rows_changed
from models.infra.errors import Refused
from models.infra.i18n import t
from models.infra.outbox import dm_lane, enqueue_many
from models.infra.tables import Deal, FollowUp
from models.infra.timeline import log
from models.infra.words import Moment
from models.people.access import require_edit
from models.people.permissions import Actor
from models.pipeline.workspace import Workspace

Which = Literal["early", "due"]
LATE_AFTER = timedelta(minutes=2)  # sent later than this after its time: the bot was down, say so
BATCH = 500
SNOOZES = {"hour": timedelta(hours=1), "day": timedelta(days=1)}


@dataclass(frozen=True)
class ReminderRef:
    """What a reminder DM's buttons name: the follow-up and the moment the reminder was for, so a
    click on an old reminder (done or snoozed since) is recognised."""

    followup_id: int
    which: Which
    at: datetime


async def take_due_reminders(session: AsyncSession, ws: Workspace, *, now: datetime, limit: int = BATCH) -> None:
    """Mark due reminders sent and queue their DMs (a batch of each kind at most)."""
    for which in ("due", "early"):
        await _take(session, ws, which, now=now, limit=limit)


def _columns(which: Which):  # type: ignore[no-untyped-def]
    if which == "due":
        return FollowUp.due_at, FollowUp.due_sent_at
    return FollowUp.early_reminder_at, FollowUp.early_sent_at


async def _take(session: AsyncSession, ws: Workspace, which: Which, *, now: datetime, limit: int) -> None:
    at_column, sent_column = _columns(which)
    candidates = (
        select(FollowUp.id)
        .where(FollowUp.done_at.is_(None), sent_column.is_(None), at_column <= now)
        .order_by(at_column)
        .limit(limit)
    )
    if which == "early":  # an early reminder whose due time has passed is replaced by the due one
        candidates = candidates.where(FollowUp.due_at > now)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    while True:  # a batch whose reminders were all dropped queues nothing: take the next one
        taken = (await session.execute(
            update(FollowUp)
            .where(FollowUp.id.in_(candidates.scalar_subquery()), sent_column.is_(None))
            .values({sent_column: now})
            .returning(FollowUp.id, FollowUp.deal_id, FollowUp.owner_id, at_column, FollowUp.text)
            .execution_options(synchronize_session=False)
        )).all()
        if not taken:
            return
        messages = await _messages(session, ws, which, taken, now=now)
        if messages:
            await enqueue_many(session, messages, now=now)
            return


async def _messages(session: AsyncSession, ws: Workspace, which: Which,
                    taken: Sequence[tuple[int, int, str, datetime | None, str]], *,
                    now: datetime) -> list[dict[str, Any]]:
    """The DMs of the reminders taken, each to the deal's current owner; none for a deal nobody owns."""
    numbers = {deal_id for _, deal_id, _, _, _ in taken}
    deals = {d.id: d for d in await session.scalars(select(Deal).where(Deal.id.in_(numbers)))}
    messages = []
    for followup_id, deal_id, owner_id, at, text in taken:
        assert at is not None  # taken because it was due
        deal = deals[deal_id]
        recipient = _recipient(ws, deal, owner_id)
        if recipient is None:
            log(session, deal, None, "reminder_dropped",
                t("dropped a reminder: the deal is in the public pool ({text})", text=text), now, locale=ws.locale,
                data={"followup": followup_id})
            continue
        if recipient != owner_id:  # reassigned: the follow-up is the new owner's now
            await session.execute(update(FollowUp).where(FollowUp.id == followup_id).values(owner_id=recipient)
                                  .execution_options(synchronize_session=False))
        messages.append(dict(
            lane=dm_lane(recipient), kind="reminder", deal_id=deal_id,
            payload={"followup": followup_id, "which": which, "at": at.isoformat(), "user": recipient,
                     "late": now - at > LATE_AFTER},
        ))
    return messages


def _recipient(ws: Workspace, deal: Deal, owner_id: str) -> str | None:
    """The deal's current owner; nobody for a deal in the public pool (a lost one goes there at once)."""
    lost = ws.pipeline.lost_stage is not None and deal.stage_key == ws.pipeline.lost_stage.key
    if lost or deal.pooled_at is not None:
        return None
    return deal.owner_id or owner_id


async def load_followup(session: AsyncSession, followup_id: int) -> tuple[FollowUp, Deal]:
    followup = await session.get(FollowUp, followup_id)
    deal = await session.get(Deal, followup.deal_id) if followup is not None else None
    if followup is None or deal is None:
        raise Refused(t("That follow-up no longer exists."))
    return followup, deal


def is_current(followup: FollowUp, ref: ReminderRef) -> bool:
    """Whether the reminder `ref` still stands: not done, and neither snoozed nor rescheduled since."""
    at = followup.due_at if ref.which == "due" else followup.early_reminder_at
    return followup.done_at is None and at == ref.at


@dataclass(frozen=True)
class Completed:
    followup: FollowUp
    deal: Deal
    already: bool  # done before this click (a second click, or someone else)


async def complete(session: AsyncSession, actor: Actor, followup_id: int, *, now: datetime,
                   locale: str = "en") -> Completed:
    followup, deal = await load_followup(session, followup_id)
    await require_edit(session, actor, deal)
    done = await session.execute(
        update(FollowUp).where(FollowUp.id == followup_id, FollowUp.done_at.is_(None))
        .values(done_at=now, done_by=actor.user_id).execution_options(synchronize_session=False)
    )
    if rows_changed(done) != 1:
        await session.refresh(followup)
        return Completed(followup, deal, already=True)
    await session.refresh(followup)
    deal.updated_at = now
    log(session, deal, actor.user_id, "followup_done", t("followed up: {text}", text=followup.text), now,
        locale=locale, data={"followup": followup.id})
    await effects.refresh_card(session, deal, now=now)
    return Completed(followup, deal, already=False)


@dataclass(frozen=True)
class Snoozed:
    followup: FollowUp
    deal: Deal
    until: datetime  # when the next reminder comes
    moved_due: bool  # the follow-up itself is due later now (snoozing the due-time reminder)


def snooze_until(now: datetime, length: str, tz: ZoneInfo) -> datetime:
    """From the click: an hour later, or the same local wall time tomorrow (DST-safe)."""
    if length == "day":
        return (now.astimezone(tz) + SNOOZES["day"]).astimezone(now.tzinfo)
    return now + SNOOZES["hour"]


async def snooze(session: AsyncSession, ws: Workspace, actor: Actor, ref: ReminderRef, length: str, *,
                 now: datetime, tz: ZoneInfo) -> Snoozed:
    if length not in SNOOZES:
        raise Refused(t("Snooze for an hour or a day."))
    followup, deal = await load_followup(session, ref.followup_id)
    await require_edit(session, actor, deal)
    if followup.done_at is not None:
        raise Refused(t("That follow-up is done already."))
    if not is_current(followup, ref):
        raise Refused(t("That reminder was snoozed already; the follow-up is due {when}.",
                        when=Moment(followup.due_at, _zone_name(tz))))
    until = snooze_until(now, length, tz)
    if ref.which == "early" and until < followup.due_at:
        followup.early_reminder_at, followup.early_sent_at = until, None
        moved_due = False
    elif ref.which == "early":  # later than the due time: the due-time reminder comes first
        until, moved_due = followup.due_at, False
    else:
        followup.due_at, followup.due_sent_at = until, None
        followup.early_reminder_at = None
        moved_due = True
    deal.updated_at = now
    values = {"when": Moment(until, _zone_name(tz)), "text": followup.text}
    text = (t("snoozed the follow-up until {when}: {text}", **values) if moved_due
            else t("snoozed the reminder of the follow-up until {when}: {text}", **values))
    log(session, deal, actor.user_id, "followup_snoozed", text, now, locale=ws.locale,
        data={"followup": followup.id, "until": until.isoformat()})
    if moved_due:
        await effects.refresh_card(session, deal, now=now)
    return Snoozed(followup, deal, until, moved_due)


def _zone_name(tz: ZoneInfo) -> str:
    return getattr(tz, "key", None) or str(tz)
