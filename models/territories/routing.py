"""Routing a new deal to its territory (models/pipeline/territories.py): whose turn among the reps, or the manager
who hands it on; the timeline says so and the new owner is told by DM."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models.infra.db import insert_or_ignore
from models.infra.dms import enqueue_dm
from models.infra.i18n import t
from models.infra.tables import AssignCounter, Deal
from models.infra.timeline import log
from models.infra.words import Code, DealRef, Person
from models.pipeline.territories import Territory


async def territory_owner(session: AsyncSession, territory: Territory) -> str:
    """Round-robin: one UPDATE … RETURNING takes the turn, so two processes never give the same one."""
    if territory.routing == "manager" and territory.manager:
        return territory.manager
    if len(territory.reps) == 1:
        return territory.reps[0]
    await insert_or_ignore(session, AssignCounter, key=territory.counter_key, turns=0)
    turns: int | None = await session.scalar(
        update(AssignCounter).where(AssignCounter.key == territory.counter_key)
        .values(turns=AssignCounter.turns + 1).returning(AssignCounter.turns)
    )
    assert turns is not None
    return territory.reps[(turns - 1) % len(territory.reps)]


async def routed_to_territory(session: AsyncSession, deal: Deal, territory: Territory, actor_id: str, *,
                              now: datetime, locale: str = "en") -> None:
    owner, actor, deal_ref = Person(deal.owner_id), Person(actor_id), DealRef(deal.id)
    if territory.routing == "manager":
        text = t("routed to territory {territory}: its manager {owner} hands it on",
                 territory=territory.name, owner=owner)
        dm = t("A new lead in territory {territory}: {deal} {title}, from {actor}. Hand it to one of "
               "your reps with {command}.", territory=territory.name, deal=deal_ref, title=deal.title, actor=actor,
               command=Code(f"/deal assign D-{deal.id} @rep"))
    else:
        text = t("routed to territory {territory}: {owner} got the lead in turn",
                 territory=territory.name, owner=owner)
        dm = t("You have a new lead in territory {territory}: {deal} {title}, from {actor}. "
               "{command} shows it.", territory=territory.name, deal=deal_ref, title=deal.title, actor=actor,
               command=Code(f"/deal info D-{deal.id}"))
    log(session, deal, actor_id, "owner", text, now, locale=locale,
        data={"territory": territory.key, "to": deal.owner_id})
    if deal.owner_id != actor_id:
        await enqueue_dm(session, deal.owner_id, dm, locale=locale, now=now, deal_id=deal.id)
