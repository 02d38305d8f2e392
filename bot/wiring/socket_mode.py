"""Socket Mode (SPEC section 1): Slack's requests arrive on a WebSocket instead of /slack/events.

Bolt's `AsyncSocketModeHandler` (slack_sdk's aiohttp `SocketModeClient`) does the work:
`apps.connections.open` goes through the app's own `AsyncWebClient` (so through `SLACK_API_URL`,
with its retry handlers) with the app-level token, and the client connects to whatever URL that
returns. slack_sdk reconnects by itself on Slack's `disconnect` message (at once, with a fresh URL),
on a close frame (at once), and on a dead socket (its monitor looks every `ping_interval` seconds;
aiohttp's heartbeat closes a socket whose pong does not come back within `ping_interval / 2`).

What it does not do is give up on a URL: when connecting fails it retries the same URL forever,
and Slack's URLs are short-lived tickets. So a small watchdog checks every second; once the socket
has been down for `ping_interval` seconds it drops the URL (the next attempt asks for a fresh one)
and, unless a reconnect is already under way, starts one. Bolt's default `ping_interval` (10 s)
would take 20 s to notice a silent socket; with ours (3 s), measured against the emulator, the bot
is back at once after `disconnect` or a close frame, after 3 s when the TCP connection dies, and
after 6 s when the socket goes silent or the first reconnect attempt is refused: inside the SPEC's 15 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.config.settings import ENV_EXAMPLE_HINT, Settings, SettingsError

log = logging.getLogger("dealroom.socket")
# slack_sdk logs the WebSocket URL when connecting fails; its path and query carry a ticket.
_WS_URL = re.compile(r"(wss?://[^/\s'\"]+)[^\s'\"]*")

PING_INTERVAL = 3.0
WATCHDOG_INTERVAL = 1.0
# apps.connections.open answers that say the app-level token itself is wrong: retrying cannot help.
TOKEN_ERRORS = frozenset({
    "not_authed", "invalid_auth", "not_allowed_token_type", "token_revoked", "token_expired", "account_inactive",
    "missing_scope", "no_permission",
})


class _HideTickets(logging.Filter):
    """Cut WebSocket URLs (and their tickets) down to the host, in messages and tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "ws://" in message or "wss://" in message:
            record.msg, record.args = _WS_URL.sub(r"\1/…", message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = _WS_URL.sub(r"\1/…", logging.Formatter().formatException(record.exc_info))
        return True


class SocketMode:
    """One Socket Mode connection for the Bolt app: `start()`, `is_connected()` for health, `close()`."""

    def __init__(self, app: AsyncApp, app_token: str, *, ping_interval: float = PING_INTERVAL,
                 watchdog_interval: float = WATCHDOG_INTERVAL) -> None:
        if not any(isinstance(f, _HideTickets) for f in log.filters):
            log.addFilter(_HideTickets())
        # Needs a running event loop: slack_sdk's client starts its message processor on construction.
        self.handler = AsyncSocketModeHandler(app, app_token, logger=log, web_client=app.client,
                                              ping_interval=ping_interval)
        self.client = self.handler.client
        self.ping_interval = ping_interval
        self.watchdog_interval = watchdog_interval
        self.reconnects = 0  # started by the watchdog
        self._watchdog: asyncio.Task[None] | None = None
        self._reconnect: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(cls, app: AsyncApp, settings: Settings) -> SocketMode:
        assert settings.slack_app_token is not None, "Socket Mode needs SLACK_APP_TOKEN"
        return cls(app, settings.slack_app_token.get_secret_value())

    async def start(self) -> None:
        """Connect (retrying until Slack answers); a token Slack refuses is a SettingsError."""
        client = self.client
        try:  # once by hand, to tell a refused token from an outage
            opened = await client.web_client.apps_connections_open(app_token=client.app_token)
            client.wss_uri = opened["url"]
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            if error in TOKEN_ERRORS:
                await self.close()
                raise SettingsError(
                    f"SLACK_APP_TOKEN was refused by Slack ({error}): it must be an app-level token with the "
                    f"connections:write scope ({ENV_EXAMPLE_HINT})"
                ) from None
            log.warning("apps.connections.open failed (%s); retrying", error)
        except Exception as exc:  # Slack unreachable: slack_sdk's connect() retries below
            log.warning("apps.connections.open failed (%s); retrying", type(exc).__name__)
        self._watchdog = asyncio.create_task(self._watch())
        async with client.connect_operation_lock:  # the watchdog leaves a connect under way alone
            await client.connect()

    def is_connected(self) -> bool:
        """The socket is open and answering pings (slack_sdk's own test, without awaiting)."""
        client = self.client
        session = client.current_session
        if client.closed or client.stale or session is None or session.closed:
            return False
        last_pong = client.last_ping_pong_time
        return last_pong is None or time.time() - last_pong < self.ping_interval * 4

    async def close(self) -> None:
        for task in (self._watchdog, self._reconnect):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._watchdog = self._reconnect = None
        await self.handler.close_async()

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        down_since: float | None = None
        while not self.client.closed:
            await asyncio.sleep(self.watchdog_interval)
            if self.is_connected():
                down_since = None
                continue
            now = loop.time()
            if down_since is None:
                down_since = now
            if now - down_since < self.ping_interval:
                continue  # give slack_sdk's own reconnect its turn
            self.client.wss_uri = None  # never retry a stale URL: the next attempt asks for a fresh one
            if self.client.connect_operation_lock.locked() or (self._reconnect and not self._reconnect.done()):
                continue  # a reconnect is under way (and now gets a fresh URL)
            log.warning("Socket Mode connection down for %.0f s; reconnecting", now - down_since)
            self.reconnects += 1
            self._reconnect = asyncio.create_task(self._reconnect_once())
            down_since = now  # the next attempt, if needed, after another ping_interval

    async def _reconnect_once(self) -> None:
        try:
            await self.client.connect_to_new_endpoint()
        except Exception as exc:  # e.g. apps.connections.open failed: the watchdog tries again
            log.warning("Socket Mode reconnect failed (%s); trying again", type(exc).__name__)
