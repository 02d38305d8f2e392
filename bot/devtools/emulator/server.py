"""The Slack emulator: a stateful, recording Slack Web API on a local port.

Routes (all on `SlackEmulator.base_url`):

* `/api/<method>`        — Web API; JSON, form or query arguments; token in `Authorization: Bearer …`
                           (or a `token` form/query parameter, as Slack allows).
* `/upload/v1/<file_id>` — the upload URL handed out by files.getUploadURLExternal.
* `/hooks/<key>`         — a response_url (see `SlackEmulator.response_url`).
* `/api/apps.connections.open`, `/socket/<ticket>` — Socket Mode (`SlackEmulator.socket_mode`,
                           in `bot.devtools.emulator.socket`).

The class is built in layers, one module each: `state.Workspace` (what Slack knows) <
`faults.FaultInjection` (failing on purpose) < `web_api.WebApi` (the HTTP routes) < `SlackEmulator`
(start, stop, and what tests ask of it). The methods themselves are in `methods/`, one module per family.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.devtools.emulator.methods import METHODS
from bot.devtools.emulator.socket import SocketModeServer
from bot.devtools.emulator.web_api import WebApi, programs_on_this_machine_only

__all__ = ["METHODS", "SlackEmulator"]


class SlackEmulator(WebApi):
    """A stateful, recording Slack Web API on a local port.

    Extra keyword arguments go to `Workspace`: bot_name ("dealroom"), team_name, team_domain
    ("emulated", giving https://emulated.slack.com/ permalinks) and app_id ("A0001").
    """

    def __init__(
        self,
        *,
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        team_id: str = "T0001",
        bot_token: str = "xoxb-test-token",
        clock: Callable[[], float] | None = None,
        **workspace: Any,
    ) -> None:
        super().__init__(
            bot_user_id=bot_user_id, bot_id=bot_id, team_id=team_id, bot_token=bot_token, clock=clock, **workspace
        )
        self._runner: web.AppRunner | None = None
        self.socket_mode = SocketModeServer(self)

    # ---- lifecycle ----------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if self._runner is not None:
            raise RuntimeError("emulator already started")
        app = web.Application(client_max_size=100 * 1024 * 1024, middlewares=[programs_on_this_machine_only])
        self.socket_mode.add_routes(app)  # before /api/{method}: apps.connections.open takes an xapp- token
        self.add_routes(app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        bound_port = runner.addresses[0][1]
        public_host = "127.0.0.1" if host in ("", "0.0.0.0") else host
        self.base_url = f"http://{public_host}:{bound_port}"

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await self.socket_mode.close()
            await runner.cleanup()

    async def __aenter__(self) -> SlackEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def response_url(self, key: str = "") -> str:
        """A response_url served by the emulator; POSTs to it land in `responses` with this key.

        An empty key mints a fresh one (R0001, R0002, …).  Like Slack, each URL takes 5 posts within
        30 minutes (emulator clock); later posts get HTTP 404 `used_url` / `expired_url`.
        """
        if not self.base_url:
            raise RuntimeError("start() the emulator before asking for a response_url")
        key = key or self.next_id("R")
        self.response_urls.setdefault(key, self.now())
        return f"{self.base_url}/hooks/{quote(key, safe='')}"

    async def add_member(self, channel_id: str, user_id: str, inviter: str | None = None) -> None:
        """A human joins (or is added by `inviter`) outside the bot: updates state and fires the hooks."""
        self.join(self.channels[channel_id], user_id, inviter)
        await self._notify_joined(self.take_joined())

    async def remove_member(self, channel_id: str, user_id: str) -> None:
        """A human leaves (or is removed by another human) outside the bot: updates state and fires the
        `on_member_left` hooks, as Slack sends member_left_channel."""
        self.leave(self.channels[channel_id], user_id)
        await self._notify_left(self.take_left())

    # ---- inspection -----------------------------------------------------------------------------

    def describe(self, last: int = 20) -> str:
        """Recent calls and response_url posts, for failure messages."""
        lines = [f"last {min(last, len(self.calls))} of {len(self.calls)} Web API calls:"]
        for call in self.calls[-last:]:
            outcome = "ok" if call.ok else f"error={call.error}"
            args = json.dumps(call.args, default=str, ensure_ascii=False)
            lines.append(f"  {call.method} [{call.status} {outcome}] {args[:240]}")
        if self.responses:
            lines.append(f"{len(self.responses)} response_url posts, last: {self.responses[-1]}")
        if self.errors:
            lines.append(f"emulator errors: {self.errors!r}")
        return "\n".join(lines)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Poll `predicate` every 10 ms; AssertionError with recent calls if it stays false."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() >= deadline:
                name = getattr(predicate, "__name__", "predicate")
                raise AssertionError(f"{name} still false after {timeout}s\n{self.describe()}")
            await asyncio.sleep(0.01)
