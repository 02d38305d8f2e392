"""Tell admins, in one DM each per batch, about outbox messages that had to be parked."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.infra.i18n import render, t, tn
from models.infra.outbox import enqueue
from models.infra.parked import ALERT_KIND, claim_unalerted
from models.infra.tables import OutboxMessage

log = logging.getLogger(__name__)

LISTED = 15  # rows named in one DM; the rest are counted


def admin_lane(user_id: str) -> str:
    return f"dm:{user_id}"


def alert_text(rows: list[OutboxMessage], locale: str = "en") -> str:
    """The admin DM, in the workspace's language (each row's kind and Slack error stay as recorded)."""
    lines = [render(tn("Dealroom could not deliver {n} Slack message; it is parked, not lost:",
                       "Dealroom could not deliver {n} Slack messages; they are parked, not lost:", len(rows)), locale)]
    for row in rows[:LISTED]:
        deal = f" D-{row.deal_id}" if row.deal_id is not None else ""
        lines.append(f"• #{row.id}{deal} {row.kind}: {row.last_error or 'unknown'}")
    if len(rows) > LISTED:
        lines.append(render(t("… and {n} more.", n=len(rows) - LISTED), locale))
    lines.append(render(t("See them with `dealroom outbox --parked`; after fixing the cause, "
                          "`dealroom outbox --retry ID`."), locale))
    return "\n".join(lines)


async def alert_admins(session: AsyncSession, admins: Iterable[str], *, now: datetime, locale: str = "en") -> None:
    """Queue one DM per admin about parked rows nobody was told of."""
    admins = sorted(set(admins))
    rows = await claim_unalerted(session, now=now)
    if not rows:
        return
    if not admins:
        log.warning("%s outbox message(s) parked and DEALROOM_ADMINS is empty: see `dealroom outbox --parked`",
                    len(rows))
        return
    text = alert_text(rows, locale)
    for admin in admins:
        await enqueue(session, lane=admin_lane(admin), kind=ALERT_KIND, now=now,
                      payload={"user": admin, "text": text, "rows": [row.id for row in rows]})
