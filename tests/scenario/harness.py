"""Drives the bot as Slack would: signed HTTP requests into the running aiohttp app, with the
Web API pointed at the in-repo emulator, and a clock the test moves (it starts at this run's Monday,
tests/clock.py: derive dates from `bot.clock.now()`)."""

from __future__ import annotations

import itertools
import json
import urllib.parse
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from slack_sdk.http_retry import FixedValueRetryIntervalCalculator

from bot.config.settings import Settings
from bot.runtime.deps import Deps, build_deps
from bot.runtime.runner import Work, run_job
from bot.wiring.server import build_web_app
from handlers.app import build_app
from models.approvals import sweeps as approval_sweeps
from models.followups import nudges, reminders
from models.infra.clock import FakeClock
from scheduler import sweeps_pool
from scheduler.sweeps import Sweep, sweep_now
from tests.clock import fake_clock
from tests.emulator import SlackEmulator
from tests.signing import signed_headers

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-token"

REP = "U0REP1"
REP2 = "U0REP2"
MANAGER = "U0MGR"
ADMIN = "U0ADMIN"
NEWCOMER = "U0NEW"
CAST = {
    REP: ("ana", "Europe/Berlin"),
    REP2: ("ben", "America/New_York"),
    MANAGER: ("mia", "Europe/Berlin"),
    ADMIN: ("ada", "UTC"),
    NEWCOMER: ("nick", "Asia/Shanghai"),
}
GENERAL = "C0GENERAL"


@dataclass
class Reply:
    text: str
    blocks: list[dict[str, Any]]
    body: dict[str, Any]

    @property
    def all_text(self) -> str:
        """The fallback text and every text in the blocks, for assertions."""
        return self.text + "\n" + json.dumps(self.blocks, ensure_ascii=False)


class Bot:
    def __init__(self, slack: SlackEmulator, db_url: str, *, pacing: bool = False, clock: FakeClock | None = None,
                 **settings: Any) -> None:
        """`pacing`: the outbox keeps under Slack's rate tiers on the test's clock, so that messages wait
        for the clock to move, as the emulator (`tier_limits`) would make them. Off unless a test is
        about rate limits, like the emulator's tiers. `clock`: the run's (tests/clock.py) unless given."""
        self.slack = slack
        self.clock = clock or fake_clock()
        self.settings = Settings(
            _env_file=None, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
            slack_api_url=slack.api_url, database_url=db_url, dealroom_admins=ADMIN, **settings,
        )
        self.deps: Deps = build_deps(self.settings, clock=self.clock,
                                     retry_interval=FixedValueRetryIntervalCalculator(0.01))
        if not pacing:
            self.deps.gateway.pacer = None
        self._server: TestServer | None = None
        self._http: aiohttp.ClientSession | None = None
        self._keys = itertools.count(1)

    async def start(self) -> Bot:
        for user_id, (name, tz) in CAST.items():
            self.slack.add_user(user_id, name, tz=tz)
        self._server = TestServer(build_web_app(self.deps, build_app(self.deps)))
        await self._server.start_server()
        self._http = aiohttp.ClientSession()
        return self

    async def stop(self) -> None:
        if self._http:
            await self._http.close()
        if self._server:
            await self._server.close()
        await self.deps.aclose()

    @property
    def url(self) -> str:
        assert self._server is not None
        return str(self._server.make_url("/slack/events"))

    # --- requests -----------------------------------------------------------------------------

    async def post(self, body: str, content_type: str, *, headers: dict[str, str] | None = None,
                   secret: str = SIGNING_SECRET, timestamp: int | None = None) -> aiohttp.ClientResponse:
        assert self._http is not None
        all_headers = signed_headers(secret, body, timestamp=timestamp, content_type=content_type)
        all_headers.update(headers or {})
        response = await self._http.post(self.url, data=body.encode(), headers=all_headers)
        await response.read()
        return response

    def command_body(self, user: str, text: str, *, channel: str = GENERAL, key: str) -> str:
        return urllib.parse.urlencode({
            "token": "legacy", "team_id": "T0001", "team_domain": "acme", "channel_id": channel,
            "channel_name": "x", "user_id": user, "user_name": CAST.get(user, ("someone",))[0],
            "command": "/deal", "text": text, "api_app_id": "A0001", "is_enterprise_install": "false",
            "response_url": self.slack.response_url(key), "trigger_id": f"trigger-{key}",
        })

    async def command(self, user: str, text: str, *, channel: str = GENERAL, settle: bool = True) -> Reply:
        """Type `/deal <text>`; returns the private reply (after delivering the outbox)."""
        key = f"cmd{next(self._keys)}"
        response = await self.post(self.command_body(user, text, channel=channel, key=key),
                                   "application/x-www-form-urlencoded")
        assert response.status == 200, response.status
        reply = await self.reply(key)
        if settle:
            await self.settle()
        return reply

    async def reply(self, key: str, wait_seconds: float = 10.0) -> Reply:
        await self.slack.wait_for(lambda: any(r["url_key"] == key for r in self.slack.responses),
                                  timeout=wait_seconds)
        body = next(r["body"] for r in self.slack.responses if r["url_key"] == key)
        return Reply(text=body.get("text") or "", blocks=body.get("blocks") or [], body=body)

    async def interact(self, payload: dict[str, Any]) -> aiohttp.ClientResponse:
        body = "payload=" + urllib.parse.quote(json.dumps(payload), safe="")
        return await self.post(body, "application/x-www-form-urlencoded")

    async def click(self, user: str, action_id: str, value: str, *, channel: str, message_ts: str = "1.000001",
                    ephemeral: bool = False) -> str:
        """Click a button; returns the response_url key its reply (if any) will use."""
        key = f"act{next(self._keys)}"
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": CAST.get(user, ("someone",))[0], "team_id": "T0001"},
            "api_app_id": "A0001", "token": "legacy", "team": {"id": "T0001", "domain": "acme"},
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel,
                          "is_ephemeral": ephemeral},
            "trigger_id": f"trigger-{key}", "channel": {"id": channel, "name": "x"},
            "response_url": self.slack.response_url(key),
            "actions": [{"action_id": action_id, "block_id": "b", "value": value, "type": "button",
                         "action_ts": "1.2"}],
        }
        response = await self.interact(payload)
        assert response.status == 200, response.status
        return key

    async def submit(self, user: str, callback_id: str, values: dict[str, str], *,
                     private_metadata: str = "") -> aiohttp.ClientResponse:
        """Submit a modal: `values` maps block_id to the text typed (action_id = block_id)."""
        state = {block: {block: {"type": "plain_text_input", "value": value}} for block, value in values.items()}
        payload = {
            "type": "view_submission", "team": {"id": "T0001", "domain": "acme"},
            "user": {"id": user, "username": CAST.get(user, ("someone",))[0], "team_id": "T0001"},
            "api_app_id": "A0001", "token": "legacy", "trigger_id": "trigger-view",
            "view": {"id": "V0001", "type": "modal", "callback_id": callback_id,
                     "private_metadata": private_metadata, "state": {"values": state}, "hash": "h"},
        }
        return await self.interact(payload)

    async def event(self, event: dict[str, Any], *, event_id: str, retry_num: int | None = None) -> int:
        body = json.dumps({
            "token": "legacy", "team_id": "T0001", "api_app_id": "A0001", "event": event,
            "type": "event_callback", "event_id": event_id, "event_time": 1700000000,
            "authorizations": [{"team_id": "T0001", "user_id": "UBOT", "is_bot": True,
                                "is_enterprise_install": False}],
        })
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else {}
        response = await self.post(body, "application/json", headers=headers)
        return response.status

    # --- time and delivery ----------------------------------------------------------------------

    async def settle(self) -> None:
        """Let background work finish, then deliver everything due."""
        await self.deps.deliverer.close()
        await self.deps.deliverer.drain()

    async def advance(self, delta: timedelta) -> None:
        self.clock.advance(delta)
        await self.settle()

    async def tick(self) -> None:
        """What the scheduler's ticks do at this moment: reminders and nudges, then delivery."""
        for sweep in (reminders.take_due_reminders, nudges.sweep, approval_sweeps.sweep):
            done = await sweep_now(self.deps, sweep, what=sweep.__qualname__)
            assert not done.failed, f"{sweep.__qualname__} failed (see the log)"
        await self.settle()

    async def sweep(self, sweep: Sweep) -> list[str]:
        """One tick of a pool sweep (scheduler/sweeps_pool.py) as the scheduler runs it: the lanes it queued."""
        done = await sweeps_pool.tick(self.deps, sweep)
        assert not done.failed, f"{sweep.__qualname__} failed (see the log)"
        return done.lanes

    async def job(self, work: Work) -> list[str]:
        """``work`` as a job of the runner (a scheduler tick): the lanes its transactions queued."""
        done = await run_job(self.deps, work, what="a test's job")
        assert not done.failed, "the job failed (see the log)"
        return done.lanes

    async def wait_until(self, delta: timedelta) -> None:
        """Move the clock on and tick, as a running bot would have done meanwhile."""
        await self.advance(delta)
        await self.tick()

    # --- looking at Slack -------------------------------------------------------------------------

    def channel_of(self, number: int) -> Any:
        prefix = f"deal-{number}"
        found = [c for c in self.slack.channels.values() if c.name == prefix or c.name.startswith(prefix + "-")]
        assert len(found) == 1, f"expected one channel for D-{number}, found {[c.name for c in found]}"
        return found[0]

    def dms_to(self, user_id: str) -> list[Any]:
        """The bot's direct messages to a person, oldest first (as they are now, after any update)."""
        channel_id = self.slack.ims.get(user_id)
        return self.messages_in(channel_id) if channel_id else []

    def dm_texts(self, user_id: str) -> list[str]:
        return [m.text for m in self.dms_to(user_id)]

    def messages_in(self, channel_id: str) -> list[Any]:
        return [m for m in self.slack.messages.get(channel_id, []) if not getattr(m, "ephemeral_to", None)]

    def bot_messages(self, channel_id: str) -> list[Any]:
        return [m for m in self.messages_in(channel_id) if m.user == self.slack.bot_user_id]
