"""Shared by the reliability benchmarks: an accelerated clock, the bot in this process against the
emulator, signed `/deal` commands, and the outbox tick."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `tests` (emulator, signing) is not an installed package

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-bench-token"
REPS = ("U0REP1", "U0REP2", "U0REP3", "U0REP4")


class AcceleratedClock:
    """Simulated time running `speed` times faster than the wall clock, shared by the bot and the
    emulator (whose rate-limit windows use it), so minutes of Slack time pass in seconds."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self._start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        self._t0 = time.monotonic()
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return self._start + self._offset + timedelta(seconds=(time.monotonic() - self._t0) * self.speed)

    def timestamp(self) -> float:
        return self.now().timestamp()

    def real_seconds(self, simulated: float) -> float:
        return simulated / self.speed


@dataclass
class RunningBot:
    deps: Any
    url: str
    runner: web.AppRunner


@contextlib.asynccontextmanager
async def running_bot(emulator: Any, clock: Any, database_url: str, **settings: Any) -> AsyncIterator[RunningBot]:
    from slack_sdk.http_retry import FixedValueRetryIntervalCalculator

    from bot.config.settings import Settings
    from bot.runtime.deps import build_deps
    from bot.wiring.server import build_web_app
    from handlers.app import build_app
    from models.infra.db import migrate

    config = Settings(_env_file=None, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                      slack_api_url=emulator.api_url, database_url=database_url, log_level="ERROR", **settings)
    deps = build_deps(config, clock=clock, retry_interval=FixedValueRetryIntervalCalculator(0.01))
    await migrate(deps.engine)
    runner = web.AppRunner(build_web_app(deps, build_app(deps)), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        yield RunningBot(deps=deps, url=f"http://127.0.0.1:{port}/slack/events", runner=runner)
    finally:
        await deps.deliverer.stop()
        await runner.cleanup()
        await deps.aclose()


@contextlib.asynccontextmanager
async def outbox_tick(bot: RunningBot, clock: AcceleratedClock, every_simulated: float = 2.0) -> AsyncIterator[None]:
    """The scheduler's outbox tick (every 2 s), on the simulated clock."""

    async def loop() -> None:
        while True:
            with contextlib.suppress(Exception):
                await bot.deps.deliverer.drain()
            await asyncio.sleep(clock.real_seconds(every_simulated))

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def command(http: aiohttp.ClientSession, bot: RunningBot, emulator: Any, user: str, text: str,
                  key: str) -> float:
    """A signed `/deal <text>`; returns the ack time in ms."""
    from tests.signing import signed_headers

    body = urllib.parse.urlencode({
        "token": "legacy", "team_id": "T0001", "team_domain": "bench", "channel_id": "C0GENERAL",
        "channel_name": "general", "user_id": user, "user_name": user.lower(), "command": "/deal", "text": text,
        "api_app_id": "A0001", "is_enterprise_install": "false", "response_url": emulator.response_url(key),
        "trigger_id": f"trigger-{key}",
    })
    headers = signed_headers(SIGNING_SECRET, body, content_type="application/x-www-form-urlencoded")
    started = time.perf_counter()
    async with http.post(bot.url, data=body.encode(), headers=headers) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"/deal {text}: HTTP {response.status}")
    return (time.perf_counter() - started) * 1000


def new_emulator(clock: AcceleratedClock) -> Any:
    from tests.emulator import SlackEmulator

    emulator = SlackEmulator(bot_token=BOT_TOKEN, clock=clock.timestamp)
    for i, rep in enumerate(REPS):
        emulator.add_user(rep, f"rep{i}", tz="Europe/Berlin")
    return emulator


async def wait_until(predicate: Any, *, timeout: float, step: float = 0.05) -> bool:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(step)
    return True
