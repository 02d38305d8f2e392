"""The seeded cast of the playground: who you can act as, in Slack and in the bot's database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.devtools.emulator import SlackEmulator
from models.infra.db import insert_or_ignore
from models.infra.tables import User, UserRole


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    real_name: str
    tz: str
    role: str  # what the page says about them


REP, REP2, MANAGER, ADMIN, NEWCOMER = "U0REP1", "U0REP2", "U0MGR", "U0ADMIN", "U0NEW"
CAST = (
    Person(REP, "ana", "Ana Alvarez", "Europe/Berlin", "rep"),
    Person(REP2, "ben", "Ben Brooks", "America/New_York", "rep"),
    Person(MANAGER, "mia", "Mia Meyer", "Europe/Berlin", "manager"),
    Person(ADMIN, "ada", "Ada Admin", "UTC", "admin"),
    Person(NEWCOMER, "nick", "Nick Neu", "Asia/Shanghai", "newcomer"),
)
GENERAL = "general"


def seed_slack(slack: SlackEmulator) -> None:
    """Users, #general and each person's DM with the bot (idempotent: a restored workspace keeps its own)."""
    for person in CAST:
        if person.id not in slack.users:
            slack.add_user(person.id, person.name, tz=person.tz, real_name=person.real_name)
    if slack.channel_named(GENERAL) is None:
        slack.add_channel(GENERAL, members=[p.id for p in CAST] + [slack.bot_user_id], creator=ADMIN)
    for person in CAST:
        slack.open_im(person.id)


async def seed_database(session: AsyncSession, *, now: datetime) -> None:
    """The reps report to the manager, who holds the manager role (the admin comes from the settings)."""
    for person in CAST:
        await insert_or_ignore(session, User, id=person.id, name=person.real_name, tz=person.tz, tz_checked_at=now,
                               created_at=now)
    await session.execute(update(User).where(User.id.in_([REP, REP2]), User.manager_id.is_(None))
                          .values(manager_id=MANAGER))
    await insert_or_ignore(session, UserRole, user_id=MANAGER, role="manager")
