"""Domain sentences as a person reads them in Slack: rendered for Slack (bot/blocks/words.py), then with
Slack's three entities read back (``&gt;`` shows as ``>``); mentions stay ``<@U…>`` tokens, as tests name them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks.words import mrkdwn_text
from models.infra.i18n import Text, from_body
from models.infra.tables import TimelineEntry


def as_shown(text: Text | str, locale: str = "en") -> str:
    said = mrkdwn_text(text, locale) if isinstance(text, Text) else text
    return said.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def entry_as_shown(entry: TimelineEntry) -> str:
    """A timeline entry as the history shows it: its sentence in the language it was written in, or the
    plain text of an entry written before sentences were kept."""
    if not entry.body:
        return entry.text
    text, locale = from_body(entry.body)
    return as_shown(text, locale)


async def timeline_as_shown(session: AsyncSession, *where: Any) -> Sequence[str]:
    rows = await session.scalars(select(TimelineEntry).where(*where).order_by(TimelineEntry.id))
    return [entry_as_shown(row) for row in rows]
