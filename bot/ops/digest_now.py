"""`dealroom digest --now [--manager USER_ID]` (SPEC 1): queue the daily digests, then try to
hand them to Slack at once; what Slack does not take now stays queued for the running bot."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable

from sqlalchemy import func, select

from bot.config.settings import Settings, SettingsError
from bot.runtime.runner import Unit, run_job
from models.infra.clock import Clock
from models.infra.i18n import render
from models.infra.tables import OutboxMessage
from models.pipeline.workspace import Workspace

# scheduler.digests.send_digests_now, handed in by the command line (bot.ops and scheduler stay apart)
SendDigests = Callable[[Unit, Workspace, Clock, str | None, str | None], Awaitable[None]]


def send_now(settings: Settings, clock: Clock, manager_id: str | None, territory: str | None = None, *,
             send: SendDigests) -> int:
    if not settings.bot_token().startswith("xoxb-"):
        raise SettingsError("SLACK_BOT_TOKEN: a bot token (xoxb-…) is needed to send digests (see .env.example)")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(_send_now(settings, clock, manager_id, territory, send))


async def _send_now(settings: Settings, clock: Clock, manager_id: str | None, territory: str | None,
                    send: SendDigests) -> int:
    from bot.runtime.deps import build_deps
    from models.infra.db import migrate

    deps = build_deps(settings, clock=clock)
    try:
        try:
            await migrate(deps.engine)
        except Exception as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            print(f"dealroom: DATABASE_URL: cannot open the database ({reason[:200]})", file=sys.stderr)
            return 1
        done = await run_job(deps, lambda unit: send(unit, deps.ws, deps.clock, manager_id, territory),
                             what="dealroom digest --now")
        if done.refusal is not None:  # an unknown territory, or one without a manager
            print(f"dealroom digest: --territory: {render(done.refusal)}", file=sys.stderr)
            return 2
        if done.failed:
            return 1  # the runner has logged it
        lanes = done.lanes
        if not lanes:
            print("No managers yet: nobody has the manager role or reports to anyone.")
            return 0
        await deps.deliverer.close()  # what each commit handed to Slack at once
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
