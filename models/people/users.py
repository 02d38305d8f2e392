"""Users, roles and the actor behind a request."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.infra.db import insert_or_ignore
from models.infra.tables import User, UserRole
from models.people.permissions import Actor

ROLES = ("rep", "manager", "admin", "presales", "legal", "finance", "cs")


async def ensure_user(session: AsyncSession, user_id: str, *, now: datetime) -> User:
    user = await session.get(User, user_id)
    if user is None:
        await insert_or_ignore(session, User, id=user_id, created_at=now)
        user = await session.get(User, user_id)
    assert user is not None
    return user


async def load_actor(session: AsyncSession, user_id: str, admin_ids: frozenset[str]) -> Actor:
    is_admin = user_id in admin_ids or (
        await session.scalar(select(UserRole.user_id).where(UserRole.user_id == user_id, UserRole.role == "admin"))
        is not None
    )
    managed = await session.scalars(select(User.id).where(User.manager_id == user_id))
    return Actor(user_id=user_id, is_admin=is_admin, managed_ids=frozenset(managed))


async def role_holders(session: AsyncSession, role: str) -> list[str]:
    return list(await session.scalars(select(UserRole.user_id).where(UserRole.role == role).order_by(UserRole.user_id)))


async def manager_of(session: AsyncSession, user_id: str) -> str | None:
    return await session.scalar(select(User.manager_id).where(User.id == user_id))


async def user_tz(session: AsyncSession, user_id: str) -> str | None:
    return await session.scalar(select(User.tz).where(User.id == user_id))


async def remember_tz(session: AsyncSession, user_id: str, tz: str, *, now: datetime) -> None:
    """Slack told us the user's time zone (a profile change): take it as fresh."""
    user = await ensure_user(session, user_id, now=now)
    user.tz, user.tz_checked_at = tz, now


async def role_invitees(session: AsyncSession, owner_id: str, roles: tuple[str, ...]) -> list[str]:
    """Who a deal's `roles` bring into its channel: the owner's manager for "manager", else the role's holders."""
    people: list[str] = []
    for role in roles:
        if role == "manager":
            manager = await manager_of(session, owner_id)
            people += [manager] if manager else []
        else:
            people += await role_holders(session, role)
    return people
