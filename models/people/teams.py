"""Roles and teams (SPEC 10): admins give and take roles and say who manages whom.

Every change is written to `people_changes` (who, whom, what, when) and logged; nothing commits here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.infra.errors import Forbidden, Refused
from models.infra.i18n import joined, t
from models.infra.tables import PeopleChange, User, UserRole
from models.infra.words import Person
from models.people.permissions import Actor, admin_refusal
from models.people.users import ROLES, ensure_user, manager_of, role_holders
from models.pipeline.workspace import Workspace

log = logging.getLogger(__name__)

MAX_CHAIN = 100  # how far up a chain of managers the cycle check looks


@dataclass(frozen=True)
class TeamPicture:
    user_id: str
    manager_id: str | None
    roles: tuple[str, ...]
    reports: tuple[str, ...]


async def roles_of(session: AsyncSession, ws: Workspace, user_id: str) -> tuple[str, ...]:
    stored = set(await session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))
    if user_id in ws.admin_ids:
        stored.add("admin")
    if not stored & {"manager", "admin"}:
        stored.add("rep")  # everyone is a rep unless made something else
    return tuple(r for r in ROLES if r in stored)


async def reports_of(session: AsyncSession, manager_id: str) -> tuple[str, ...]:
    return tuple(await session.scalars(select(User.id).where(User.manager_id == manager_id).order_by(User.id)))


async def picture(session: AsyncSession, ws: Workspace, user_id: str) -> TeamPicture:
    return TeamPicture(user_id=user_id, manager_id=await manager_of(session, user_id),
                       roles=await roles_of(session, ws, user_id), reports=await reports_of(session, user_id))


def _require_admin(actor: Actor, what: str) -> None:
    if refusal := admin_refusal(actor, what):
        raise Forbidden(refusal)


def _record(session: AsyncSession, actor: Actor, user_id: str, change: str, detail: str, now: datetime) -> None:
    session.add(PeopleChange(at=now, actor_id=actor.user_id, user_id=user_id, change=change, detail=detail))
    log.info("people: %s %s %s: %s", actor.user_id, change, user_id, detail)


async def _has_role(session: AsyncSession, user_id: str, role: str) -> bool:
    found = await session.scalar(select(UserRole.role).where(UserRole.user_id == user_id, UserRole.role == role))
    return found is not None


async def add_role(session: AsyncSession, ws: Workspace, actor: Actor, user_id: str, role: str, *,
                   now: datetime) -> None:
    _require_admin(actor, "give roles")
    if role not in ROLES:
        raise Refused(t("There is no role {role}; roles are {roles}.", role=role, roles=", ".join(ROLES)))
    if await _has_role(session, user_id, role) or (role == "admin" and user_id in ws.admin_ids):
        raise Refused(t("{user} already has the role {role}.", user=Person(user_id), role=role))
    await ensure_user(session, user_id, now=now)
    session.add(UserRole(user_id=user_id, role=role))
    _record(session, actor, user_id, "role_added", role, now)


async def remove_role(session: AsyncSession, ws: Workspace, actor: Actor, user_id: str, role: str, *,
                      now: datetime) -> None:
    _require_admin(actor, "take roles away")
    if role == "admin" and user_id in ws.admin_ids:
        raise Refused(t("{user} is an admin through DEALROOM_ADMINS; take them out of that setting instead.",
                        user=Person(user_id)))
    if not await _has_role(session, user_id, role):
        raise Refused(t("{user} does not have the role {role}.", user=Person(user_id), role=role))
    if role == "admin" and not ws.admin_ids and not set(await role_holders(session, "admin")) - {user_id}:
        raise Refused(t("{user} is the last admin; make someone else an admin first.", user=Person(user_id)))
    if role == "manager" and (reports := await reports_of(session, user_id)):
        names = joined(Person(r) for r in reports)
        raise Refused(t("{user} still manages {names}; give them another manager first "
                        "(/deal team @rep manager:@user, or manager:none).", user=Person(user_id), names=names))
    await session.execute(delete(UserRole).where(UserRole.user_id == user_id, UserRole.role == role))
    _record(session, actor, user_id, "role_removed", role, now)


async def set_manager(session: AsyncSession, ws: Workspace, actor: Actor, rep_id: str, manager_id: str, *,
                      now: datetime) -> bool:
    """Make `manager_id` the rep's manager (and a manager); True when they got the manager role now."""
    _require_admin(actor, "change teams")
    if manager_id == rep_id:
        raise Refused(t("Nobody can be their own manager."))
    await ensure_user(session, rep_id, now=now)
    await ensure_user(session, manager_id, now=now)
    rep = await session.get(User, rep_id)
    assert rep is not None
    previous = rep.manager_id
    if previous == manager_id:
        raise Refused(t("{manager} already manages {rep}.", manager=Person(manager_id), rep=Person(rep_id)))
    above: str | None = manager_id
    seen = 0
    while above is not None and seen < MAX_CHAIN:
        above = await manager_of(session, above)
        if above == rep_id:
            raise Refused(t("{rep} manages {manager} (directly or further up), so it can't be the "
                            "other way round.", rep=Person(rep_id), manager=Person(manager_id)))
        seen += 1
    rep.manager_id = manager_id
    was = f" (was <@{previous}>)" if previous else ""
    _record(session, actor, rep_id, "manager_set", f"manager <@{manager_id}>{was}", now)
    promoted = not await _has_role(session, manager_id, "manager")
    if promoted:
        session.add(UserRole(user_id=manager_id, role="manager"))
        _record(session, actor, manager_id, "role_added", "manager", now)
    return promoted


async def clear_manager(session: AsyncSession, ws: Workspace, actor: Actor, rep_id: str, *, now: datetime) -> str:
    """Leave the rep without a manager; returns the manager they had."""
    _require_admin(actor, "change teams")
    rep = await session.get(User, rep_id)
    if rep is None or rep.manager_id is None:
        raise Refused(t("{rep} has no manager.", rep=Person(rep_id)))
    previous = rep.manager_id
    rep.manager_id = None
    _record(session, actor, rep_id, "manager_cleared", f"no manager (was <@{previous}>)", now)
    return previous


async def changes_of(session: AsyncSession, user_id: str, limit: int = 20) -> list[PeopleChange]:
    rows = await session.scalars(select(PeopleChange).where(PeopleChange.user_id == user_id)
                                 .order_by(PeopleChange.id.desc()).limit(limit))
    return list(rows)
