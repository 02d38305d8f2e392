"""The database tables. Every datetime is aware UTC; amounts are exact decimals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.infra.base import Base, UTCDateTime

Money = Numeric(18, 2, asdecimal=True)
SlackId = String(32)


class User(Base):
    """A Slack user the bot has met, with the time zone Slack reported for them."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(SlackId, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    tz: Mapped[str | None] = mapped_column(String(64))
    tz_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    manager_id: Mapped[str | None] = mapped_column(SlackId, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[str] = mapped_column(SlackId, ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class Deal(Base):
    __tablename__ = "deals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(300))
    customer: Mapped[str | None] = mapped_column(String(300))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    close_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str | None] = mapped_column(String(200))
    stage_key: Mapped[str] = mapped_column(String(64))
    last_open_stage_key: Mapped[str | None] = mapped_column(String(64))
    owner_id: Mapped[str] = mapped_column(SlackId, index=True)
    created_by: Mapped[str] = mapped_column(SlackId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lost_reason: Mapped[str | None] = mapped_column(Text)
    won_amount: Mapped[Decimal | None] = mapped_column(Money)
    score: Mapped[int | None] = mapped_column(Integer)
    score_band: Mapped[str | None] = mapped_column(String(16))
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bant: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    custom_fields: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    channel_id: Mapped[str | None] = mapped_column(SlackId, unique=True)
    channel_name: Mapped[str | None] = mapped_column(String(80))
    card_ts: Mapped[str | None] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Lead-score contact SLA (set by /deal score; a note logged in time meets it) and nurture re-score.
    sla_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    nurture_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    nurture_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stale_nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The public pool (SPEC 6) and the lost-channel archive (SPEC 3)
    pooled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    pool_reason: Mapped[str | None] = mapped_column(String(16))  # "lost" | "inactive"
    pool_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own idiom


class DealCollaborator(Base):
    __tablename__ = "deal_collaborators"

    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(SlackId, primary_key=True)
    added_by: Mapped[str] = mapped_column(SlackId)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StageChange(Base):
    __tablename__ = "stage_changes"
    __table_args__ = (Index("ix_stage_changes_deal_at", "deal_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    from_stage: Mapped[str | None] = mapped_column(String(64))
    to_stage: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[str] = mapped_column(SlackId)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    probability: Mapped[int] = mapped_column(Integer)
    backward: Mapped[bool] = mapped_column(Boolean, default=False)


class TimelineEntry(Base):
    __tablename__ = "timeline"
    __table_args__ = (Index("ix_timeline_deal_id_id", "deal_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[str | None] = mapped_column(SlackId)
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)  # the sentence in plain text: search, old readers, entries from before
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # {"locale": "en"|"zh-CN", "text": Text.to_data()}: the sentence with its words, rendered by each reader
    body: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class FollowUp(Base):
    """A follow-up due for the deal's owner. Its reminders fire from this row: `*_sent_at` marks the
    reminder taken (in the transaction that queues the DM), so it is never sent twice."""

    __tablename__ = "followups"
    __table_args__ = (
        Index("ix_followups_open_due", "done_at", "due_at"),
        Index("ix_followups_due_unsent", "due_sent_at", "due_at"),
        Index("ix_followups_early_unsent", "early_sent_at", "early_reminder_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[str] = mapped_column(SlackId, index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text)
    tz: Mapped[str] = mapped_column(String(64))  # the owner's zone when scheduled, for local wall times
    early_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # due - 24 h, when > 24 h ahead
    created_by: Mapped[str] = mapped_column(SlackId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(16))  # "followup" | "note"
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[str | None] = mapped_column(SlackId)
    early_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """A Slack side effect, written in the same transaction as the change that needs it.

    Messages of one lane (a deal's channel, a user's DM) are delivered strictly in id order.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "status", "not_before"),
        Index("ix_outbox_lane", "lane", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    lane: Mapped[str] = mapped_column(String(64))
    deal_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | parked
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # parked: when admins were told


class OutboxLane(Base):
    """A lease on one lane, so that one process at a time delivers it (claims expire)."""

    __tablename__ = "outbox_lanes"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProcessedEvent(Base):
    """Events API deliveries already handled, so that Slack's retries have no second effect."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class PeopleChange(Base):
    """Who changed whose role or manager, and when (role and team administration, SPEC 10)."""

    __tablename__ = "people_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[str] = mapped_column(SlackId)
    user_id: Mapped[str] = mapped_column(SlackId, index=True)
    change: Mapped[str] = mapped_column(String(32))  # role_added | role_removed | manager_set | manager_cleared
    detail: Mapped[str] = mapped_column(Text)


class AssignCounter(Base):
    """Round-robin position of one lead assignment rule; bumped with one UPDATE so processes never share a slot."""

    __tablename__ = "assign_counters"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    turns: Mapped[int] = mapped_column(Integer, default=0)
class Quota(Base):
    """A rep's target for one period (`/deal target`); attainment is won value in that period."""

    __tablename__ = "quotas"

    user_id: Mapped[str] = mapped_column(SlackId, primary_key=True)
    period_kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # week | month | quarter | year
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)  # first local day of the period
    amount: Mapped[Decimal] = mapped_column(Money)
    set_by: Mapped[str] = mapped_column(SlackId)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DigestSent(Base):
    """One row per person, local day and kind of digest: whoever inserts it first sends it."""

    __tablename__ = "digests_sent"

    user_id: Mapped[str] = mapped_column(SlackId, primary_key=True)
    local_date: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # daily | weekly | monthly
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


# Reports and digests read deals by owner and by close or creation date (migration 0005).
Index("ix_deals_owner_closed", Deal.owner_id, Deal.closed_at)
Index("ix_deals_owner_created", Deal.owner_id, Deal.created_at)
Index("ix_deals_closed_at", Deal.closed_at)
Index("ix_deals_created_at", Deal.created_at)
Index("ix_followups_owner_open", FollowUp.owner_id, FollowUp.done_at, FollowUp.due_at)
Index("ix_timeline_at", TimelineEntry.at)
class MaintenanceRun(Base):
    """One row per periodic job and period (a day's backup): the process that inserts it runs it,
    so several processes run it once."""

    __tablename__ = "maintenance_runs"

    job: Mapped[str] = mapped_column(String(32), primary_key=True)
    period: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_by: Mapped[str | None] = mapped_column(String(64))


class ApprovalRequest(Base):
    """A move held for approval (SPEC 12). `status` leaves "pending" once, by one conditional UPDATE, so
    the first decision (or the expiry) wins; `reminded_at` marks the reminder taken, like a follow-up's."""

    __tablename__ = "approval_requests"
    __table_args__ = (
        Index("ix_approval_requests_status_expires", "status", "expires_at"),
        Index("ix_approval_requests_status_remind", "status", "remind_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # pending | approved | rejected | expired | lapsed
    from_stage: Mapped[str] = mapped_column(String(64))
    to_stage: Mapped[str] = mapped_column(String(64))
    requested_by: Mapped[str] = mapped_column(SlackId)
    owner_id: Mapped[str] = mapped_column(SlackId)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{"stage", "when", "approvers"}]
    approvers: Mapped[list[str]] = mapped_column(JSON)
    figures: Mapped[dict[str, str]] = mapped_column(JSON)  # the deal's numbers the rules read, when asked
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(SlackId)
    reason: Mapped[str | None] = mapped_column(Text)


class ApprovalCard(Base):
    """An approval card posted to an approver's DM, so that when the request closes (decided, expired,
    lapsed) every copy is redrawn without its buttons, not only the one clicked."""

    __tablename__ = "approval_cards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("approval_requests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(SlackId)
    channel: Mapped[str] = mapped_column(SlackId)
    ts: Mapped[str] = mapped_column(String(32))


class TerritoryRep(Base):
    """A change by `/deal territory <key> add|remove @rep` to a territory's reps (the pipeline file's are
    the defaults): `member` true adds the rep, false takes a default rep out."""

    __tablename__ = "territory_reps"

    territory_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(SlackId, primary_key=True)
    member: Mapped[bool] = mapped_column(Boolean)
    changed_by: Mapped[str] = mapped_column(SlackId)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TerritoryManager(Base):
    """`/deal territory <key> manager @user`: replaces the pipeline file's manager of the territory."""

    __tablename__ = "territory_managers"

    territory_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    manager_id: Mapped[str] = mapped_column(SlackId)
    changed_by: Mapped[str] = mapped_column(SlackId)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelMember(Base):
    """Whether someone is in a deal's channel (SPEC 10: members may read the deal from anywhere). Kept from
    `member_joined_channel` / `member_left_channel`, the bot's own invitations and `conversations.members`.
    A leave is kept too (`present` false), with the time Slack gave its event: a join event older than it,
    retried late or delivered out of order, does not bring the person back."""

    __tablename__ = "channel_members"

    channel_id: Mapped[str] = mapped_column(SlackId, primary_key=True)
    user_id: Mapped[str] = mapped_column(SlackId, primary_key=True)
    present: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the bot learnt it
    event_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # Slack's time of the last event applied


class ChannelRoster(Base):
    """The whole membership of this channel is in `channel_members` as of `complete_at` (the bot made the
    channel then, or Slack listed its members then), kept current by events since; without a row, or with
    an old one, the bot asks Slack before trusting the absence (or presence) of a member."""

    __tablename__ = "channel_rosters"

    channel_id: Mapped[str] = mapped_column(SlackId, primary_key=True)
    complete_at: Mapped[datetime] = mapped_column(UTCDateTime)
