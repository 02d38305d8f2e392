"""Whether the person asking may change or read a deal, checked against the deal's people as they are now.

models/people/permissions.py decides (pure); this gathers the facts it decides on (the owner, the
collaborators, channel membership) and raises :class:`~models.infra.errors.Forbidden` with its reason.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.infra.errors import Forbidden
from models.infra.tables import Deal, DealCollaborator
from models.people import channel_members
from models.people.permissions import Actor, DealAccess, can_edit, edit_refusal, read_refusal


async def access_of(session: AsyncSession, deal: Deal) -> DealAccess:
    collaborators = await session.scalars(
        select(DealCollaborator.user_id).where(DealCollaborator.deal_id == deal.id)
    )
    return DealAccess(owner_id=deal.owner_id, collaborator_ids=frozenset(collaborators))


async def require_edit(session: AsyncSession, actor: Actor, deal: Deal) -> DealAccess:
    """The facts models.people.permissions decides on, and its refusal if any."""
    access = await access_of(session, deal)
    if refusal := edit_refusal(actor, access, f"D-{deal.id}"):
        raise Forbidden(refusal)
    return access


async def require_read(session: AsyncSession, actor: Actor, deal: Deal, *, here_channel_id: str | None,
                       now: datetime, ask: channel_members.AskSlack | None = None) -> None:
    """Who may change the deal may read it, and so may its channel's members, from anywhere (SPEC 10):
    typing in the channel shows membership; elsewhere the records say, or Slack (`ask`) when in doubt."""
    access = await access_of(session, deal)
    member = False
    if deal.channel_id is not None and not can_edit(actor, access):
        member = deal.channel_id == here_channel_id or await channel_members.is_member(
            session, deal.channel_id, actor.user_id, now=now, ask=ask)
    if refusal := read_refusal(actor, access, f"D-{deal.id}", channel_member=member):
        raise Forbidden(refusal)
