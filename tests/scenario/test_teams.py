"""Roles and teams, administered from Slack by admins (SPEC 10)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from models.infra.tables import PeopleChange, User, UserRole
from tests.scenario.harness import ADMIN, MANAGER, NEWCOMER, REP, REP2, Bot


async def _rows(bot: Bot, model: type) -> list:  # type: ignore[type-arg]
    async with bot.deps.sessions() as session:
        return list(await session.scalars(select(model)))


async def test_an_admin_makes_a_manager_who_sees_and_changes_the_team_and_joins_new_channels(bot: Bot) -> None:
    reply = await bot.command(ADMIN, f"team <@{REP}|ana> manager:<@{MANAGER}|mia>")
    assert f"<@{MANAGER}> now manages <@{REP}>" in reply.text and "manager role" in reply.text
    shown = await bot.command(REP2, f"team <@{MANAGER}>")
    assert f"reports to them: <@{REP}>" in shown.text and "manager" in shown.text

    await bot.command(REP, "new Pilot customer:Acme")
    assert MANAGER in bot.channel_of(1).members, "the rep's manager is invited to the rep's new deal channels"
    noted = await bot.command(MANAGER, "note D-1 coached ana")
    assert "Noted" in noted.text
    team = await bot.command(MANAGER, "list team")
    assert "D-1" in team.all_text

    changes = await _rows(bot, PeopleChange)
    assert [(c.actor_id, c.user_id, c.change) for c in changes] == [
        (ADMIN, REP, "manager_set"), (ADMIN, MANAGER, "role_added")]


async def test_a_managers_rights_follow_the_current_owner(bot: Bot) -> None:
    await bot.command(ADMIN, f"team <@{REP}> manager:<@{MANAGER}>")
    await bot.command(REP, "new Pilot")
    await bot.command(REP, f"assign D-1 <@{REP2}>")
    refused = await bot.command(MANAGER, "note D-1 still mine?")
    assert "can't change D-1" in refused.text


async def test_roles_are_given_and_taken_and_everything_is_recorded(bot: Bot) -> None:
    given = await bot.command(ADMIN, f"role <@{NEWCOMER}|nick> legal")
    assert "Gave" in given.text and "legal" in given.text
    again = await bot.command(ADMIN, f"role <@{NEWCOMER}> legal")
    assert "already has the role legal" in again.text
    await bot.command(REP, "new Pilot")
    invited = await bot.command(REP, "invite D-1 legal")
    assert NEWCOMER in invited.text and NEWCOMER in bot.channel_of(1).members

    taken = await bot.command(ADMIN, f"role <@{NEWCOMER}> -legal")
    assert "Took the role legal" in taken.text
    assert await _rows(bot, UserRole) == []
    kinds = [(c.change, c.detail) for c in await _rows(bot, PeopleChange)]
    assert kinds == [("role_added", "legal"), ("role_removed", "legal")]


async def test_an_admin_by_role_administers_too_but_dealroom_admins_stay_admins(bot: Bot) -> None:
    await bot.command(ADMIN, f"role <@{REP2}> admin")
    made = await bot.command(REP2, f"team <@{REP}> manager:<@{MANAGER}>")
    assert "now manages" in made.text
    kept = await bot.command(REP2, f"role <@{ADMIN}> -admin")
    assert "DEALROOM_ADMINS" in kept.text


async def test_refusals_say_who_may_and_change_nothing(bot: Bot) -> None:
    for text in (f"role <@{REP}> admin", f"team <@{REP}> manager:<@{REP2}>", f"team <@{REP}> manager:none"):
        refused = await bot.command(MANAGER, text)
        assert "Only an admin" in refused.text, text
    assert await _rows(bot, UserRole) == [] and await _rows(bot, PeopleChange) == []
    async with bot.deps.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(User).where(User.manager_id.is_not(None))) == 0


async def test_clearing_a_manager_and_guarding_against_loops(bot: Bot) -> None:
    await bot.command(ADMIN, f"team <@{REP}> manager:<@{MANAGER}>")
    loop = await bot.command(ADMIN, f"team <@{MANAGER}> manager:<@{REP}>")
    assert "can't be the other way round" in loop.text
    busy = await bot.command(ADMIN, f"role <@{MANAGER}> -manager")
    assert "still manages" in busy.text
    cleared = await bot.command(ADMIN, f"team <@{REP}> manager:none")
    assert f"no longer has a manager (was <@{MANAGER}>)" in cleared.text
    refused = await bot.command(MANAGER, "list team")
    assert "nobody reports to you" in refused.text
    assert "/deal team @rep [manager:@user|none]" in (await bot.command(REP, "help team")).all_text


async def test_lists_by_team_person_and_all(bot: Bot) -> None:
    await bot.command(ADMIN, f"team <@{REP}> manager:<@{MANAGER}>")
    await bot.command(REP, "new Ana's deal")
    await bot.command(REP2, "new Ben's deal")
    await bot.command(MANAGER, "new Mia's own deal")

    team = await bot.command(MANAGER, "list team")
    assert "Ana's deal" in team.all_text and "Mia's own deal" in team.all_text
    assert "Ben's deal" not in team.all_text
    ana = await bot.command(MANAGER, f"list <@{REP}>")
    assert "Ana's deal" in ana.all_text and "Mia's own deal" not in ana.all_text
    assert "Ben's deal" in (await bot.command(ADMIN, f"list <@{REP2}>")).all_text
    everything = await bot.command(ADMIN, "list all")
    assert all(title in everything.all_text for title in ("Ana's deal", "Ben's deal", "Mia's own deal"))

    assert "Only <@U0REP1> themselves, their manager or an admin" in (
        await bot.command(REP2, f"list <@{REP}>")).text
    assert "Ana's deal" in (await bot.command(REP, f"list <@{REP}>")).all_text
    assert "Only admins" in (await bot.command(MANAGER, "list all")).text


async def test_the_last_admin_cannot_be_removed_without_dealroom_admins(slack, db_url: str) -> None:  # type: ignore[no-untyped-def]
    bot = await Bot(slack, db_url).start()
    try:
        await bot.command(ADMIN, f"role <@{REP2}> admin")
        bot.deps.ws = replace(bot.deps.ws, admin_ids=frozenset())  # a workspace whose env lists no admin
        alone = await bot.command(REP2, f"role <@{REP2}> -admin")
        assert "last admin" in alone.text
        await bot.command(REP2, f"role <@{MANAGER}> admin")
        assert "Took the role admin" in (await bot.command(REP2, f"role <@{REP2}> -admin")).text
    finally:
        await bot.stop()
