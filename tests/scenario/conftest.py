from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.blocklimits import assert_message_within_limits, assert_no_broadcast, assert_view_within_limits
from tests.emulator import SlackEmulator
from tests.scenario.harness import Bot


@pytest_asyncio.fixture
async def bot(slack: SlackEmulator, db_url: str) -> AsyncIterator[Bot]:
    running = await Bot(slack, db_url).start()
    try:
        yield running
    finally:
        await running.stop()
    assert_everything_slack_received_is_valid(slack)


@pytest_asyncio.fixture
async def paced_bot(slack: SlackEmulator, db_url: str) -> AsyncIterator[Bot]:
    """A bot whose outbox keeps under Slack's rate tiers on the test's clock (for rate-limit tests)."""
    running = await Bot(slack, db_url, pacing=True).start()
    try:
        yield running
    finally:
        await running.stop()
    assert_everything_slack_received_is_valid(slack)


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
