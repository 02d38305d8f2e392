# ruff: noqa: F811  (`bot` is the fixture imported from test_territories, with its two territories)
"""`/deal territory`: anyone lists the territories; admins change a territory's reps and manager, which is
kept in the database, audited, and used by routing at once."""

from __future__ import annotations

from sqlalchemy import select

from models.infra.tables import PeopleChange, TerritoryManager, TerritoryRep
from tests.scenario.harness import ADMIN, MANAGER, NEWCOMER, REP, REP2, Bot
from tests.scenario.test_territories import bot  # noqa: F401

NEWREP = "U0NEWREP"


async def test_anyone_lists_the_territories_with_lines_manager_and_reps(bot: Bot) -> None:
    listed = await bot.command(REP, "territory")
    text = listed.all_text
    assert "Territories" in text and "*EMEA* (`emea`)" in text and "Region: emea, europe" in text
    assert f"Manager: <@{MANAGER}>" in text and f"<@{REP2}>, <@{NEWCOMER}>" in text
    assert "Product: cloud" in text and "Industry: saas, retail" in text and "goes to the manager" not in text
    one = await bot.command(REP, "territory EMEA")
    assert "EMEA" in one.all_text and "cloud" not in one.all_text
    unknown = await bot.command(REP, "territory apac")
    assert unknown.text.startswith(":warning:") and "no territory apac" in unknown.text
    assert "emea, cloud" in unknown.text
    assert "/deal territory" in (await bot.command(REP, "help")).all_text
    assert "territory:&lt;key&gt;" in (await bot.command(REP, "help report")).all_text


async def test_an_admin_changes_reps_and_manager_audited_and_routing_follows(bot: Bot) -> None:
    bot.slack.add_user(NEWREP, "nora", tz="UTC")
    refused = await bot.command(MANAGER, f"territory emea add <@{NEWREP}>")
    assert refused.text.startswith(":warning:") and "Only an admin" in refused.text

    added = await bot.command(ADMIN, f"territory emea add <@{NEWREP}>")
    assert f"Added <@{NEWREP}>" in added.text and f"<@{REP2}>, <@{NEWCOMER}>, <@{NEWREP}>" in added.text
    removed = await bot.command(ADMIN, f"territory emea remove <@{NEWCOMER}>")
    assert f"Took <@{NEWCOMER}> out" in removed.text and f"Reps: <@{REP2}>, <@{NEWREP}>" in removed.text
    again = await bot.command(ADMIN, f"territory emea remove <@{NEWCOMER}>")
    assert again.text.startswith(":warning:") and "is not a rep of territory EMEA" in again.text
    managed = await bot.command(ADMIN, f"territory emea manager <@{ADMIN}>")
    assert f"<@{ADMIN}> now manages territory EMEA (was <@{MANAGER}>)" in managed.text

    listed = (await bot.command(REP, "territory emea")).all_text
    assert f"Manager: <@{ADMIN}>" in listed and "Changed with /deal territory" in listed

    # routing uses the reps and manager as they are now
    owners = []
    for n in range(3):
        created = await bot.command(REP, f"new Deal {n} region:emea")
        owners.append(next(u for u in (REP2, NEWREP, NEWCOMER) if f"<@{u}>" in created.text))
    assert owners == [REP2, NEWREP, REP2]
    assert ADMIN in bot.channel_of(1).members and MANAGER not in bot.channel_of(1).members

    async with bot.deps.sessions() as session:
        changes = [(c.actor_id, c.user_id, c.change, c.detail) for c in await session.scalars(
            select(PeopleChange).where(PeopleChange.change.like("territory%")).order_by(PeopleChange.id))]
        reps = sorted((r.user_id, r.member) for r in await session.scalars(select(TerritoryRep)))
        manager = await session.get(TerritoryManager, "emea")
    assert changes == [
        (ADMIN, NEWREP, "territory_rep_added", "emea: rep"),
        (ADMIN, NEWCOMER, "territory_rep_removed", "emea: rep"),
        (ADMIN, ADMIN, "territory_manager_set", f"emea: manager (was <@{MANAGER}>)"),
    ]
    assert reps == [(NEWCOMER, False), (NEWREP, True)] and manager is not None and manager.manager_id == ADMIN


async def test_the_last_rep_of_a_round_robin_territory_stays(bot: Bot) -> None:
    await bot.command(ADMIN, f"territory emea remove <@{NEWCOMER}>")
    last = await bot.command(ADMIN, f"territory emea remove <@{REP2}>")
    assert last.text.startswith(":warning:") and "last rep of territory EMEA" in last.text
    bad = await bot.command(ADMIN, "territory emea promote <@U0X>")
    assert bad.text.startswith(":warning:") and "add @rep, remove @rep or manager @user" in bad.text
