"""The playground process: the local Slack, the bot (HTTP mode, its ticks on a movable clock) and the
page, all on 127.0.0.1. The page's own API lives under /playground/; Slack's requests reach the bot on
/slack/events exactly as in production."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import select

from bot.config.settings import Settings
from bot.devtools.emulator import SlackEmulator
from bot.devtools.playground import persist
from bot.devtools.playground.cast import ADMIN, CAST, MANAGER, seed_database, seed_slack
from bot.devtools.playground.clock import JUMPS, OffsetClock
from bot.devtools.playground.page import Page
from bot.devtools.playground.slack_client import Replies, SlackClient
from bot.runtime.deps import Deps, build_deps
from bot.wiring.http_edge import runner_options
from bot.wiring.server import build_web_app
from handlers.app import build_app
from models.infra.clock import Clock
from models.infra.db import migrate, sqlite_path
from models.infra.tables import FollowUp
from scheduler.jobs import Ticks

log = logging.getLogger("dealroom.playground")

HOST = "127.0.0.1"  # whatever HOST says: nothing here checks who is asking
PLAYGROUND_DB = "sqlite+aiosqlite:///./playground.db"
WATCH_EVERY_SECONDS = 0.15
SAVE_EVERY_SECONDS = 1.0


def playground_settings(settings: Settings, *, signing_secret: str, api_url: str) -> Settings:
    """The bot's settings in the playground: the local Slack, HTTP mode, the cast's admin, a local database."""
    admins = ",".join(sorted({*settings.admin_ids, ADMIN}))
    database_url = settings.database_url if "database_url" in settings.model_fields_set else PLAYGROUND_DB
    return settings.model_copy(update={
        "slack_bot_token": SecretStr("xoxb-playground"), "slack_signing_secret": SecretStr(signing_secret),
        "slack_app_token": None, "slack_api_url": api_url, "host": HOST, "dealroom_admins": admins,
        "database_url": database_url, "dealroom_feed_channel": None,
    })


class Playground:
    def __init__(self, settings: Settings, clock: Clock, *, port: int) -> None:
        self.port = port
        self.clock = OffsetClock(clock)
        self.slack = SlackEmulator(clock=self.clock.timestamp, bot_token="xoxb-playground", bot_name="dealroom",
                                   team_name="Dealroom Playground", team_domain="playground")
        self.replies = Replies(self.slack)
        self.closed_views: set[str] = set()
        self._secret = secrets.token_hex(16)
        self._base_settings = settings
        self.deps: Deps | None = None
        self.ticks: Ticks | None = None
        self.client: SlackClient | None = None
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._version = 0
        self._changed = asyncio.Event()
        self._state_path: Path | None = None
        self._dirty = False
        self._jumping = asyncio.Lock()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> str:
        probe = playground_settings(self._base_settings, signing_secret=self._secret, api_url="http://127.0.0.1/")
        db_file = sqlite_path(probe.database_url)
        self._state_path = (db_file.with_name(db_file.name + ".slack.json") if db_file
                            else Path("playground.slack.json"))
        if db_file is None or db_file.exists():
            self.clock.offset = persist.load(self._state_path, self.slack)
        seed_slack(self.slack)
        await self.slack.start(HOST, 0)
        settings = playground_settings(self._base_settings, signing_secret=self._secret, api_url=self.slack.api_url)
        self.deps = deps = build_deps(settings, clock=self.clock)
        await migrate(deps.engine)
        async with deps.sessions.begin() as session:
            await seed_database(session, now=self.clock.now())
        web_app = build_web_app(deps, build_app(deps))
        Page(self).add_routes(web_app)
        self._runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=1.0, **runner_options())
        await self._runner.setup()
        await web.TCPSite(self._runner, HOST, self.port).start()
        self.port = self._runner.addresses[0][1]
        self.client = SlackClient(self.slack, self.replies, f"http://{HOST}:{self.port}/slack/events", self._secret)
        self.slack.on_member_joined.append(self._on_member_joined)
        self.slack.on_member_left.append(self._on_member_left)
        self.ticks = Ticks(deps)
        self.ticks.start()
        self._spawn(self._watch())
        return self.url

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.ticks is not None:
            self.ticks.scheduler.pause()
            await _running_jobs_finished(self.ticks)  # shutting the scheduler down would cancel them
            await self.ticks.stop()
        if self._runner is not None:
            await self._runner.cleanup()
        if self.client is not None:
            await self.client.close()
        self._save()
        await self.slack.stop()
        if self.deps is not None:
            await self.deps.aclose()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _save(self) -> None:
        if self._state_path is not None:
            try:
                persist.save(self._state_path, self.slack, self.clock.offset)
            except OSError as exc:
                log.warning("cannot save the playground's Slack state: %s", exc)

    # --- change notification --------------------------------------------------------------------

    def _signature(self) -> tuple[int, ...]:
        return (len(self.slack.calls), len(self.slack.responses), self._version,
                sum(len(m) for m in self.slack.messages.values()))

    async def _watch(self) -> None:
        """Every change in the local Slack (a Web API call, a reply) wakes the pages; state is saved soon after."""
        seen, last_save = self._signature(), asyncio.get_running_loop().time()
        while True:
            await asyncio.sleep(WATCH_EVERY_SECONDS)
            self.replies.collect()
            current = self._signature()
            if current != seen:
                seen, self._dirty = current, True
                self._changed.set()
                self._changed = asyncio.Event()
            now = asyncio.get_running_loop().time()
            if self._dirty and now - last_save >= SAVE_EVERY_SECONDS:
                self._save()
                self._dirty, last_save = False, now

    @property
    def changed(self) -> asyncio.Event:
        """Set at the next change of the local Slack (then replaced by a fresh one)."""
        return self._changed

    def touch(self) -> None:
        self._version += 1

    def _on_member_joined(self, channel_id: str, user_id: str, inviter: str | None) -> None:
        """Slack tells the app about every join, its own invitations included, as an event."""
        if user_id != self.slack.bot_user_id and self.client is not None:
            self._spawn(self.client.member_joined(channel_id, user_id, inviter))

    def _on_member_left(self, channel_id: str, user_id: str) -> None:
        """And about every leave, as member_left_channel."""
        if self.client is not None:
            self._spawn(self.client.member_left(channel_id, user_id))

    # --- the clock ------------------------------------------------------------------------------

    def next_digest(self) -> datetime:
        """The next workday at DEALROOM_DIGEST_TIME in the manager's time zone."""
        assert self.deps is not None
        tz = ZoneInfo(next(p.tz for p in CAST if p.id == MANAGER))
        local = self.clock.now().astimezone(tz)
        day = local.date()
        at: time = self.deps.settings.digest_time
        while True:
            moment = datetime.combine(day, at, tzinfo=tz)
            if moment > local and self.deps.ws.calendar.is_business_day(day):
                return moment
            day += timedelta(days=1)

    async def jump(self, to: str) -> None:
        """Move the clock on, stopping at every follow-up reminder on the way, so each goes out at its
        time (not marked late) and in order; then the ticks run at the target."""
        async with self._jumping:
            await self._requests_done()
            start = self.clock.now()
            target = start + JUMPS[to] if to in JUMPS else self.next_digest() + timedelta(seconds=1)
            for stop in [*await self._reminder_times(start, target), target]:
                self.clock.advance(max(stop - self.clock.now(), timedelta(0)))
                self.touch()
                await self.run_ticks()

    async def _requests_done(self, within: float = 5.0) -> None:
        """A note saved just before the jump is saved at the time it was typed: wait while anyone's request
        is still being worked on (every listener holds its person's turn, `Deps.turn_of`, while it works)."""
        assert self.deps is not None
        loop = asyncio.get_running_loop()
        await asyncio.sleep(0.05)  # a listener starts just after its ack
        deadline = loop.time() + within
        for turn in list(self.deps._user_turns.values()):
            if turn.locked() and (left := deadline - loop.time()) > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(_wait_turn(turn), timeout=left)

    async def _reminder_times(self, after: datetime, until: datetime) -> list[datetime]:
        assert self.deps is not None
        async with self.deps.sessions() as session:
            rows = (await session.execute(
                select(FollowUp.early_reminder_at, FollowUp.due_at).where(FollowUp.done_at.is_(None),
                                                                         FollowUp.due_sent_at.is_(None))
            )).all()
        moments = {m + timedelta(seconds=1) for row in rows for m in row if m is not None and after < m < until}
        return sorted(moments)

    async def run_ticks(self) -> None:
        """Every tick the scheduler knows, at once (ticks added to scheduler.jobs.Ticks are included), then
        delivery of what they queued."""
        assert self.ticks is not None and self.deps is not None
        for job in self.ticks.scheduler.get_jobs():
            result = job.func(*job.args, **job.kwargs)
            if asyncio.iscoroutine(result):
                await result
        await self.deps.deliverer.close()
        await self.deps.deliverer.drain()
        await self.deps.deliverer.close()


async def _wait_turn(turn: asyncio.Lock) -> None:
    async with turn:
        pass


async def _running_jobs_finished(ticks: Ticks, within: float = 10.0) -> None:
    """A tick cancelled half-way through a database call can leave the SQLite driver's thread waiting
    forever: let running ticks end first. APScheduler 3 keeps them in its executor's `_pending_futures`."""
    executor = ticks.scheduler._executors.get("default")
    pending = [f for f in getattr(executor, "_pending_futures", ()) if not f.done()]
    if pending:
        await asyncio.wait(pending, timeout=within)


async def serve(settings: Settings, clock: Clock, port: int) -> None:
    """Run until Ctrl-C (SIGINT) or SIGTERM."""
    playground = Playground(settings, clock, port=port)
    try:
        url = await playground.start()
    except BaseException:
        await playground.stop()
        raise
    print(f"Dealroom playground: open {url}  (you act as the rep {CAST[0].name}; Ctrl-C stops it)", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await playground.stop()
