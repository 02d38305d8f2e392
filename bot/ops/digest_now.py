"""`dealroom digest --now [--manager USER_ID]` (SPEC 1): queue the daily digests, then try to
hand them to Slack at once; what Slack does not take now stays queued for the running bot."""

from __future__ import annotations

import asyncio
import logging
import sys

from sqlalchemy import func, select

from bot.config.settings import Settings, SettingsError
from models.infra.clock import Clock
from models.infra.errors import DomainError
from models.infra.tables import OutboxMessage


def send_now(settings: Settings, clock: Clock, manager_id: str | None, territory: str | None = None) -> int:
    if not settings.bot_token().startswith("xoxb-"):
        raise SettingsError("SLACK_BOT_TOKEN: a bot token (xoxb-…) is needed to send digests (see .env.example)")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(_send_now(settings, clock, manager_id, territory))


async def _send_now(settings: Settings, clock: Clock, manager_id: str | None, territory: str | None = None) -> int:
    from bot.runtime.deps import build_deps
    from models.infra.db import migrate
    from scheduler.digests import send_digests_now

    deps = build_deps(settings, clock=clock)
    try:
        try:
            await migrate(deps.engine)
        except Exception as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            print(f"dealroom: DATABASE_URL: cannot open the database ({reason[:200]})", file=sys.stderr)
            return 1
        try:
            lanes = await send_digests_now(deps.sessions, deps.ws, deps.clock, manager_id, territory)
        except DomainError as refusal:  # an unknown territory, or one without a manager
            print(f"dealroom digest: --territory: {refusal.message}", file=sys.stderr)
            return 2
        if not lanes:
            print("No managers yet: nobody has the manager role or reports to anyone.")
            return 0
        await deps.deliverer.drain(lanes)
        async with deps.sessions() as session:
            waiting = await session.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.lane.in_(lanes), OutboxMessage.status == "pending"))
        if waiting:
            print(f"{len(lanes)} digest(s) queued; {waiting} wait for Slack, the running bot will deliver them.")
        else:
            print(f"Sent {len(lanes)} digest(s).")
        return 0
    finally:
        await deps.aclose()
