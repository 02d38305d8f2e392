"""Quotas (`/deal target`): one amount per person and period, replaced when set again."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from models.infra.db import insert_or_ignore
from models.infra.errors import Forbidden, Refused
from models.infra.i18n import t
from models.infra.tables import Quota
from models.people.permissions import Actor, quota_refusal
from models.people.users import ensure_user
from models.reporting.metrics import Period, current_period, period_from

USAGE = "/deal target @user <week|month|quarter|year|2026|2026-11|2026-q4> <amount>"
_YEAR = re.compile(r"(\d{4})")
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_QUARTER = re.compile(r"(\d{4})-q([1-4])")


def target_period(text: str, *, now: datetime, tz: ZoneInfo) -> Period:
    """`week|month|quarter|year` (the current one, in the caller's zone) or a named one."""
    text = text.strip().lower()
    if text in ("week", "month", "quarter", "year"):
        return current_period(text, now, tz)
    try:
        if m := _YEAR.fullmatch(text):
            return period_from("year", date(int(m[1]), 1, 1), tz)
        if m := _MONTH.fullmatch(text):
            return period_from("month", date(int(m[1]), int(m[2]), 1), tz)
        if m := _QUARTER.fullmatch(text):
            return period_from("quarter", date(int(m[1]), (int(m[2]) - 1) * 3 + 1, 1), tz)
    except (ValueError, OverflowError):  # month 13, year 0000 or 9999's end
        pass
    raise Refused(t('"{text}" is not a period.', text=text), USAGE)


async def set_quota(session: AsyncSession, actor: Actor, user_id: str, period: Period, amount: Decimal, *,
                    now: datetime) -> Decimal | None:
    """Set the target; returns the one it replaced, if any."""
    if refusal := quota_refusal(actor, user_id):
        raise Forbidden(refusal, USAGE)
    if amount <= 0:
        raise Refused(t("A target must be a positive amount."), USAGE)
    await ensure_user(session, user_id, now=now)
    key = (user_id, period.kind, period.first_day)
    previous_row = await session.get(Quota, key)
    previous = previous_row.amount if previous_row is not None else None
    # Two people setting the same target at once: one insert, then the other's update; never a key error.
    await insert_or_ignore(session, Quota, user_id=user_id, period_kind=period.kind, period_start=period.first_day,
                           amount=amount, set_by=actor.user_id, set_at=now)
    quota = await session.get(Quota, key, populate_existing=True, with_for_update=True)
    assert quota is not None
    quota.amount, quota.set_by, quota.set_at = amount, actor.user_id, now
    return previous
