"""`dealroom digest --now [--manager USER_ID]`, run as the installed console script against the
emulator: exit 0 once the digests were handed to Slack, or queued when Slack is down."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.delivery import events
from models.infra.db import create_engine, session_factory
from models.infra.tables import OutboxMessage, User, UserRole
from tests.emulator import SlackEmulator
from tests.test_cli import BOT_TOKEN, DEALROOM, clean_env

MANAGER, OTHER, REP = "U0MGR", "U0MGR2", "U0REP1"


async def _team(db_url: str) -> None:
    engine = create_engine(db_url)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    async with session_factory(engine).begin() as session:
        session.add_all([User(id=MANAGER, tz="Europe/Berlin", created_at=at), User(id=OTHER, created_at=at)])
        await session.flush()
        session.add(User(id=REP, manager_id=MANAGER, created_at=at))
        session.add(UserRole(user_id=OTHER, role="manager"))
    await engine.dispose()


async def _dealroom(slack: SlackEmulator, db_url: str, *args: str) -> tuple[int, str, str]:
    env = clean_env(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=slack.api_url, DATABASE_URL=db_url)
    process = await asyncio.create_subprocess_exec(str(DEALROOM), "digest", "--now", *args, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    except TimeoutError:
        process.kill()
        pytest.fail("dealroom digest --now did not finish")
    return int(process.returncode or 0), out.decode(), err.decode()


def _digests_to(slack: SlackEmulator, user_id: str) -> list[str]:
    im = slack.ims.get(user_id)
    return [m.text for m in slack.messages.get(im, [])] if im else []


async def test_digest_now_sends_every_managers_digest_or_one(slack: SlackEmulator, db_url: str) -> None:
    for user_id in (MANAGER, OTHER, REP):
        slack.add_user(user_id, user_id.lower(), tz="Europe/Berlin")
    await _team(db_url)
    code, out, err = await _dealroom(slack, db_url, "--manager", MANAGER)
    assert (code, out.strip()) == (0, "Sent 1 digest(s)."), err
    assert len(_digests_to(slack, MANAGER)) == 1 and not _digests_to(slack, OTHER)
    code, out, err = await _dealroom(slack, db_url)
    assert (code, out.strip()) == (0, "Sent 2 digest(s)."), err
    assert len(_digests_to(slack, MANAGER)) == 2 and len(_digests_to(slack, OTHER)) == 1
    assert all("Daily digest" in text for text in _digests_to(slack, MANAGER))
    assert not _digests_to(slack, REP)


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """Slack being down is the point here, not the database: SQLite only."""
    shutil.copy(sqlite_template, tmp_path / "dealroom.db")
    return f"sqlite+aiosqlite:///{tmp_path / 'dealroom.db'}"


async def test_digest_now_queues_when_slack_is_down(slack: SlackEmulator, sqlite_url: str) -> None:
    db_url = sqlite_url
    await _team(db_url)
    slack.outage(True)
    code, out, err = await _dealroom(slack, db_url, "--manager", MANAGER)
    assert code == 0, err
    assert "queued" in out and "Traceback" not in err
    engine = create_engine(db_url)
    async with session_factory(engine)() as session:
        statuses = list(await session.scalars(select(OutboxMessage.status).where(OutboxMessage.kind.in_(events.KINDS))))
    await engine.dispose()
    assert statuses == ["pending"]
