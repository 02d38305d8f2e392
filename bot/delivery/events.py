"""Typed notices: what the scheduler's digests and sweeps queue, as figures, to be worded at delivery.

A notice is an outbox kind and JSON data (the models' own dataclasses, through pydantic: Decimals as strings,
dates as ISO), with no words and no Block Kit: bot/delivery/kinds/notices.py composes the message when it
delivers the row, in the workspace's language, with the bot/blocks builders. So the scheduler computes and
queues, and only bot/blocks writes Slack's markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from models.infra.outbox import deal_lane, dm_lane, enqueue
from models.reporting.digests import DailyDigest, WeeklyReport
from models.reporting.metrics import Report
from models.reporting.territory_digest import TerritoryDigest

T = TypeVar("T")

DAILY_DIGEST = "digest"
WEEKLY_REPORT = "weekly_report"
TEAM_WEEKLY_REPORT = "team_weekly_report"
MONTHLY_REVIEW = "monthly_review"
TERRITORY_DIGEST = "territory_digest"
POOL_NOTICE = "pool_notice"
KINDS = (DAILY_DIGEST, WEEKLY_REPORT, TEAM_WEEKLY_REPORT, MONTHLY_REVIEW, TERRITORY_DIGEST, POOL_NOTICE)


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(cls: type[Any]) -> TypeAdapter[Any]:
    if cls not in _ADAPTERS:  # building one reads the dataclass's annotations: once per class
        _ADAPTERS[cls] = TypeAdapter(cls)
    return _ADAPTERS[cls]


def to_data(value: Any) -> Any:
    """A dataclass of the models as JSON-able data."""
    return _adapter(type(value)).dump_python(value, mode="json")


def from_data(cls: type[T], data: Any) -> T:
    """The dataclass back from :func:`to_data`."""
    value: T = _adapter(cls).validate_python(data)
    return value


@dataclass(frozen=True)
class Notice:
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


def daily_digest(digest: DailyDigest, tz: ZoneInfo) -> Notice:
    return Notice(DAILY_DIGEST, {"tz": tz.key, "digest": to_data(digest)})


def weekly_report(report: WeeklyReport, tz: ZoneInfo) -> Notice:
    return Notice(WEEKLY_REPORT, {"tz": tz.key, "report": to_data(report)})


def team_weekly_report(reports: list[WeeklyReport]) -> Notice:
    return Notice(TEAM_WEEKLY_REPORT, {"reports": [to_data(r) for r in reports]})


def monthly_review(report: Report) -> Notice:
    return Notice(MONTHLY_REVIEW, {"report": to_data(report)})


def territory_digest(digest: TerritoryDigest) -> Notice:
    return Notice(TERRITORY_DIGEST, {"digest": to_data(digest)})


def pool_warning(number: int, title: str, *, last_update: datetime, pool_at: datetime, tz: ZoneInfo) -> Notice:
    return Notice(POOL_NOTICE, {"what": "warning", "number": number, "title": title, "tz": tz.key,
                                "last_update": last_update.isoformat(), "pool_at": pool_at.isoformat()})


def pooled(number: int, title: str, *, days: int) -> Notice:
    return Notice(POOL_NOTICE, {"what": "pooled", "number": number, "title": title, "days": days})


def claimed(number: int, title: str, *, claimant_id: str) -> Notice:
    return Notice(POOL_NOTICE, {"what": "claimed", "number": number, "title": title, "claimant": claimant_id})


def archive_notice(*, days: int) -> Notice:
    return Notice(POOL_NOTICE, {"what": "archive", "days": days})


async def queue_dm(session: AsyncSession, user_id: str, notice: Notice, *, now: datetime,
                   deal_id: int | None = None) -> str:
    """Queue the notice as a DM to `user_id`; returns its lane."""
    lane = dm_lane(user_id)
    await enqueue(session, lane=lane, kind=notice.kind, deal_id=deal_id, now=now,
                  payload={**notice.data, "user": user_id})
    return lane


async def queue_in_channel(session: AsyncSession, deal_id: int, notice: Notice, *, now: datetime) -> str:
    """Queue the notice in the deal's channel (its lane: after everything queued there before)."""
    lane = deal_lane(deal_id)
    await enqueue(session, lane=lane, kind=notice.kind, deal_id=deal_id, now=now, payload=dict(notice.data))
    return lane
