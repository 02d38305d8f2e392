"""/slack/events and /healthz under abuse: forged and malformed requests, oversized bodies, another
workspace's requests, and what /healthz tells whom (SPEC section 1; the issue's item 5)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import make_mocked_request

from bot.blocks.ids import ActionId
from bot.wiring.http_edge import MAX_BODY_BYTES, from_this_machine
from tests.emulator import SlackEmulator
from tests.scenario.conftest import started_bot
from tests.scenario.harness import GENERAL, REP, SIGNING_SECRET, Bot
from tests.signing import signed_headers

FORM = "application/x-www-form-urlencoded"
MARKER = "MARKER-of-the-body-7f3a"


async def raw_post(bot: Bot, body: bytes | Any, headers: dict[str, str]) -> tuple[int, str]:
    assert bot._http is not None
    async with bot._http.post(bot.url, data=body, headers=headers) as response:
        return response.status, await response.text()


def nothing_happened(bot: Bot) -> None:
    assert not bot.slack.calls_to("conversations.create"), "no deal was created"
    assert not bot.slack.responses, "nobody was answered"


async def nothing_comes(bot: Bot, happened: Callable[[], bool], within: float = 1.0) -> None:
    """The work after an ack runs in the background: give it `within` seconds to show itself."""
    await bot.settle()
    with pytest.raises(AssertionError):
        await bot.slack.wait_for(happened, timeout=within)


def warnings_from(caplog: pytest.LogCaptureFixture, logger: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == logger and r.levelno == logging.WARNING]


# --- signature ---------------------------------------------------------------------------------------------


async def test_a_request_failing_verification_is_one_short_warning_without_its_body(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, every level: Bolt's own logs a failed request's body at INFO
    body = bot.command_body(REP, f"new {MARKER} customer:Evil", key="forged")
    forged = signed_headers("not-the-signing-secret", body, content_type=FORM)
    stale = signed_headers(SIGNING_SECRET, body, timestamp=int(time.time()) - 600, content_type=FORM)
    attempts = [forged, stale, {"Content-Type": FORM}, {**forged, "X-Slack-Request-Timestamp": ""}]
    for headers in attempts:
        status, _ = await raw_post(bot, body.encode(), headers)
        assert status == 401
    await bot.settle()
    nothing_happened(bot)
    lines = warnings_from(caplog, "dealroom.http")
    assert len(lines) == len(attempts), [r.getMessage() for r in caplog.records]
    assert all("\n" not in r.getMessage() and len(r.getMessage()) < 160 for r in lines)
    assert "bad signature" in lines[0].getMessage() and "window" in lines[1].getMessage()
    logged = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    for secret in (MARKER, urllib.parse.quote_plus(MARKER), SIGNING_SECRET, forged["X-Slack-Signature"]):
        assert secret not in logged, f"{secret!r} was logged"


@pytest.mark.parametrize("timestamp", ["abc", "1e9", "-1", " 1", "12.5", "9" * 5000, "1" + "0" * 400, "0x10",
                                       "99999999999999999999", None],
                         ids=["text", "float-exp", "negative", "space", "decimal", "5000-digits", "overflow",
                              "hex", "huge", "missing"])
async def test_a_malformed_timestamp_is_401_not_500(bot: Bot, timestamp: str | None) -> None:
    body = bot.command_body(REP, "new Pilot customer:Acme", key="odd")
    headers = signed_headers(SIGNING_SECRET, body, content_type=FORM)
    if timestamp is None:
        del headers["X-Slack-Request-Timestamp"]
    else:
        headers["X-Slack-Request-Timestamp"] = timestamp
    status, _ = await raw_post(bot, body.encode(), headers)
    assert status == 401
    await bot.settle()
    nothing_happened(bot)


async def test_a_body_that_is_not_utf8_is_401_not_500(bot: Bot) -> None:
    body = b"command=%2Fdeal&text=\xff\xfe"
    timestamp = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256)
    headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": timestamp,
               "X-Slack-Signature": "v0=" + digest.hexdigest()}
    status, _ = await raw_post(bot, body, headers)
    assert status == 401, "Slack sends UTF-8: whatever its signature, this is not Slack"


# --- size ----------------------------------------------------------------------------------------------------


def padded_command(bot: Bot, size: int, key: str) -> bytes:
    """A signed-looking /deal command of exactly `size` bytes."""
    base = bot.command_body(REP, "help", key=key)
    body = base + "&pad=" + "x" * (size - len(base) - len("&pad="))
    assert len(body) == size
    return body.encode()


async def test_a_body_above_the_limit_is_413_and_a_body_at_the_limit_is_served(bot: Bot) -> None:
    assert MAX_BODY_BYTES == 256 * 1024
    fits = padded_command(bot, MAX_BODY_BYTES, "fits")
    status, _ = await raw_post(bot, fits, signed_headers(SIGNING_SECRET, fits, content_type=FORM))
    assert status == 200
    await bot.reply("fits")

    too_big = padded_command(bot, MAX_BODY_BYTES + 1, "big")
    status, _ = await raw_post(bot, too_big, signed_headers(SIGNING_SECRET, too_big, content_type=FORM))
    assert status == 413, "signed or not, a body above the limit is refused before it is read"
    huge = b"x" * (4 * MAX_BODY_BYTES)
    status, _ = await raw_post(bot, huge, {"Content-Type": FORM})
    assert status == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the streamed size counts
        for _ in range(3):
            yield too_big[:MAX_BODY_BYTES // 2]

    status, _ = await raw_post(bot, chunks(), signed_headers(SIGNING_SECRET, too_big, content_type=FORM))
    assert status == 413
    await bot.settle()
    assert [r["url_key"] for r in bot.slack.responses] == ["fits"]


# --- /healthz ---------------------------------------------------------------------------------------------------


async def health(bot: Bot, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    assert bot._http is not None
    async with bot._http.get(bot.url.replace("/slack/events", "/healthz"), headers=headers or {}) as response:
        return response.status, await response.json()


async def test_healthz_tells_the_world_only_ok_or_unhealthy(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    status, local = await health(bot)
    assert status == 200 and local["outbox"]["state"] == "ok" and local["database"] == "ok"
    proxied = {"X-Forwarded-For": "203.0.113.7"}  # what a proxy on this machine adds
    assert await health(bot, proxied) == (200, {"status": "ok"})

    async def database_down(engine: object) -> bool:
        return False

    monkeypatch.setattr("bot.wiring.server.ping", database_down)
    assert await health(bot, proxied) == (503, {"status": "unhealthy"})
    assert await health(bot, {"Forwarded": "for=203.0.113.7"}) == (503, {"status": "unhealthy"})
    assert await health(bot) == (503, {"status": "unhealthy", "database": "unreachable"})


async def test_healthz_details_for_everyone_with_the_setting(slack: SlackEmulator, db_url: str) -> None:
    async with started_bot(slack, db_url, dealroom_health_details=True) as bot:
        status, body = await health(bot, {"X-Forwarded-For": "203.0.113.7"})
        assert status == 200 and body["database"] == "ok" and body["outbox"]["pending"] == 0


@pytest.mark.parametrize(("remote", "headers", "local"), [
    ("127.0.0.1", {}, True), ("::1", {}, True), ("::ffff:127.0.0.1", {}, True), ("127.8.9.10", {}, True),
    ("203.0.113.7", {}, False), ("10.0.0.5", {}, False), ("::ffff:198.51.100.1", {}, False), (None, {}, False),
    ("127.0.0.1", {"X-Forwarded-For": "127.0.0.1"}, False), ("127.0.0.1", {"X-Real-IP": "198.51.100.1"}, False),
])
def test_who_counts_as_this_machine(remote: str | None, headers: dict[str, str], local: bool) -> None:
    request = make_mocked_request("GET", "/healthz", headers=headers)
    request = request.clone(remote=remote) if remote is not None else request
    if remote is None:
        request.transport.get_extra_info.return_value = None  # type: ignore[union-attr]
    assert from_this_machine(request) is local


# --- another workspace -------------------------------------------------------------------------------------------

FOREIGN = "T0EVIL99"


@pytest_asyncio.fixture
async def known_bot(bot: Bot) -> Bot:
    assert bot.deps.gateway.known_team_id == bot.slack.team_id == "T0001", "auth.test answered at start"
    return bot


async def test_a_command_from_another_workspace_does_nothing(known_bot: Bot,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    bot = known_bot
    caplog.set_level(logging.INFO)
    body = bot.command_body(REP, "new Pilot customer:Acme", key="foreign").replace("team_id=T0001",
                                                                                   f"team_id={FOREIGN}")
    response = await bot.post(body, FORM)
    assert response.status == 200, "answered, so Slack does not retry it"
    await nothing_comes(bot, lambda: bool(bot.slack.responses or bot.slack.calls_to("conversations.create")))
    refused = warnings_from(caplog, "handlers.app")
    assert len(refused) == 1 and FOREIGN in refused[0].getMessage() and "/deal" in refused[0].getMessage()
    reply = await bot.command(REP, "new Pilot customer:Acme")
    assert "D-1" in reply.text, "our own workspace is served"


async def test_a_click_and_an_event_from_another_workspace_do_nothing(known_bot: Bot,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    bot = known_bot
    await bot.command(REP, "new Pilot customer:Acme")
    channel = bot.channel_of(1).id
    caplog.set_level(logging.INFO)
    before = len(bot.slack.calls)
    for team in ({"team": {"id": FOREIGN, "domain": "evil"}},  # team.id
                 {"team": None, "user": {"id": REP, "team_id": FOREIGN}}):  # org-wide apps: user.team_id
        payload = {
            "type": "block_actions", "user": {"id": REP, "username": "ana", "team_id": "T0001"},
            "api_app_id": "A0001", "token": "legacy", "trigger_id": "trigger-x",
            "container": {"type": "message", "message_ts": "1.000001", "channel_id": channel},
            "channel": {"id": channel, "name": "x"}, "response_url": bot.slack.response_url("click"),
            "actions": [{"action_id": ActionId.NEXT_STAGE.value, "block_id": "b", "value": "1", "type": "button",
                         "action_ts": "1.2"}],
            **team,
        }
        assert (await bot.interact(payload)).status == 200
    event = {"type": "member_joined_channel", "user": "U0NEW", "channel": channel, "channel_type": "G",
             "team": FOREIGN, "event_ts": "1700000000.000100"}
    body = json.dumps({"token": "legacy", "team_id": FOREIGN, "api_app_id": "A0001", "event": event,
                       "type": "event_callback", "event_id": "Ev0FOREIGN", "event_time": 1700000000})
    assert (await bot.post(body, "application/json")).status == 200
    await nothing_comes(bot, lambda: len(bot.slack.calls) > before or any(r["url_key"] == "click"
                                                                        for r in bot.slack.responses))
    assert len(warnings_from(caplog, "handlers.app")) == 3


async def test_before_auth_test_answers_the_signature_alone_decides(
        slack: SlackEmulator, db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    slack.fail("auth.test", status=503, times=2)  # at start, and slack_sdk's one retry
    caplog.set_level(logging.INFO)
    async with started_bot(slack, db_url) as bot:
        assert bot.deps.gateway.known_team_id is None
        assert any("auth.test failed at start" in r.getMessage() for r in warnings_from(caplog, "dealroom"))
        started = time.monotonic()
        reply = await bot.command(REP, "help", channel=GENERAL)  # asks auth.test again, in the background
        assert time.monotonic() - started < 3 and reply.text, "served, and acked in time"
        await slack.wait_for(lambda: bot.deps.gateway.known_team_id == "T0001")
        body = bot.command_body(REP, "new Pilot", key="late").replace("team_id=T0001", f"team_id={FOREIGN}")
        await bot.post(body, FORM)
        await nothing_comes(bot, lambda: any(r["url_key"] == "late" for r in bot.slack.responses))
