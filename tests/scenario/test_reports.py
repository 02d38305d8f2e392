"""`/deal target` and `/deal report` as Slack drives them: the summary comes back privately, the
chart arrives in the caller's DM through files.getUploadURLExternal + files.completeUploadExternal."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import func, select

from models.infra.tables import OutboxMessage, Quota
from scheduler.digests import DigestRules, send_due_digests
from tests.emulator import SlackEmulator
from tests.scenario import dates
from tests.scenario.conftest import assert_everything_slack_received_is_valid
from tests.scenario.harness import ADMIN, MANAGER, REP, REP2, Bot
from tests.scenario.teams import make_team


async def _outbox_rows(bot: Bot) -> int:
    async with bot.deps.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def test_managers_set_targets_for_their_team_and_reps_cannot(bot: Bot) -> None:
    await make_team(bot, MANAGER, [REP])
    today = bot.clock.now().date()
    done = await bot.command(MANAGER, f"target <@{REP}|ana> month 300k")
    assert f"Target for <@{REP}> for {dates.month(today)}" in done.text
    assert "300,000" in done.text
    again = await bot.command(MANAGER, f"target <@{REP}|ana> month 350k")
    assert "(was 300,000)" in again.text
    refused = await bot.command(REP, f"target <@{REP}|ana> month 1")
    assert "manager or an admin" in refused.text
    other_team = await bot.command(MANAGER, f"target <@{REP2}|ben> quarter 1m")
    assert "manager or an admin" in other_team.text
    by_admin = await bot.command(ADMIN, f"target <@{REP2}|ben> {dates.quarter_key(today)} 1m")
    assert dates.quarter(today) in by_admin.text
    async with bot.deps.sessions() as session:
        quotas = (await session.execute(select(Quota.user_id, Quota.period_kind, Quota.amount)
                                        .order_by(Quota.user_id))).all()
    assert [(u, k, int(a)) for u, k, a in quotas] == [(REP, "month", 350_000), (REP2, "quarter", 1_000_000)]


async def test_a_managers_report_and_its_chart_in_their_dm(bot: Bot) -> None:
    await make_team(bot, MANAGER, [REP, REP2])
    await bot.command(REP, "new Pilot customer:Acme amount:150k source:web")
    await bot.command(REP, "won D-1")
    await bot.command(REP2, "new Rollout customer:Beta amount:50k source:event")
    await bot.command(MANAGER, f"target <@{REP}|ana> month 300k")

    reply = await bot.command(MANAGER, "report")
    assert f"Report · {dates.month(bot.clock.now())} · your team" in reply.all_text
    assert "1 · 150,000" in reply.all_text  # won
    assert "50% of 300,000" in reply.all_text  # quota attainment
    assert "5,000" in reply.all_text  # weighted forecast: 50k in Lead at 10%
    assert "DM" in reply.all_text
    assert len(reply.blocks) < 50

    uploads = bot.slack.calls_to("files.completeUploadExternal")
    assert len(uploads) == 1 and not bot.slack.calls_to("files.upload")
    im = bot.slack.ims[MANAGER]
    assert uploads[0].args["channel_id"] == im
    (file,) = bot.slack.files.values()
    assert file.completed and file.content is not None and file.content.startswith(b"\x89PNG")
    assert file.length == len(file.content)
    assert any(file.id in m.files for m in bot.slack.messages[im])


async def test_report_scopes_follow_roles_and_refusals_change_nothing(bot: Bot) -> None:
    await make_team(bot, MANAGER, [REP])
    await bot.command(REP, "new Pilot amount:10k")
    await bot.command(REP2, "new Other amount:20k")
    before = await _outbox_rows(bot)
    refused = await bot.command(REP, f"report <@{REP2}|ben>")
    assert "manager or an admin can see that report" in refused.text
    not_a_manager = await bot.command(REP, "report team")
    assert "Only managers can report on their team" in not_a_manager.text
    not_on_team = await bot.command(MANAGER, f"report <@{REP2}|ben>")
    assert "not on your team" in not_on_team.text
    assert await _outbox_rows(bot) == before and not bot.slack.files

    own = await bot.command(REP, "report week")
    assert f"Report · {dates.week_of(bot.clock.now())} · you" in own.all_text
    assert "10,000" in own.all_text and "20,000" not in own.all_text
    everyone = await bot.command(ADMIN, "report quarter")
    assert f"{dates.quarter(bot.clock.now())} · everyone" in everyone.all_text and "30,000" in everyone.all_text
    one = await bot.command(MANAGER, f"report month <@{REP}|ana>")
    assert "· ana" in one.all_text
    assert len(bot.slack.files) == 3


async def test_help_offers_report_and_target(bot: Bot) -> None:
    reply = await bot.command(REP, "help")
    assert "/deal report" in reply.all_text and "/deal target" in reply.all_text
    bad = await bot.command(MANAGER, "report yesterday")
    assert "report" in bad.all_text


async def test_a_failed_chart_upload_is_retried_and_the_chart_arrives_once(bot: Bot) -> None:
    await bot.command(REP, "new Pilot amount:10k")
    bot.slack.fail("file_upload", status=503)  # the POST of the bytes to the upload URL
    reply = await bot.command(REP, "report")
    assert "DM" in reply.all_text
    assert not bot.slack.calls_to("files.completeUploadExternal")
    await bot.advance(timedelta(seconds=10))  # the outbox's backoff
    assert len(bot.slack.calls_to("files.completeUploadExternal")) == 1
    shared = [f for f in bot.slack.files.values() if f.completed]
    assert len(shared) == 1 and shared[0].content.startswith(b"\x89PNG")
    im = bot.slack.ims[REP]
    assert sum(1 for m in bot.slack.messages[im] if m.files) == 1


async def test_reports_and_digests_speak_chinese_with_the_zh_locale(slack: SlackEmulator, db_url: str) -> None:
    bot = await Bot(slack, db_url, dealroom_locale="zh-CN").start()
    try:
        await make_team(bot, MANAGER, [REP])
        await bot.command(REP, "new Pilot amount:150k")
        reply = await bot.command(MANAGER, "report")
        assert f"报告 · {dates.zh_month(bot.clock.now())} · 你的团队" in reply.all_text and "加权预测" in reply.all_text
        assert "图表正在发送到你与 Dealroom 的私信" in reply.all_text
        bot.clock.set(dates.day_at(bot.clock.now(), days=1, at=time(9, 0), tz="Europe/Berlin"))  # the manager's 09:00
        due = await bot.job(lambda unit: send_due_digests(unit, bot.deps.ws, bot.clock, DigestRules()))
        assert due == [f"dm:{MANAGER}"]
        await bot.settle()
        (digest,) = [m for m in slack.messages[slack.ims[MANAGER]] if not m.files]
        assert f"每日摘要 · {dates.zh_date(bot.clock.now())}" in digest.text + str(digest.blocks)
        assert "线索" in str(digest.blocks) or "昨日新增" in str(digest.blocks)
    finally:
        await bot.stop()
    assert_everything_slack_received_is_valid(slack)
