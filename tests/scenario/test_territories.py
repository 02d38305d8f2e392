"""Territories: `/deal new region:…` goes to the territory's reps in turn, or to its manager to hand on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from models.pipeline import PipelineError, loads_pipeline
from tests.emulator import SlackEmulator
from tests.scenario.conftest import pipeline_file, started_bot
from tests.scenario.harness import ADMIN, MANAGER, NEWCOMER, REP, REP2, Bot

STANDARD = (Path(__file__).parents[2] / "models" / "pipeline" / "templates" / "standard.toml").read_text("utf-8")
TERRITORIES = f"""
[[territories]]
key = "emea"
name = "EMEA"
region = ["emea", "europe"]
reps = ["{REP2}", "{NEWCOMER}"]
manager = "{MANAGER}"

[[territories]]
key = "cloud"
product = "cloud"
industry = ["saas", "retail"]
manager = "{ADMIN}"
routing = "manager"
"""


@pytest_asyncio.fixture
async def bot(slack: SlackEmulator, db_url: str, tmp_path: Path) -> AsyncIterator[Bot]:
    pipeline = pipeline_file(tmp_path, STANDARD + TERRITORIES)
    async with started_bot(slack, db_url, dealroom_pipeline=pipeline) as running:
        yield running




async def test_a_region_goes_to_the_territorys_reps_in_turn(bot: Bot) -> None:
    first = await bot.command(REP, "new Berlin pilot region:EMEA")
    assert f"<@{REP2}>" in first.text
    second = await bot.command(REP, "new Paris pilot region:europe")
    assert f"<@{NEWCOMER}>" in second.text
    third = await bot.command(REP, "new Madrid pilot region:emea")
    assert f"<@{REP2}>" in third.text
    assert MANAGER in bot.channel_of(1).members, "the territory's manager is invited"
    assert any("EMEA" in text and "D-1" in text for text in bot.dm_texts(REP2))
    history = await bot.command(REP, "history D-1")
    assert "territory EMEA" in history.all_text

    own = await bot.command(REP, "new Elsewhere region:apac")
    assert "Assigned" not in own.text, "no territory: the caller owns it"
    given = await bot.command(REP, f"new Mine region:emea owner:<@{REP}>")
    assert "Assigned" not in given.text, "an explicit owner wins"


async def test_manager_routing_gives_the_lead_to_the_manager_to_hand_on(bot: Bot) -> None:
    created = await bot.command(REP, "new Shop rollout product:cloud industry:Retail")
    assert f"<@{ADMIN}>" in created.text
    told = bot.dm_texts(ADMIN)
    assert any("/deal assign D-1 @rep" in text for text in told)
    assert "Assigned" not in (await bot.command(REP, "new Shop two product:cloud industry:banking")).text


@pytest.mark.parametrize(
    ("territory", "expected"),
    [
        ('key = "x"\nreps = ["U012ABC"]', 'territory "x": name at least one line to match'),
        ('key = "x"\nregion = "emea"', 'territory "x": round-robin routing needs reps'),
        ('key = "x"\nregion = "emea"\nreps = ["bob"]', 'territory "x": reps: "bob" is not a Slack user ID'),
        ('key = "x"\nregion = "emea"\nrouting = "manager"', 'routing = "manager" needs a manager'),
        ('key = "x"\nregion = "emea"\nreps = ["U012ABC"]\nrouting = "random"', "routing must be"),
        ('key = "x"\nregion = "emea"\nreps = ["U012ABC"]\nowner = "U1"', 'territory "x": unknown key "owner"'),
        ('region = "emea"\nreps = ["U012ABC"]', 'territory #1: missing "key"'),
    ],
)
def test_a_bad_territory_is_one_line_naming_it(territory: str, expected: str) -> None:
    with pytest.raises(PipelineError) as info:
        loads_pipeline(STANDARD + "\n[[territories]]\n" + territory + "\n", "team.toml")
    assert str(info.value).startswith("team.toml: ") and expected in str(info.value)
    assert "\n" not in str(info.value)


def test_territory_keys_are_unique() -> None:
    twice = '\n[[territories]]\nkey = "x"\nregion = "a"\nreps = ["U012ABC"]\n'
    with pytest.raises(PipelineError, match='territory "x": duplicate key'):
        loads_pipeline(STANDARD + twice + twice, "team.toml")
