from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio

from tests.blocklimits import assert_message_within_limits, assert_no_broadcast, assert_view_within_limits
from tests.emulator import SlackEmulator
from tests.scenario.harness import Bot


@contextlib.asynccontextmanager
async def started_bot(slack: SlackEmulator, db_url: str, **settings: Any) -> AsyncIterator[Bot]:
    """A running bot with these settings (``pacing=True`` too), stopped afterwards; then everything
    Slack received is checked. Fixtures with their own settings use it: ``async with started_bot(...)``."""
    running = await Bot(slack, db_url, **settings).start()
    try:
        yield running
    finally:
        await running.stop()
    assert_everything_slack_received_is_valid(slack)


def pipeline_file(directory: Path, text: str) -> str:
    """A pipeline file holding ``text`` in ``directory``, as DEALROOM_PIPELINE wants it."""
    path = directory / "pipeline.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest_asyncio.fixture
async def bot(slack: SlackEmulator, db_url: str) -> AsyncIterator[Bot]:
    async with started_bot(slack, db_url) as running:
        yield running


@pytest_asyncio.fixture
async def paced_bot(slack: SlackEmulator, db_url: str) -> AsyncIterator[Bot]:
    """A bot whose outbox keeps under Slack's rate tiers on the test's clock (for rate-limit tests)."""
    async with started_bot(slack, db_url, pacing=True) as running:
        yield running


def assert_everything_slack_received_is_valid(slack: SlackEmulator) -> None:
    """Every message, reply and view the bot sent in a scenario stays within Block Kit's limits
    and never pings a whole channel, whatever the test typed."""
    for call in slack.calls:
        if call.method in ("chat.postMessage", "chat.postEphemeral", "chat.update") and call.ok:
            message = {"text": call.args.get("text") or "", "blocks": call.args.get("blocks") or []}
            assert_message_within_limits(message)
            assert_no_broadcast(message)
        if call.method in ("views.open", "views.update", "views.push", "views.publish") and call.ok:
            assert_view_within_limits(call.args["view"])
    for response in slack.responses:
        body = response["body"]
        message = {"text": body.get("text") or "", "blocks": body.get("blocks") or []}
        assert_message_within_limits(message)
        assert_no_broadcast(message)
