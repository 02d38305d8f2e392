from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.emulator import SlackEmulator
from tests.scenario.harness import Bot


@pytest_asyncio.fixture
async def bot(slack: SlackEmulator, db_url: str) -> AsyncIterator[Bot]:
    running = await Bot(slack, db_url).start()
    try:
        yield running
    finally:
        await running.stop()
