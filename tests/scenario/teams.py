"""Teams for scenario tests, set directly in the database (`/deal team` is another feature)."""

from __future__ import annotations

from sqlalchemy import update

from models.infra.tables import User, UserRole
from models.people.users import ensure_user
from tests.scenario.harness import Bot


async def make_team(bot: Bot, manager: str, reps: list[str]) -> None:
    now = bot.clock.now()
    async with bot.deps.sessions.begin() as session:
        for user_id in (manager, *reps):
            await ensure_user(session, user_id, now=now)
        await session.execute(update(User).where(User.id.in_(reps)).values(manager_id=manager))
        session.add(UserRole(user_id=manager, role="manager"))
