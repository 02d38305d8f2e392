"""pytest plugin: `slack` (a started SlackEmulator) and `slack_client` (an AsyncWebClient pointed at it).

Load it with `pytest_plugins = ["tests.emulator.fixtures"]` in the root conftest, or import the
fixtures into a test module.
"""

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from slack_sdk.web.async_client import AsyncWebClient

from tests.emulator import SlackEmulator


@pytest_asyncio.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    emulator = SlackEmulator()
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()
    if emulator.errors:
        pytest.fail(f"Slack emulator errors (bugs or failing on_member_joined hooks): {emulator.errors!r}")


@pytest.fixture
def slack_client(slack: SlackEmulator) -> AsyncWebClient:
    return AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
