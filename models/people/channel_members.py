"""Who is in a deal's channel (SPEC 10: its members may read the deal from anywhere, never change it).

Slack says so by events (`member_joined_channel`, `member_left_channel`), the bot knows whom it invited
and that it made the channel, and `conversations.members` lists the rest. A channel's *roster* is
complete from a moment the bot knew every member (it made the channel, or Slack listed them) and is kept
current by events after; when there is none, or it is older than ROSTER_FRESH_FOR (events are lost while
the bot is down for longer than Slack retries them), the caller asks Slack before deciding.

Events may come late (Slack retries for an hour) and out of order: each carries Slack's time, and an
event older than the last one applied to that person in that channel changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from models.infra.db import insert_or_ignore
from models.infra.tables import ChannelMember, ChannelRoster

ROSTER_FRESH_FOR = timedelta(hours=24)

#: Asks Slack for a channel's members (and records them); None when Slack could not say.
AskSlack = Callable[[str], Awaitable[frozenset[str] | None]]


async def recorded(session: AsyncSession, channel_id: str, user_id: str, *, now: datetime) -> bool | None:
    """Whether the user is in the channel as far as the records go; None when they cannot tell (no
    complete roster, or an old one)."""
    complete_at = await session.scalar(select(ChannelRoster.complete_at).where(ChannelRoster.channel_id == channel_id))
    if not trusted(complete_at, now):
        return None
    return await _present(session, channel_id, user_id)


def trusted(complete_at: datetime | None, now: datetime) -> bool:
    """Whether a roster complete since `complete_at` (None: never) answers without asking Slack."""
    return complete_at is not None and timedelta(0) <= now - complete_at <= ROSTER_FRESH_FOR


async def is_member(session: AsyncSession, channel_id: str, user_id: str, *, now: datetime,
                    ask: AskSlack | None) -> bool:
    """Recorded membership, or Slack's word when the records are in doubt. When Slack cannot answer
    either, a recorded membership still counts (an outage does not lock members out); nothing else does."""
    known = await recorded(session, channel_id, user_id, now=now)
    if known is not None:
        return known
    members = await ask(channel_id) if ask is not None else None
    if members is not None:
        return user_id in members
    return await _present(session, channel_id, user_id)


async def _present(session: AsyncSession, channel_id: str, user_id: str) -> bool:
    return bool(await session.scalar(select(ChannelMember.present).where(
        ChannelMember.channel_id == channel_id, ChannelMember.user_id == user_id)))


async def event(session: AsyncSession, channel_id: str, user_id: str, *, present: bool, event_at: datetime,
                now: datetime) -> None:
    """Slack's member_joined_channel (present) or member_left_channel, sent at `event_at`: applied unless a
    later event about the same person and channel was applied already."""
    await _upsert(session, [{"channel_id": channel_id, "user_id": user_id, "present": present, "changed_at": now,
                             "event_at": event_at}],
                  where=or_(ChannelMember.event_at.is_(None), ChannelMember.event_at <= event_at))


async def invited(session: AsyncSession, channel_id: str, user_ids: Iterable[str], *, now: datetime) -> None:
    """Slack accepted the bot's invitation of these people: they are in (the time of their last event stays,
    so that an older event still cannot undo a later one)."""
    await _upsert(session, [{"channel_id": channel_id, "user_id": u, "present": True, "changed_at": now}
                            for u in dict.fromkeys(user_ids)])


async def opened(session: AsyncSession, channel_id: str, bot_user_id: str, *, now: datetime) -> None:
    """The bot has just made the channel: it is its only member, and every join from now on is an event."""
    await replace(session, channel_id, [bot_user_id], now=now)


async def replace(session: AsyncSession, channel_id: str, user_ids: Iterable[str], *, now: datetime) -> None:
    """Slack's full list of the channel's members as of now: everyone else recorded is out."""
    await session.execute(update(ChannelMember).where(ChannelMember.channel_id == channel_id)
                          .values(present=False, changed_at=now).execution_options(synchronize_session=False))
    await invited(session, channel_id, user_ids, now=now)
    await insert_or_ignore(session, ChannelRoster, channel_id=channel_id, complete_at=now)
    await session.execute(update(ChannelRoster).where(ChannelRoster.channel_id == channel_id)
                          .values(complete_at=now).execution_options(synchronize_session=False))


async def in_doubt(session: AsyncSession, channel_id: str) -> None:
    """Something happened that the events may not tell (an invitation half failed): the next decision
    asks Slack."""
    await session.execute(delete(ChannelRoster).where(ChannelRoster.channel_id == channel_id))


async def forget(session: AsyncSession, channel_id: str) -> None:
    """The bot is no longer in the channel, so it hears no more events from it: nothing recorded holds."""
    await in_doubt(session, channel_id)
    await session.execute(delete(ChannelMember).where(ChannelMember.channel_id == channel_id))


async def _upsert(session: AsyncSession, rows: list[dict], where=None) -> None:  # type: ignore[no-untyped-def,type-arg]
    if not rows:
        return
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    for row in rows:
        statement = insert(ChannelMember).values(**{"event_at": None, **row})
        changes = {k: statement.excluded[k] for k in row if k not in ("channel_id", "user_id")}
        await session.execute(statement.on_conflict_do_update(
            index_elements=[ChannelMember.channel_id, ChannelMember.user_id], set_=changes, where=where))
