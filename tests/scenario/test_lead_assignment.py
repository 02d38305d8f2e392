"""Lead auto-assignment: `/deal new` without `owner:` follows the pipeline file's `[[assign]]` rules."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from models.infra.db import create_engine, session_factory
from models.pipeline import loads_pipeline
from models.territories.assignment import next_assignee
from tests.emulator import SlackEmulator
from tests.scenario.conftest import started_bot
from tests.scenario.harness import ADMIN, MANAGER, NEWCOMER, REP, REP2, Bot

RULES = f"""
[[assign]]
source = "web"
to = ["{REP2}", "{NEWCOMER}"]

[[assign]]
region = "emea"
to = "{MANAGER}"
"""


@pytest_asyncio.fixture
async def pipeline_file(tmp_path: Path) -> Path:
    standard = (Path(__file__).parents[2] / "models" / "pipeline" / "templates" / "standard.toml").read_text("utf-8")
    path = tmp_path / "team.toml"
    path.write_text(standard + RULES, encoding="utf-8")
    return path


@pytest_asyncio.fixture
async def ruled(slack: SlackEmulator, db_url: str, pipeline_file: Path) -> AsyncIterator[Bot]:
    async with started_bot(slack, db_url, dealroom_pipeline=str(pipeline_file)) as running:
        yield running




async def test_rules_pick_the_owner_take_turns_and_tell_the_assignee(ruled: Bot) -> None:
    first = await ruled.command(REP, "new Web lead <!channel> source:web")
    assert f"Assigned to <@{REP2}>" in first.text
    assert REP2 in ruled.channel_of(1).members
    told = ruled.dm_texts(REP2)
    assert len(told) == 1 and "D-1" in told[0] and f"<@{REP}>" in told[0] and "rule #1" in told[0]
    assert "<!channel>" not in told[0], "the title is escaped in the DM"

    second = await ruled.command(REP, "new Another source:Web")
    assert f"Assigned to <@{NEWCOMER}>" in second.text and ruled.dm_texts(NEWCOMER)
    third = await ruled.command(REP, "new Third source:web")
    assert f"Assigned to <@{REP2}>" in third.text

    emea = await ruled.command(REP, "new Berlin region:EMEA")
    assert f"Assigned to <@{MANAGER}>" in emea.text
    mine = await ruled.command(REP, "new Referral source:referral")
    assert "Assigned" not in mine.text
    chosen = await ruled.command(REP, f"new Chosen source:web owner:<@{ADMIN}>")
    assert "Assigned" not in chosen.text and not ruled.dm_texts(ADMIN)

    history = await ruled.command(REP, "history D-1")
    assert "got the lead by assignment rule #1 (source web)" in history.all_text
    noted = await ruled.command(REP, "note D-1 handed over the notes")
    assert "Noted" in noted.text, "the creator stays on the deal as a collaborator"


async def test_two_processes_never_take_the_same_turn(db_url: str) -> None:
    path = Path(__file__).parents[2] / "models" / "pipeline" / "templates" / "standard.toml"
    rule = loads_pipeline(path.read_text("utf-8") + RULES, "team.toml").assign[0]
    engines = [create_engine(db_url), create_engine(db_url)]  # two processes' pools
    try:
        makers = [session_factory(e) for e in engines]

        async def take(i: int) -> str:
            async with makers[i % 2].begin() as session:
                person = await next_assignee(session, rule)
                await asyncio.sleep(0.01)  # hold the turn a moment, as a request would
                return person

        turns = await asyncio.gather(*(take(i) for i in range(10)))
    finally:
        for engine in engines:
            await engine.dispose()
    assert Counter(turns) == {REP2: 5, NEWCOMER: 5}
