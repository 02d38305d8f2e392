"""The playground in one process, driven through the page's own API as the browser would."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from bot.config.settings import Settings
from bot.devtools.playground import server as playground_server
from bot.devtools.playground.server import Playground
from scheduler import jobs
from tests.clock import RunningClock

REP, NEWCOMER = "U0REP1", "U0NEW"


def settings_for(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, host="0.0.0.0", database_url=f"sqlite+aiosqlite:///{tmp_path / 'pg.db'}")


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def started(tmp_path: Path) -> Playground:
    playground = Playground(settings_for(tmp_path), RunningClock(), port=0)
    await playground.start()
    return playground


async def call(http: aiohttp.ClientSession, pg: Playground, path: str, **body: Any) -> dict[str, Any]:
    async with http.post(f"{pg.url}playground/{path}", json=body) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def state(http: aiohttp.ClientSession, pg: Playground, user: str, channel: str | None = None) -> dict[str, Any]:
    params = {"user": user, **({"channel": channel} if channel else {})}
    async with http.get(f"{pg.url}playground/state", params=params) as response:
        return await response.json()


async def new_deal(http: aiohttp.ClientSession, pg: Playground) -> str:
    general = pg.slack.channel_named("general")
    assert general is not None
    reply = await call(http, pg, "command", user=REP, channel=general.id,
                       text="/deal new Pilot customer:Acme amount:150k")
    assert reply["status"] == 200
    await pg.slack.wait_for(lambda: (c := pg.slack.channel_named("deal-1-acme")) is not None and bool(c.pins),
                            timeout=10)
    channel = pg.slack.channel_named("deal-1-acme")
    assert channel is not None
    return channel.id


async def test_it_listens_on_localhost_only_whatever_host_says(tmp_path: Path) -> None:
    pg = await started(tmp_path)
    try:
        assert pg._runner is not None
        assert {address[0] for address in pg._runner.addresses} == {"127.0.0.1"}
        assert pg.slack.base_url.startswith("http://127.0.0.1:")
    finally:
        await pg.stop()


async def test_the_reply_is_shown_only_to_whoever_typed(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    pg = await started(tmp_path)
    try:
        await new_deal(http, pg)
        general = pg.slack.channel_named("general")
        assert general is not None
        await pg.slack.wait_for(lambda: bool(pg.replies.collect() or pg.replies.items), timeout=10)
        mine = (await state(http, pg, REP, general.id))["current"]["messages"]
        theirs = (await state(http, pg, NEWCOMER, general.id))["current"]["messages"]
        assert any("Created" in m["text"] and "D-1" in m["text"] and m["ephemeral"] for m in mine)
        assert not any("Created" in m["text"] for m in theirs)
    finally:
        await pg.stop()


async def test_a_newcomer_who_joins_is_shown_the_story(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    pg = await started(tmp_path)
    try:
        channel = await new_deal(http, pg)
        before = (await state(http, pg, NEWCOMER, channel))["current"]
        assert not before["member"] and not before["readable"] and before["messages"] == []  # a private channel
        await call(http, pg, "join", user=NEWCOMER, channel=channel)
        await pg.slack.wait_for(lambda: any(m.ephemeral_to == NEWCOMER for m in pg.slack.messages[channel]),
                                timeout=10)
        after = (await state(http, pg, NEWCOMER, channel))["current"]
        welcome = [m for m in after["messages"] if m["ephemeral"]]
        assert welcome and "Pilot" in str(welcome[0]["blocks"])
        assert not [m for m in (await state(http, pg, REP, channel))["current"]["messages"] if m["ephemeral"]]
    finally:
        await pg.stop()


async def test_a_clock_jump_runs_every_tick_including_ones_added_later(
    tmp_path: Path, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []
    original_init = jobs.Ticks.__init__

    def with_one_more_tick(self: jobs.Ticks, deps: Any) -> None:
        original_init(self, deps)

        async def digest_tick() -> None:
            ran.append(deps.clock.now().isoformat())

        self.scheduler.add_job(digest_tick, "interval", hours=1, id="someone_elses_tick")

    monkeypatch.setattr(jobs.Ticks, "__init__", with_one_more_tick)
    pg = await started(tmp_path)
    try:
        before = pg.clock.now()
        answer = await call(http, pg, "clock", jump="day")
        assert len(ran) == 1
        assert (pg.clock.now() - before).total_seconds() == pytest.approx(86400, abs=5)
        assert answer["now"].startswith(pg.clock.now().date().isoformat())
        await call(http, pg, "clock", jump="digest")
        digest = pg.clock.now().astimezone(playground_server.ZoneInfo("Europe/Berlin"))
        assert (digest.hour, digest.minute) == (9, 0) and digest.weekday() < 5
    finally:
        await pg.stop()


async def test_a_restart_keeps_the_deals_and_their_channels(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    pg = await started(tmp_path)
    try:
        channel = await new_deal(http, pg)
        await call(http, pg, "clock", jump="hour")
        offset = pg.clock.offset
    finally:
        await pg.stop()
    again = await started(tmp_path)
    try:
        seen = await state(http, again, REP, channel)
        assert seen["current"]["name"] == "deal-1-acme"
        assert any(m["pinned"] for m in seen["current"]["messages"])
        assert again.clock.offset == offset
        general = again.slack.channel_named("general")
        assert general is not None
        await call(http, again, "command", user=REP, channel=general.id, text="/deal new Second customer:Beta")
        await again.slack.wait_for(lambda: again.slack.channel_named("deal-2-beta") is not None, timeout=10)
    finally:
        await again.stop()


async def test_what_was_typed_just_before_a_jump_happens_before_it(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    pg = await started(tmp_path)
    try:
        channel = await new_deal(http, pg)
        await call(http, pg, "command", user=REP, channel=channel, text="/deal followup in 2h call the CFO")
        await call(http, pg, "clock", jump="day")  # at once, while the bot may still be saving the follow-up
        dm = pg.slack.ims[REP]
        await pg.slack.wait_for(lambda: any("call the CFO" in str(m.blocks) for m in pg.slack.messages[dm]),
                                timeout=10)
        reminder = next(m for m in pg.slack.messages[dm] if "call the CFO" in str(m.blocks))
        assert "late" not in str(reminder.blocks)
    finally:
        await pg.stop()


async def test_paging_the_welcome_replaces_it_as_slack_does(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    from bot.blocks.ids import ActionId

    pg = await started(tmp_path)
    try:
        channel = await new_deal(http, pg)
        await call(http, pg, "join", user=NEWCOMER, channel=channel)
        await pg.slack.wait_for(lambda: any(m.ephemeral_to == NEWCOMER for m in pg.slack.messages[channel]),
                                timeout=10)
        welcome = next(m for m in pg.slack.messages[channel] if m.ephemeral_to == NEWCOMER)
        before = str(welcome.blocks)
        history = next(e for b in welcome.blocks or [] for e in b.get("elements", [])
                       if e.get("action_id") == ActionId.HISTORY_PAGE)
        await call(http, pg, "click", user=NEWCOMER, channel=channel, message_ts=welcome.ts,
                   action={"action_id": history["action_id"], "value": history["value"], "type": "button"})
        await pg.slack.wait_for(lambda: str(welcome.blocks) != before, timeout=10)
        pg.replies.collect()
        assert [m for m in pg.slack.messages[channel] if m.ephemeral_to == NEWCOMER] == [welcome]
        assert not pg.replies.visible_to(NEWCOMER, channel)  # replaced in place, not a second reply
        async with http.post(f"{pg.url}playground/click", json={
            "user": REP, "channel": channel, "message_ts": welcome.ts,
            "action": {"action_id": history["action_id"], "value": history["value"], "type": "button"},
        }) as response:
            assert response.status == 400  # nobody clicks in someone else's ephemeral
    finally:
        await pg.stop()


async def test_other_web_sites_cannot_drive_it(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    pg = await started(tmp_path)
    try:
        general = pg.slack.channel_named("general")
        assert general is not None
        body = json.dumps({"user": REP, "channel": general.id, "text": "/deal new Evil"})
        async with http.post(f"{pg.url}playground/command", data=body, headers={"Content-Type": "text/plain"}) as r:
            assert r.status == 415  # what a cross-site form could send
        async with http.get(pg.url, headers={"Host": f"evil.example:{pg.port}"}) as r:
            assert r.status == 403  # DNS rebinding
        async with http.get(pg.url) as r:
            assert r.status == 200
        assert len(pg.slack.calls_to("conversations.create")) == 0
    finally:
        await pg.stop()


async def test_other_web_sites_cannot_drive_its_pretend_slack(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    """The local Slack's Web API, response URLs and uploads: programs on this machine only."""
    pg = await started(tmp_path)
    try:
        general = pg.slack.channel_named("general")
        assert general is not None
        post = {"token": pg.slack.bot_token, "channel": general.id, "text": "posted from elsewhere"}
        port = pg.slack.base_url.rsplit(":", 1)[1]
        for headers in ({"Host": f"evil.example:{port}"},  # DNS rebinding
                        {"Host": "evil.example"},
                        {"Origin": "https://evil.example"},  # a cross-site form or fetch
                        {"Sec-Fetch-Site": "cross-site"}):  # an <img> another page points here
            async with http.post(pg.slack.api_url + "chat.postMessage", data=post, headers=headers) as r:
                assert r.status == 403, headers
            async with http.get(pg.slack.api_url + "conversations.history",
                                params={"token": pg.slack.bot_token, "channel": general.id},
                                headers=headers) as r:
                assert r.status == 403, headers
            async with http.post(pg.slack.response_url("R9"), json={"text": "x"}, headers=headers) as r:
                assert r.status == 403, headers
        assert not [m for m in pg.slack.messages.get(general.id, []) if m.text == "posted from elsewhere"]
        for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
            async with http.post(pg.slack.api_url + "auth.test", data={"token": pg.slack.bot_token},
                                 headers={"Host": host}) as r:
                assert r.status == 200 and (await r.json())["ok"] is True
    finally:
        await pg.stop()
