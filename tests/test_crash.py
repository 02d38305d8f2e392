"""`dealroom run` killed with SIGKILL in the middle of setting up a deal's channel: after a restart
the work resumes, with no second channel and no second card (SPEC sections 3 and 7)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
from pathlib import Path

import aiohttp
import pytest

from bot.delivery.outbox import CARD_EVENT
from tests.emulator import SlackEmulator
from tests.test_cli import REP, BotProcess, bot_env, command_body, free_port, post_signed


@pytest.mark.parametrize("method", ["conversations.create", "chat.postMessage"],
                         ids=["mid-channel-creation", "between-card-and-pin"])
async def test_a_process_killed_mid_setup_resumes_without_duplicates(
    slack: SlackEmulator, sqlite_template: Path, tmp_path: Path, method: str
) -> None:
    slack.add_user(REP, "ana", tz="Europe/Berlin")
    db = tmp_path / "dealroom.db"
    shutil.copy(sqlite_template, db)
    url = f"sqlite+aiosqlite:///{db}"
    held = slack.hold(method)  # Slack does the work; the answer never reaches the first process
    first = BotProcess("first", bot_env(slack, url, free_port()), tmp_path, tmp_path)
    second: BotProcess | None = None
    try:
        async with aiohttp.ClientSession() as http:
            await first.wait_healthy(http)
            status, _ = await post_signed(http, first, command_body(slack, "new Pilot customer:Acme", "new1"))
            assert status == 200
            await asyncio.wait_for(held.reached.wait(), timeout=20)
            first.proc.kill()  # SIGKILL: no cleanup, the lane stays claimed
            first.proc.wait(timeout=10)
            held.release()
            # The dead process's claim expires after CLAIM_TTL (45 s); spare the test that wait.
            with contextlib.closing(sqlite3.connect(db)) as conn, conn:
                conn.execute("UPDATE outbox_lanes SET claimed_by = NULL, claimed_until = NULL")

            second = BotProcess("second", bot_env(slack, url, free_port()), tmp_path, tmp_path)
            await second.wait_healthy(http)

            def set_up() -> bool:
                channel = slack.channel_named("deal-1-acme")
                return channel is not None and bool(channel.pins) and REP in channel.members

            await slack.wait_for(set_up, timeout=30)
        deal_channels = [c for c in slack.channels.values() if c.name.startswith("deal-")]
        assert [c.name for c in deal_channels] == ["deal-1-acme"]
        channel = deal_channels[0]
        cards = [m for m in slack.messages[channel.id] if (m.metadata or {}).get("event_type") == CARD_EVENT]
        assert len(cards) == 1 and channel.pins == [cards[0].ts]
        if method == "chat.postMessage":
            assert slack.calls_to("conversations.history"), "the restarted process looked for the card first"
        assert "Traceback" not in second.stderr(), second.describe()
    finally:
        first.kill()
        if second is not None:
            await second.terminate()
            second.kill()
