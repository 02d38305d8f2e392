"""Territories as they are now (issue 8): the pipeline file's ``[[territories]]`` are the defaults; admins
change a territory's reps and manager with `/deal territory <key> add|remove @rep` / `manager @user`.

Changes are rows (``territory_reps``: a rep added or a default rep taken out; ``territory_managers``: the
manager replaced), audited in ``people_changes`` like role and team changes. Routing, reports and digests
read the *effective* territories: the file's with these rows applied. A territory's lines (region, industry,
product) stay the file's: they decide which deals belong to it, so they change with the file."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.infra.errors import Forbidden, NotFound, Refused
from models.infra.i18n import Text, joined, t
from models.infra.tables import PeopleChange, TerritoryManager, TerritoryRep, User
from models.infra.words import Person
from models.people.permissions import Actor, territory_admin_refusal
from models.people.users import ensure_user
from models.pipeline.territories import Territory
from models.pipeline.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TerritoryState:
    """A territory as it is now, and whether the database changed it from the pipeline file."""

    territory: Territory
    default: Territory

    @property
    def changed(self) -> bool:
        return (self.territory.reps, self.territory.manager) != (self.default.reps, self.default.manager)


async def effective_territories(session: AsyncSession, territories: tuple[Territory, ...]) -> tuple[Territory, ...]:
    """The file's territories with the database's changes applied (two small queries; none without territories)."""
    return tuple(state.territory for state in await territory_states(session, territories))


async def territory_states(session: AsyncSession, territories: tuple[Territory, ...]) -> list[TerritoryState]:
    if not territories:
        return []
    keys = [t.key for t in territories]
    reps = (await session.execute(
        select(TerritoryRep.territory_key, TerritoryRep.user_id, TerritoryRep.member)
        .where(TerritoryRep.territory_key.in_(keys)).order_by(TerritoryRep.changed_at, TerritoryRep.user_id)
    )).all()
    managers = dict((await session.execute(
        select(TerritoryManager.territory_key, TerritoryManager.manager_id)
        .where(TerritoryManager.territory_key.in_(keys)))).all())
    states = []
    for default in territories:
        mine = [(user_id, member) for key, user_id, member in reps if key == default.key]
        removed = {user_id for user_id, member in mine if not member}
        added = [user_id for user_id, member in mine if member and user_id not in default.reps]
        current = tuple(dict.fromkeys([*(r for r in default.reps if r not in removed), *added]))
        states.append(TerritoryState(replace(default, reps=current, manager=managers.get(default.key, default.manager)),
                                     default))
    return states


def find_territory(territories: tuple[Territory, ...], key: str) -> Territory:
    found = next((t for t in territories if t.key.casefold() == key.strip().casefold()), None)
    if found is None:
        if not territories:
            raise NotFound(t("There are no territories: they are defined in the pipeline file ([[territories]])."))
        raise NotFound(t("There is no territory {key}; territories: {keys}. /deal territory lists them.",
                         key=key[:40], keys=", ".join(x.key for x in territories)))
    return found


async def territory_now(session: AsyncSession, ws: Workspace, key: str) -> Territory:
    default = find_territory(ws.pipeline.territories, key)
    return (await effective_territories(session, (default,)))[0]


def _require_admin(actor: Actor) -> None:
    if refusal := territory_admin_refusal(actor):
        raise Forbidden(refusal)


async def add_reps(session: AsyncSession, ws: Workspace, actor: Actor, key: str, user_ids: tuple[str, ...], *,
                   now: datetime) -> Territory:
    _require_admin(actor)
    territory = await territory_now(session, ws, key)
    new = [u for u in dict.fromkeys(user_ids) if u not in territory.reps]
    if not new:
        raise Refused(t("{people} already sell in territory {name}.", people=_people(user_ids), name=territory.name))
    for user_id in new:
        await ensure_user(session, user_id, now=now)
        await _set_rep(session, territory.key, user_id, True, actor.user_id, now)
        _record(session, actor, user_id, "territory_rep_added", f"{territory.key}: rep", now)
    return await territory_now(session, ws, key)


async def remove_rep(session: AsyncSession, ws: Workspace, actor: Actor, key: str, user_id: str, *,
                     now: datetime) -> Territory:
    _require_admin(actor)
    territory = await territory_now(session, ws, key)
    if user_id not in territory.reps:
        raise Refused(t("{user} is not a rep of territory {name}; its reps: {reps}.", user=Person(user_id),
                        name=territory.name, reps=_people(territory.reps)))
    if territory.routing == "round-robin" and len(territory.reps) == 1:
        raise Refused(t("{user} is the last rep of territory {name}, whose new deals take turns among its reps; "
                        "add another rep first.", user=Person(user_id), name=territory.name))
    await _set_rep(session, territory.key, user_id, False, actor.user_id, now)
    _record(session, actor, user_id, "territory_rep_removed", f"{territory.key}: rep", now)
    return await territory_now(session, ws, key)


async def set_manager(session: AsyncSession, ws: Workspace, actor: Actor, key: str, user_id: str, *,
                      now: datetime) -> tuple[Territory, str | None]:
    """Make `user_id` the territory's manager; returns the territory and the manager it had."""
    _require_admin(actor)
    territory = await territory_now(session, ws, key)
    if territory.manager == user_id:
        raise Refused(t("{user} already manages territory {name}.", user=Person(user_id), name=territory.name))
    await ensure_user(session, user_id, now=now)
    row = await session.get(TerritoryManager, territory.key)
    if row is None:
        session.add(TerritoryManager(territory_key=territory.key, manager_id=user_id, changed_by=actor.user_id,
                                     changed_at=now))
    else:
        row.manager_id, row.changed_by, row.changed_at = user_id, actor.user_id, now
    was = f" (was <@{territory.manager}>)" if territory.manager else ""
    _record(session, actor, user_id, "territory_manager_set", f"{territory.key}: manager{was}", now)
    return await territory_now(session, ws, key), territory.manager


async def _set_rep(session: AsyncSession, key: str, user_id: str, member: bool, by: str, now: datetime) -> None:
    row = await session.get(TerritoryRep, (key, user_id))
    if row is None:
        session.add(TerritoryRep(territory_key=key, user_id=user_id, member=member, changed_by=by, changed_at=now))
    else:
        row.member, row.changed_by, row.changed_at = member, by, now
    await session.flush()


def _record(session: AsyncSession, actor: Actor, user_id: str, change: str, detail: str, now: datetime) -> None:
    session.add(PeopleChange(at=now, actor_id=actor.user_id, user_id=user_id, change=change, detail=detail))
    log.info("territory: %s %s %s: %s", actor.user_id, change, user_id, detail)


def _people(user_ids: tuple[str, ...] | list[str]) -> Text | str:
    return joined(Person(u) for u in user_ids) if user_ids else "—"


async def managed_territories(session: AsyncSession, ws: Workspace, user_id: str) -> tuple[Territory, ...]:
    """The territories `user_id` manages now."""
    return tuple(x for x in await effective_territories(session, ws.pipeline.territories) if x.manager == user_id)


async def territories_by_manager(session: AsyncSession, ws: Workspace) -> dict[str, list[TerritoryState]]:
    """Each territory manager (as they are now) and the territories they manage, in the file's order."""
    found: dict[str, list[TerritoryState]] = {}
    for state in await territory_states(session, ws.pipeline.territories):
        if state.territory.manager:
            found.setdefault(state.territory.manager, []).append(state)
    return found


async def zones_of(session: AsyncSession, user_ids: list[str]) -> list[tuple[str, str | None]]:
    """(user id, Slack time zone or None) for each id, in the given order."""
    known = dict((await session.execute(select(User.id, User.tz).where(User.id.in_(user_ids)))).all())
    return [(uid, known.get(uid)) for uid in user_ids]
