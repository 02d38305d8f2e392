"""Socket Mode (SPEC section 1): the bot takes Slack's requests on a WebSocket opened through
`apps.connections.open`, acks every envelope, and reconnects by itself when the socket goes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer

from bot.config.settings import Settings, SettingsError
from bot.runtime.deps import Deps, build_deps
from bot.wiring.server import build_web_app
from bot.wiring.socket_mode import SocketMode
from handlers.app import build_app
from tests.clock import fake_clock
from tests.emulator import SlackEmulator
from tests.emulator.socket import Envelope
from tests.scenario.harness import ADMIN, BOT_TOKEN, CAST, GENERAL, NEWCOMER, REP

# Short intervals keep the tests quick; the production default (bot.socket_mode.PING_INTERVAL) is 3 s.
PING_INTERVAL = 1.0
RECONNECT_LIMIT = 15.0  # SPEC: the bot is back within 15 s


class SocketBot:
    """The bot as `dealroom run` assembles it with SLACK_APP_TOKEN set (no signing secret)."""

    def __init__(self, slack: SlackEmulator, db_url: str, *, app_token: str | None = None) -> None:
        self.slack = slack
        self.sm = slack.socket_mode
        self.settings = Settings(
            _env_file=None, slack_bot_token=BOT_TOKEN, slack_app_token=app_token or slack.socket_mode.app_token,
            slack_api_url=slack.api_url, database_url=db_url, dealroom_admins=ADMIN,
        )
        self.deps: Deps = build_deps(self.settings, clock=fake_clock())
        self.socket: SocketMode | None = None
        self._server: TestServer | None = None
        self._http: aiohttp.ClientSession | None = None
        self._keys = 0

    async def start(self) -> SocketBot:
        for user_id, (name, tz) in CAST.items():
            self.slack.add_user(user_id, name, tz=tz)
        self.settings.require_run_settings()  # Socket Mode needs no signing secret
        bolt = build_app(self.deps)
        self.socket = SocketMode(bolt, self.settings.slack_app_token.get_secret_value(),  # type: ignore[union-attr]
                                 ping_interval=PING_INTERVAL)
        web_app = build_web_app(self.deps, None, socket_is_open=self.socket.is_connected)
        self._server = TestServer(web_app)
        await self._server.start_server()
        self._http = aiohttp.ClientSession()
        await self.socket.start()
        return self

    async def stop(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        if self._http is not None:
            await self._http.close()
        if self._server is not None:
            await self._server.close()
        await self.deps.aclose()

    # --- HTTP side (health only) --------------------------------------------------------------

    async def get(self, path: str) -> tuple[int, Any]:
        assert self._http is not None and self._server is not None
        async with self._http.get(self._server.make_url(path)) as response:
            body = await response.json() if response.content_type == "application/json" else await response.text()
            return response.status, body

    async def post(self, path: str, data: bytes) -> int:
        assert self._http is not None and self._server is not None
        async with self._http.post(self._server.make_url(path), data=data) as response:
            return response.status

    async def wait_health(self, status: int, timeout: float = RECONNECT_LIMIT) -> dict[str, Any]:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while True:
            got, body = await self.get("/healthz")
            if got == status:
                return body
            assert time.monotonic() < deadline, f"/healthz stayed {got} {body} for {timeout}s"
            await asyncio.sleep(0.05)

    # --- Slack's side ---------------------------------------------------------------------------

    async def command(self, user: str, text: str, *, channel: str = GENERAL) -> tuple[Envelope, str]:
        """Send `/deal <text>` as a slash_commands envelope; returns it and its response_url key."""
        self._keys += 1
        key = f"sock{self._keys}"
        form = {
            "token": "legacy", "team_id": "T0001", "team_domain": "acme", "channel_id": channel,
            "channel_name": "x", "user_id": user, "user_name": CAST[user][0], "command": "/deal", "text": text,
            "api_app_id": "A0001", "is_enterprise_install": "false",
            "response_url": self.slack.response_url(key), "trigger_id": f"trigger-{key}",
        }
        return await self.sm.slash_command(form), key

    async def reply_text(self, key: str) -> str:
        await self.slack.wait_for(lambda: any(r["url_key"] == key for r in self.slack.responses), timeout=10)
        body = next(r["body"] for r in self.slack.responses if r["url_key"] == key)
        return str(body.get("text") or "")

    async def settle(self) -> None:
        await self.deps.deliverer.close()
        await self.deps.deliverer.drain()

    def deal_channel(self, number: int) -> Any:
        found = [c for c in self.slack.channels.values() if c.name.startswith(f"deal-{number}-")
                 or c.name == f"deal-{number}"]
        return found[0] if len(found) == 1 else None


@pytest_asyncio.fixture
async def sbot(slack: SlackEmulator, db_url: str) -> AsyncIterator[SocketBot]:
    running = SocketBot(slack, db_url)
    try:
        yield await running.start()
    finally:
        await running.stop()


def _joined(user: str, channel: str, *, event_id: str) -> dict[str, Any]:
    return {
        "token": "legacy", "team_id": "T0001", "api_app_id": "A0001", "type": "event_callback",
        "event_id": event_id, "event_time": 1700000000,
        "event": {"type": "member_joined_channel", "user": user, "channel": channel, "channel_type": "G",
                  "team": "T0001", "inviter": REP, "event_ts": "1700000000.000100"},
        "authorizations": [{"team_id": "T0001", "user_id": "UBOT", "is_bot": True, "is_enterprise_install": False}],
    }


async def _ack_a_command(sbot: SocketBot) -> None:
    """A request on the (new) socket is acked and answered."""
    env, key = await sbot.command(REP, "help")
    await sbot.sm.wait_ack(env, timeout=3)
    assert await sbot.reply_text(key)


# --- tests ------------------------------------------------------------------------------------------


async def test_it_connects_through_apps_connections_open_and_serves_no_request_url(sbot: SocketBot) -> None:
    opens = sbot.slack.calls_to("apps.connections.open")
    assert [c.ok for c in opens] == [True]
    assert sbot.settings.slack_signing_secret is None
    conn = await sbot.sm.wait_connected()
    assert conn.id == 1 and sbot.sm.connection_count == 1

    assert await sbot.post("/slack/events", b"token=x&command=%2Fdeal&text=help") == 404
    status, body = await sbot.get("/healthz")
    assert (status, body) == (200, {"status": "ok", "database": "ok", "socket": "open", "outbox": body["outbox"]})
    assert body["outbox"]["state"] == "ok"


async def test_a_slash_command_envelope_is_acked_at_once_and_creates_the_deal(sbot: SocketBot) -> None:
    env, key = await sbot.command(REP, "new Pilot customer:Acme")
    ack = await sbot.sm.wait_ack(env, timeout=3)
    assert ack["envelope_id"] == env.envelope_id
    assert env.ack_seconds is not None and env.ack_seconds < 3

    assert "D-1" in await sbot.reply_text(key)
    await sbot.slack.wait_for(lambda: sbot.deal_channel(1) is not None)
    await sbot.settle()
    channel = sbot.deal_channel(1)
    assert channel.name == "deal-1-acme" and channel.is_private and REP in channel.members
    assert channel.pins, "the card is pinned"
    assert len(sbot.slack.calls_to("conversations.create")) == 1


async def test_an_envelope_from_another_workspace_is_acked_and_does_nothing(
    sbot: SocketBot, caplog: pytest.LogCaptureFixture
) -> None:
    assert sbot.deps.gateway.known_team_id == sbot.slack.team_id, "auth.test answered at start"
    form = {"token": "legacy", "team_id": "T0EVIL99", "channel_id": GENERAL, "user_id": REP, "user_name": "ana",
            "command": "/deal", "text": "new Evil customer:Evil", "api_app_id": "A0001",
            "response_url": sbot.slack.response_url("foreign"), "trigger_id": "trigger-foreign"}
    env = await sbot.sm.slash_command(form)
    await sbot.sm.wait_ack(env, timeout=3)  # acked, so Slack does not send it again
    _, key = await sbot.command(REP, "new Pilot customer:Acme")  # the same person's next request
    assert "D-1" in await sbot.reply_text(key), "the foreign one made no deal"
    assert not [r for r in sbot.slack.responses if r["url_key"] == "foreign"]
    assert [r.levelname for r in caplog.records if "T0EVIL99" in r.getMessage()] == ["WARNING"]


async def test_an_event_delivered_again_with_retry_attempt_has_one_effect(sbot: SocketBot) -> None:
    env, _ = await sbot.command(REP, "new Pilot customer:Acme")
    await sbot.sm.wait_ack(env)
    await sbot.slack.wait_for(lambda: sbot.deal_channel(1) is not None)
    await sbot.settle()
    channel = sbot.deal_channel(1).id
    await sbot.slack.add_member(channel, NEWCOMER, inviter=REP)

    def welcomes() -> list[Any]:
        return [m for m in sbot.slack.messages.get(channel, []) if m.ephemeral_to == NEWCOMER]

    first = await sbot.sm.events_api(_joined(NEWCOMER, channel, event_id="Ev0SOCK1"))
    retry = await sbot.sm.events_api(_joined(NEWCOMER, channel, event_id="Ev0SOCK1"),
                                     retry_attempt=1, retry_reason="timeout")
    assert first.message["retry_attempt"] == 0 and retry.message["retry_attempt"] == 1
    await sbot.sm.wait_ack(first)
    await sbot.sm.wait_ack(retry)  # acked, so Slack stops retrying: but it did nothing
    await sbot.slack.wait_for(lambda: len(welcomes()) >= 1)
    await sbot.settle()
    assert len(welcomes()) == 1
    assert len(sbot.slack.calls_to("chat.postEphemeral")) == 1


async def test_it_reconnects_after_slacks_disconnect_message(sbot: SocketBot) -> None:
    await sbot.sm.wait_connected()
    started = time.monotonic()
    await sbot.sm.disconnect("refresh_requested")
    await sbot.sm.wait_connected(count=2, timeout=RECONNECT_LIMIT)
    took = time.monotonic() - started
    assert took < RECONNECT_LIMIT
    assert [c.ok for c in sbot.slack.calls_to("apps.connections.open")] == [True, True], "a fresh URL"
    await sbot.slack.wait_for(lambda: not sbot.sm.connections[0].is_open, timeout=5)  # the bot let the old go
    await _ack_a_command(sbot)
    assert sbot.sm.envelopes and all(e.connection == 2 for e in sbot.sm.envelopes.values())
    await sbot.wait_health(200)


async def test_it_reconnects_after_the_socket_drops(sbot: SocketBot) -> None:
    await sbot.sm.wait_connected()
    started = time.monotonic()
    await sbot.sm.drop()
    await sbot.sm.wait_connected(count=2, timeout=RECONNECT_LIMIT)
    assert time.monotonic() - started < RECONNECT_LIMIT
    await _ack_a_command(sbot)
    await sbot.wait_health(200)


async def test_it_reconnects_from_a_socket_that_stopped_answering(sbot: SocketBot) -> None:
    await sbot.sm.wait_connected()
    started = time.monotonic()
    sbot.sm.stall()  # no close, no pong: a half-open connection
    await sbot.sm.wait_connected(count=2, timeout=RECONNECT_LIMIT)
    assert time.monotonic() - started < RECONNECT_LIMIT
    await _ack_a_command(sbot)


async def test_healthz_says_503_while_the_socket_is_down_and_200_once_it_is_back(sbot: SocketBot) -> None:
    await sbot.wait_health(200)
    sbot.sm.fail_open("internal_error", times=2)  # Slack cannot hand out a new URL for a while
    started = time.monotonic()
    await sbot.sm.drop()
    down = await sbot.wait_health(503, timeout=5)
    assert down == {"status": "unhealthy", "database": "ok", "socket": "closed", "outbox": down["outbox"]}
    up = await sbot.wait_health(200, timeout=RECONNECT_LIMIT)
    assert up["socket"] == "open"
    assert time.monotonic() - started < RECONNECT_LIMIT
    opens = sbot.slack.calls_to("apps.connections.open")
    assert [c.ok for c in opens][-1] is True and [c.error for c in opens].count("internal_error") == 2
    await _ack_a_command(sbot)


async def test_a_refused_handshake_does_not_leave_it_retrying_a_used_url(
    sbot: SocketBot, caplog: pytest.LogCaptureFixture
) -> None:
    # slack_sdk retries a failed connect with the same URL; Slack's URLs are one-time tickets, so the
    # watchdog in bot.socket_mode makes the next attempt ask apps.connections.open for a fresh one.
    await sbot.sm.wait_connected()
    sbot.sm.fail_connect(times=1)
    started = time.monotonic()
    await sbot.sm.drop()
    await sbot.sm.wait_connected(count=2, timeout=RECONNECT_LIMIT)
    assert time.monotonic() - started < RECONNECT_LIMIT
    assert len(sbot.sm.refused) >= 1
    assert len(sbot.slack.calls_to("apps.connections.open")) >= 3  # first, the refused one, a fresh one
    await _ack_a_command(sbot)
    assert "Failed to connect" in caplog.text
    assert not [t for t in sbot.sm.refused if t in caplog.text], "the URL's ticket is never logged"


async def test_an_app_token_slack_refuses_is_one_settings_error(slack: SlackEmulator, db_url: str) -> None:
    bot = SocketBot(slack, db_url, app_token="xapp-1-A0001-1-revoked")
    try:
        with pytest.raises(SettingsError, match=r"^SLACK_APP_TOKEN .*invalid_auth.*\.env\.example"):
            await bot.start()
    finally:
        await bot.stop()
    assert slack.socket_mode.connection_count == 0
