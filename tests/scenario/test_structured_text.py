"""What the domain says is kept as sentences whose words are values (a person, a deal, a stage, a command):
timeline entries and DMs are stored that way, in the workspace's language, and each edge renders them its own
way: Slack shows mentions and *D-n*, the plain text (search, CSV) names people by id."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from sqlalchemy import select

from models.infra.i18n import Text
from models.infra.tables import OutboxMessage, TimelineEntry
from tests.emulator import SlackEmulator
from tests.scenario.conftest import started_bot
from tests.scenario.harness import REP, REP2, Bot

RULE = f"""
[[assign]]
source = "web"
to = "{REP2}"
"""


async def _entries(bot: Bot, kind: str) -> list[TimelineEntry]:
    async with bot.deps.sessions() as session:
        return list(await session.scalars(select(TimelineEntry).where(TimelineEntry.kind == kind)
                                          .order_by(TimelineEntry.id)))


async def test_a_timeline_entry_keeps_its_sentence_with_its_words_and_its_plain_text(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme amount:150k")
    await bot.command(REP, f"assign D-1 <@{REP2}>")
    [entry] = await _entries(bot, "owner")
    assert entry.body == {"locale": "en", "text": {
        "id": "handed the deal from {previous} to {owner}",
        "values": {"previous": {"person": REP}, "owner": {"person": REP2}}}}
    assert entry.text == f"handed the deal from @{REP} to @{REP2}", "the plain rendering, for search and CSV"
    history = await bot.command(REP2, "history D-1")
    assert f"handed the deal from <@{REP}> to <@{REP2}>" in history.all_text, "Slack shows mentions"

    await bot.command(REP2, "score D-1 budget:200k authority:yes need:yes timing:10")
    await bot.command(REP2, "stage D-1 discovery")
    [moved] = await _entries(bot, "stage")
    assert moved.body is not None
    assert moved.body["text"]["values"]["to"] == {"stage": ["discovery", "Discovery", "需求分析"]}
    assert moved.text == "moved Lead → Discovery"


async def test_entries_are_written_in_the_workspace_language(slack: SlackEmulator, db_url: str) -> None:
    async with started_bot(slack, db_url, dealroom_locale="zh-CN") as bot:
        await bot.command(REP, "new 试点项目")
        await bot.command(REP, f"assign D-1 <@{REP2}>")
        [entry] = await _entries(bot, "owner")
        assert entry.body is not None and entry.body["locale"] == "zh-CN"
        assert entry.text == f"将商机从 @{REP} 转给了 @{REP2}"
        history = await bot.command(REP2, "history D-1")
        assert f"将商机从 <@{REP}> 转给了 <@{REP2}>" in history.all_text


@pytest_asyncio.fixture
async def ruled(slack: SlackEmulator, db_url: str, tmp_path: Path) -> AsyncIterator[Bot]:
    standard = (Path(__file__).parents[2] / "models" / "pipeline" / "templates" / "standard.toml").read_text("utf-8")
    path = tmp_path / "team.toml"
    path.write_text(standard + RULE, encoding="utf-8")
    async with started_bot(slack, db_url, dealroom_pipeline=str(path)) as running:
        yield running


async def test_a_dm_of_the_domain_is_queued_as_a_sentence_and_shown_in_slack_markup(ruled: Bot) -> None:
    await ruled.command(REP, "new Web lead <b> source:web")
    async with ruled.deps.sessions() as session:
        [row] = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "dm")))
    assert row.payload["user"] == REP2 and row.payload["body"]["locale"] == "en" and "text" not in row.payload
    said = Text.from_data(row.payload["body"]["text"])
    assert said.msgid.startswith("You have a new lead: {deal} {title} from {actor}")
    [told] = ruled.dm_texts(REP2)
    assert f"*D-1* Web lead &lt;b&gt; from <@{REP}>" in told, "the person's own words escaped, ours as markup"
    assert "`/deal info D-1` shows it" in told
