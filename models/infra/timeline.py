"""A deal's timeline: what happened, by whom, as a sentence kept in the language it was written in.

An entry stores its sentence twice: structured (``body``: the :class:`~models.infra.i18n.Text` with its
words and the workspace's locale, rendered by each edge its own way: Slack mentions, plain CSV) and as
plain text (``text``: for search and for readers of rows written before ``body`` existed).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.infra.i18n import Text, as_body
from models.infra.tables import Deal, TimelineEntry


def entry(deal_id: int, actor_id: str | None, kind: str, text: Text, now: datetime, *, locale: str,
          data: dict[str, Any] | None = None) -> TimelineEntry:
    """One timeline row, not yet added (sweeps add many at once)."""
    return TimelineEntry(deal_id=deal_id, at=now, actor_id=actor_id, kind=kind, text=text.render(locale),
                         body=as_body(text, locale), data=data)


def log(session: AsyncSession, deal: Deal, actor_id: str | None, kind: str, text: Text, now: datetime, *,
        locale: str, data: dict[str, Any] | None = None) -> None:
    """A timeline entry on ``deal``, written in ``locale`` (the workspace's): history stays in the language
    it was written in."""
    session.add(entry(deal.id, actor_id, kind, text, now, locale=locale, data=data))
