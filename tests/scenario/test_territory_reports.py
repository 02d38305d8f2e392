# ruff: noqa: F811  (`bot` is the fixture imported from test_territories, with its two territories)
"""Reports and digests by territory: a territory covers the deals in its lines (region, industry, product),
whoever owns them; its manager (as it is now) and admins see it; its manager's daily digest carries it."""

from __future__ import annotations

from datetime import time

from scheduler.digests import DigestRules, send_digests_now, send_due_digests
from tests.scenario import dates
from tests.scenario.harness import ADMIN, MANAGER, NEWCOMER, REP, REP2, Bot
from tests.scenario.test_territories import bot  # noqa: F401


async def _book(bot: Bot) -> None:
    """D-1 EMEA, routed to REP2, won 100k; D-2 EMEA but owned by REP (no territory rep), open 50k;
    D-3 APAC, open 70k; D-4 region "Europe " (another EMEA line, spaces and case aside), lost."""
    await bot.command(REP, "new Berlin pilot region:emea amount:100k")
    await bot.command(REP2, "won D-1")
    await bot.command(REP, f"new Own deal region:EMEA amount:50k owner:<@{REP}>")
    await bot.command(REP, f"new Tokyo region:apac amount:70k owner:<@{REP}>")
    await bot.command(REP, f'new Paris region:"Europe " amount:30k owner:<@{REP}>')
    await bot.command(REP, "lost D-4 no budget")


async def test_a_territory_report_covers_the_deals_in_its_lines_for_its_manager_and_admins(bot: Bot) -> None:
    await _book(bot)
    reply = await bot.command(MANAGER, "report territory:emea")
    text = reply.all_text
    assert f"Report · {dates.month(bot.clock.now())} · territory EMEA" in text
    assert "1 · 100,000" in text  # won: D-1
    assert "1 · 50,000" in text  # open: D-2 (owned by a rep outside the territory), not D-3
    assert "70,000" not in text
    assert "every deal whose Region: emea, europe match, whoever owns it" in text
    assert f"<@{REP2}>" in text and f"<@{REP}>" in text  # the owners table
    assert len(reply.blocks) < 50
    assert bot.slack.calls_to("files.completeUploadExternal"), "the chart follows in the DM"

    assert "1 · 100,000" in (await bot.command(ADMIN, "report week territory:EMEA")).all_text

    for who in (REP, REP2, NEWCOMER):
        refused = await bot.command(who, "report territory:emea")
        assert refused.text.startswith(":warning:"), who
        assert f"Only the manager of territory EMEA (<@{MANAGER}>) or an admin" in refused.text
    unknown = await bot.command(MANAGER, "report territory:apac")
    assert unknown.text.startswith(":warning:") and "no territory apac" in unknown.text
    both = await bot.command(MANAGER, "report team territory:emea")
    assert both.text.startswith(":warning:") and "one scope" in both.text


async def test_the_report_follows_the_territorys_manager_as_it_is_now(bot: Bot) -> None:
    await bot.command(ADMIN, f"territory emea manager <@{REP}>")
    assert "Report" in (await bot.command(REP, "report territory:emea")).all_text
    refused = await bot.command(MANAGER, "report territory:emea")
    assert refused.text.startswith(":warning:") and f"(<@{REP}>)" in refused.text


async def test_a_territory_manager_gets_its_digest_with_the_daily_one(bot: Bot) -> None:
    await _book(bot)  # on a Monday
    bot.clock.set(dates.day_at(bot.clock.now(), days=1, at=time(9, 0)))  # Tuesday, past 09:00 in UTC and Berlin
    lanes = await bot.job(lambda unit: send_due_digests(unit, bot.deps.ws, bot.clock, DigestRules()))
    await bot.settle()
    assert f"dm:{MANAGER}" in lanes and f"dm:{ADMIN}" in lanes, "territory managers, even with no team"
    texts = [m.text + str(m.blocks) for m in bot.dms_to(MANAGER)]
    [emea] = [t for t in texts if "Territory EMEA · daily digest" in t]
    assert "1 deals, 50,000" in emea and "1 won (100,000)" in emea and "1 lost" in emea and "3 new" in emea
    assert "/deal report territory:emea" in emea and "70,000" not in emea
    cloud = [m.text + str(m.blocks) for m in bot.dms_to(ADMIN)]
    assert any("Territory cloud · daily digest" in t for t in cloud)
    assert await bot.job(lambda unit: send_due_digests(unit, bot.deps.ws, bot.clock, DigestRules())) == [], "once a day"

    # `dealroom digest --now --territory emea`: that territory's digest alone, to its manager
    before = len(bot.dms_to(MANAGER))
    by_hand = await bot.job(lambda unit: send_digests_now(unit, bot.deps.ws, bot.clock, territory="EMEA"))
    assert by_hand == [f"dm:{MANAGER}"]
    await bot.settle()
    assert len(bot.dms_to(MANAGER)) == before + 1 and "Territory EMEA" in bot.dms_to(MANAGER)[-1].text
