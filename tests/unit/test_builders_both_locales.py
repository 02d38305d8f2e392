"""Every Block Kit builder in both locales (issue 7): within Slack's limits, valid for slack_sdk, no English
in zh-CN and no Chinese of ours in English.

The sample data is Chinese (titles, customers, notes, reasons; stage names are the pipeline's ``name_zh`` in
zh-CN), so any Latin word left in a zh-CN payload after tests/leaks.py removes what stays English by design is
one of our own words that missed the catalogue. In English, every Chinese run must come from the data.

Builders are found by introspection: every public function of a ``bot.blocks`` module (``text`` holds the
primitives) that returns a ``Message``, a view dict or blocks, or that takes a ``locale``. A builder without a
sample in ``CASES`` fails ``test_every_builder_has_a_sample``: add one when you add a builder.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

import bot.blocks
from bot.blocks import (
    approvals,
    cards,
    digests,
    home,
    modals,
    pool,
    reminders,
    replies,
    report_labels,
    reports,
    territories,
    timeline,
)
from bot.blocks import text as text_mod
from bot.blocks.stages import describe_stages
from bot.blocks.text import Message, Mrkdwn
from models.approvals.requests import LAPSED_NOBODY, ApprovalInfo, RuleInfo
from models.deals.pool import PoolEntry, PoolPage
from models.deals.queries import stage_info
from models.deals.snapshots import DealSnapshot, FollowUpInfo, StageChangeInfo, TimelineItem
from models.infra.i18n import t
from models.infra.words import Person
from models.pipeline import Pipeline, Stage, load_pipeline
from models.pipeline.territories import Territory
from models.reporting.digests import DailyDigest, DealLine, Move, Tally, WeeklyReport
from models.reporting.home import HomePicture, Overdue, StageTotal, TeamPipeline
from models.reporting.metrics import FunnelStep, Pipe, ReasonCount, Report, RepRow, SourceCount, StageTime, period_from
from models.reporting.territory_digest import TerritoryDigest
from models.territories.admin import TerritoryState
from tests.blocklimits import assert_message_within_limits, assert_no_broadcast, assert_view_within_limits
from tests.leaks import english_leaks, foreign_cjk, leak_report

LOCALES = ("en", "zh-CN")
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PIPELINE = load_pipeline("standard")

DATA: set[str] = set()  # every Chinese string of the sample data (the English render may show these)


def z(s: str) -> str:
    """A Chinese sample string, remembered as data."""
    DATA.add(s)
    return s


TITLE = z("华为云迁移项目")
CUSTOMER = z("华为技术有限公司")
SOURCE = z("老客户转介绍")
NOTE = z("给财务总监打电话确认预算")
REASON = z("预算被砍")
LONG = z("客户要求在年底前完成部署并提供三年的维保服务，" * 120)  # ~3,000 chars
HEADING = z("我的商机")
SCOPE = z("团队")
CHART = z("漏斗图见上方")
HELP = z("用法：")
OK = z("已更新")
FIELDS = {z("折扣"): z("八折"), z("底价"): z("十二万")}


def stage(key: str, locale: str):  # type: ignore[no-untyped-def]
    return stage_info(PIPELINE.stage(key), locale)


def stages(locale: str):  # type: ignore[no-untyped-def]
    return tuple(stage_info(s, locale) for s in PIPELINE.stages)


def deal(locale: str, number: int = 42, **overrides: Any) -> DealSnapshot:
    base = DealSnapshot(
        number=number, title=TITLE, customer=CUSTOMER, amount=Decimal("150000"), stage=stage("proposal", locale),
        stages=stages(locale), owner_id="U0OWNER1", close_at=NOW + timedelta(days=30), source=SOURCE, score=8,
        score_band="high", channel_id="C0DEAL42", custom_fields=dict(FIELDS), collaborator_ids=("U0COLL01",),
        next_followup=FollowUpInfo(id=1, due_at=NOW - timedelta(hours=2), text=NOTE, owner_id="U0OWNER1",
                                   overdue=True),
        created_at=NOW - timedelta(days=10), updated_at=NOW,
    )
    return replace(base, **overrides)


def big_deal(locale: str) -> DealSnapshot:
    return deal(locale, title=LONG, customer=LONG, source=LONG, lost_reason=LONG,
                custom_fields={f"{LONG[:40]}{i}": LONG for i in range(30)},
                collaborator_ids=tuple(f"U{i:08d}" for i in range(500)), awaiting_approval=stage("won", locale).name,
                next_followup=FollowUpInfo(id=1, due_at=NOW, text=LONG, owner_id="U0OWNER1", overdue=True))


def items(n: int, text: str = NOTE) -> list[TimelineItem]:
    return [TimelineItem(at=NOW - timedelta(minutes=i), actor_id=None if i % 5 == 0 else f"U{i:07d}", kind="note",
                         text=text) for i in range(n)]


def change(locale: str, frm: str | None, to: str, **kw: Any) -> StageChangeInfo:
    d = deal(locale, stage=stage(to, locale), lost_reason=REASON if to == "lost" else None)
    return StageChangeInfo(deal=d, from_stage=stage(frm, locale) if frm else None, to_stage=stage(to, locale),
                           actor_id="U0REP1", at=NOW, **kw)


def entry(locale: str, number: int, reason: str = "lost", title: str = TITLE) -> PoolEntry:
    return PoolEntry(number=number, title=title, customer=CUSTOMER, amount=Decimal(1000), reached=stage("proposal",
                     locale), reason=reason, lost_reason=REASON if reason == "lost" else None, since=NOW,
                     former_owner_id="U0ANA")


def picture(locale: str, n_deals: int = 2, n_overdue: int = 2, text: str = NOTE) -> HomePicture:
    shown = min(n_deals, 15)
    team = TeamPipeline(stages=tuple(StageTotal(stage=stage_info(s, locale), deals=3, amount=Decimal(300000),
                                                weighted=Decimal(300000) * s.probability / 100)
                                     for s in PIPELINE.open_stages))
    return HomePicture(
        deals=tuple(deal(locale, i + 1, title=text) for i in range(shown)), more_deals=n_deals > shown,
        overdue=tuple(Overdue(i + 1, text, f"C{i + 1:06d}", NOW - timedelta(days=i), text)
                      for i in range(min(n_overdue, 10))),
        overdue_total=n_overdue, team=team)


def rep(i: int, quota: bool = True) -> RepRow:
    return RepRow(user_id=f"U0REP{i:04d}", open_count=3, open_value=Decimal(300000), weighted=Decimal(150000),
                  new_count=2, won_count=1, won_value=Decimal(100000 * (i + 1)), lost_count=1,
                  quota=Decimal(500000) if quota else None)


def line(i: int, title: str = TITLE) -> DealLine:
    return DealLine(i, title, "U0REP1", "negotiation", Decimal(2000), NOW - timedelta(days=9))


MONTH = period_from("month", date(2026, 11, 1), TZ)
WEEK = period_from("week", date(2026, 11, 16), TZ)


def daily(n: int = 2, title: str = TITLE, quiet: bool = False) -> DailyDigest:
    if quiet:
        return DailyDigest("U0MGR", date(2026, 11, 24), frozenset({"U0MGR"}), Pipe(2, Decimal(2000), Decimal(1400)),
                           0, (), Tally(0, Decimal(0)), Tally(0, Decimal(0)), Tally(0, Decimal(0)), (), 0, (), 0, (),
                           MONTH, ())
    return DailyDigest(
        "U0MGR", date(2026, 11, 24), frozenset({"U0MGR", "U0REP1"}), Pipe(7, Decimal(700000), Decimal(350000)),
        n, tuple(Move(i, title, "proposal" if i % 2 else None, "negotiation", "U0REP1") for i in range(min(n, 10))),
        Tally(2, Decimal(20000)), Tally(1, Decimal(150000)), Tally(1, Decimal(0)),
        tuple((f"U0REP{i:04d}", i + 1) for i in range(n)), n, tuple(line(i, title) for i in range(min(n, 5))),
        n, tuple(line(i, title) for i in range(min(n, 5))), MONTH, tuple(rep(i, i % 2 == 0) for i in range(n)))


def weekly(user_id: str = "U0REP1", title: str = TITLE) -> WeeklyReport:
    return WeeklyReport(user_id, WEEK, Tally(2, Decimal(300000)), (line(1, title),), 3,
                        (("proposal", 2), ("won", 1)), Tally(1, Decimal(150000)), (line(2, title),))


def report(n_reps: int = 3, n_sources: int = 2) -> Report:
    return Report(
        period=MONTH, owner_ids=None,
        funnel=tuple(FunnelStep(s.key, 10 - i, None if i == 0 else 0.5) for i, s in enumerate(PIPELINE.open_stages)),
        stage_times=tuple(StageTime(s.key, 3.5, 4) for s in PIPELINE.open_stages),
        won_count=3, won_value=Decimal(450000), lost_count=2, new_count=8, avg_cycle_days=21.5,
        new_by_source=tuple(SourceCount(z(f"展会{i}") if i else None, 2, Decimal(300000)) for i in range(n_sources)),
        lost_reasons=(ReasonCount(REASON, 2),), pipe=Pipe(7, Decimal(700000), Decimal(350000)),
        quota=Decimal(1000000), reps=tuple(rep(i, i % 2 == 0) for i in range(n_reps)))


def approval(locale: str, status: str = "pending", reason: str | None = None) -> ApprovalInfo:
    return ApprovalInfo(
        id=7, status=status, from_name=stage("proposal", locale).name, to_name=stage("won", locale).name,
        requested_by="U0REP1", owner_id="U0REP1", approvers=("U0MGR", "U0FIN"),
        rules=(RuleInfo(stage("won", locale).name, "amount >= 1m and discount > 15"),),
        figures=(("amount", "150,000"), ("discount", "20"), (z("客户等级"), z("重点客户"))),
        expires_at=NOW + timedelta(hours=48), decided_by=None if status == "pending" else "U0MGR", reason=reason)


def territory(changed: bool = False, n_reps: int = 3) -> TerritoryState:
    default = Territory(key="east", name=z("华东大区"), reps=tuple(f"U0REP{i:04d}" for i in range(n_reps)),
                        manager="U0MGR", region=(z("华东"), z("上海")))
    now = replace(default, reps=default.reps[:1], manager=None, routing="manager") if changed else default
    return TerritoryState(territory=now, default=default)


def territory_digest(n_owners: int = 3) -> TerritoryDigest:
    return TerritoryDigest(state=territory(), day=date(2026, 11, 24), open_count=12, open_value=Decimal(1800000),
                           weighted=Decimal(600000), new_count=2, won_count=1, won_value=Decimal(150000), lost_count=1,
                           owners=tuple(rep(i) for i in range(n_owners)), owners_total=n_owners + 5)


Case = tuple[str, str, Callable[[str], Any]]
CASES: list[Case] = [
    # cards
    ("cards.deal_card", "ordinary", lambda lc: cards.deal_card(deal(lc), tz=TZ, locale=lc)),
    ("cards.deal_card", "awaiting approval", lambda lc: cards.deal_card(
        deal(lc, awaiting_approval=stage("won", lc).name), tz=TZ, locale=lc)),
    ("cards.deal_card", "lost", lambda lc: cards.deal_card(
        deal(lc, stage=stage("lost", lc), lost_reason=REASON), tz=TZ, locale=lc)),
    ("cards.deal_card", "edge: long texts, 30 fields, 500 people", lambda lc: cards.deal_card(
        big_deal(lc), tz=TZ, locale=lc)),
    *[("cards.stage_change_card", f"{frm}->{to}", lambda lc, frm=frm, to=to: cards.stage_change_card(
        change(lc, frm, to), tz=TZ, locale=lc, for_feed=True))
      for frm, to in (("proposal", "won"), ("proposal", "lost"), (None, "lead"), ("lost", "proposal"),
                      ("negotiation", "qualified"), ("qualified", "proposal"))],
    ("cards.channel_topic", "ordinary", lambda lc: cards.channel_topic(deal(lc), lc)),
    ("cards.closed_line", "won", lambda lc: cards.closed_line(deal(lc, stage=stage("won", lc)), lc)),
    ("cards.closed_line", "lost", lambda lc: cards.closed_line(
        deal(lc, stage=stage("lost", lc), lost_reason=REASON), lc)),
    ("cards.followup_text", "overdue", lambda lc: cards.followup_text(deal(lc), tz=TZ, locale=lc)),
    ("cards.followup_text", "none", lambda lc: cards.followup_text(deal(lc, next_followup=None), tz=TZ, locale=lc)),
    ("cards.mentions", "many", lambda lc: cards.mentions([f"U{i:08d}" for i in range(500)], locale=lc)),
    ("cards.score_text", "band", lambda lc: cards.score_text(deal(lc), lc)),
    ("cards.summary_blocks", "ordinary", lambda lc: cards.summary_blocks(deal(lc), tz=TZ, locale=lc)),
    ("cards.welcome_card", "ordinary", lambda lc: cards.welcome_card(
        deal(lc), items(5), tz=TZ, locale=lc, has_more=True)),
    ("cards.welcome_card", "edge: 200 long entries", lambda lc: cards.welcome_card(
        big_deal(lc), items(200, LONG), tz=TZ, locale=lc, has_more=True)),
    ("cards.won_card", "with cs", lambda lc: cards.won_card(
        deal(lc, stage=stage("won", lc)), actor_id="U0REP1", amount=Decimal(150000), handoff_at=NOW,
        checkin_at=NOW + timedelta(days=14), cs_ids=["U0CS1"], tz=TZ, locale=lc)),
    ("cards.won_card", "nobody in cs", lambda lc: cards.won_card(
        deal(lc, stage=stage("won", lc)), actor_id="U0REP1", amount=None, handoff_at=NOW,
        checkin_at=NOW + timedelta(days=14), cs_ids=[], tz=TZ, locale=lc)),
    # timeline
    ("timeline.timeline_page", "middle page", lambda lc: timeline.timeline_page(
        deal(lc), items(20), page=2, has_more=True, tz=TZ, locale=lc)),
    ("timeline.timeline_page", "empty", lambda lc: timeline.timeline_page(
        deal(lc), [], page=1, has_more=False, tz=TZ, locale=lc)),
    ("timeline.timeline_page", "edge: 200 long entries", lambda lc: timeline.timeline_page(
        deal(lc, title=LONG), items(200, LONG), page=3, has_more=True, tz=TZ, locale=lc)),
    ("timeline.timeline_blocks", "ordinary", lambda lc: timeline.timeline_blocks(items(3), tz=TZ, locale=lc)),
    ("timeline.timeline_line", "by the bot", lambda lc: timeline.timeline_line(items(1)[0], tz=TZ, locale=lc)),
    ("timeline.timeline_line", "written as a sentence", lambda lc: timeline.timeline_line(TimelineItem(
        at=NOW, actor_id="U0REP", kind="owner", text="made @U0REP2 the owner",
        body=t("made {owner} the owner", owner=Person("U0REP2")), locale=lc), tz=TZ, locale=lc)),
    ("stages.describe_stages", "named in both languages", lambda lc: describe_stages(Pipeline((
        Stage("lead", "Lead", z("线索"), 10), Stage("won", "Won", z("赢单"), 100, closed="won"))), lc)),
    # modals
    ("modals.new_deal_modal", "ordinary", lambda lc: modals.new_deal_modal(
        channel_id="C0DEAL42", initial_title=TITLE, locale=lc)),
    ("modals.log_note_modal", "ordinary", lambda lc: modals.log_note_modal(42, TITLE, locale=lc)),
    # replies
    ("replies.error_reply", "domain text and usage", lambda lc: replies.error_reply(
        t("No deals."), "/deal claim D-<n>", locale=lc)),
    ("replies.error_reply", "multi-line usage", lambda lc: replies.error_reply(
        t("No deals."), "/deal new <title>\n/deal new", locale=lc)),
    ("replies.ok_reply", "long", lambda lc: replies.ok_reply(Mrkdwn(f"{OK}\n\n{LONG}\n\n{LONG}\n\n{LONG}"))),
    ("replies.help_reply", "long", lambda lc: replies.help_reply(f"{HELP}\n`/deal new`\n\n{LONG}\n\n{LONG}")),
    ("replies.deal_list_reply", "ordinary", lambda lc: replies.deal_list_reply(
        [deal(lc, i) for i in range(3)], tz=TZ, locale=lc, title=HEADING)),
    ("replies.deal_list_reply", "one", lambda lc: replies.deal_list_reply(
        [deal(lc)], tz=TZ, locale=lc, title=HEADING)),
    ("replies.deal_list_reply", "empty", lambda lc: replies.deal_list_reply([], tz=TZ, locale=lc, title=HEADING)),
    ("replies.deal_list_reply", "edge: 200 long deals", lambda lc: replies.deal_list_reply(
        [deal(lc, i, title=LONG) for i in range(200)], tz=TZ, locale=lc, title=HEADING)),
    ("replies.deal_line", "overdue", lambda lc: replies.deal_line(deal(lc), tz=TZ, locale=lc)),
    # pool
    ("pool.pool_reply", "ordinary", lambda lc: pool.pool_reply(
        PoolPage([entry(lc, 1), entry(lc, 2, "inactive")], 2, Decimal(2000)), tz=TZ, locale=lc)),
    ("pool.pool_reply", "one", lambda lc: pool.pool_reply(PoolPage([entry(lc, 1)], 1, Decimal(1000)), tz=TZ,
                                                          locale=lc)),
    ("pool.pool_reply", "empty", lambda lc: pool.pool_reply(PoolPage([], 0, Decimal(0)), tz=TZ, locale=lc)),
    ("pool.pool_reply", "edge: 200 long entries", lambda lc: pool.pool_reply(
        PoolPage([entry(lc, i, title=LONG) for i in range(200)], 250, Decimal(10) ** 9), tz=TZ, locale=lc)),
    ("pool.pool_line", "lost", lambda lc: pool.pool_line(entry(lc, 7), tz=TZ, locale=lc)),
    ("pool.pool_warning_dm", "ordinary", lambda lc: pool.pool_warning_dm(
        7, TITLE, last_update=NOW, pool_at=NOW + timedelta(days=3), tz=TZ, locale=lc)),
    ("pool.pooled_dm", "ordinary", lambda lc: pool.pooled_dm(7, TITLE, days=30, locale=lc)),
    ("pool.claimed_dm", "ordinary", lambda lc: pool.claimed_dm(7, TITLE, claimant_id="U0BEN", locale=lc)),
    ("pool.archive_notice", "ordinary", lambda lc: pool.archive_notice(days=30, locale=lc)),
    # home
    ("home.home_view", "ordinary", lambda lc: home.home_view(picture(lc), tz=TZ, locale=lc)),
    ("home.home_view", "nothing", lambda lc: home.home_view(
        replace(picture(lc, 0, 0), team=None), tz=TZ, locale=lc)),
    ("home.home_view", "edge: 1000 deals, 500 overdue, long", lambda lc: home.home_view(
        picture(lc, 1000, 500, LONG), tz=TZ, locale=lc)),
    # reminders
    ("reminders.reminder", "early", lambda lc: reminders.reminder(
        deal(lc), followup_id=1, text=NOTE, which="early", at=NOW, due_at=NOW + timedelta(days=1), late=False,
        tz=TZ, locale=lc)),
    ("reminders.reminder", "due, late", lambda lc: reminders.reminder(
        deal(lc), followup_id=1, text=LONG, which="due", at=NOW, due_at=NOW, late=True, tz=TZ, locale=lc)),
    ("reminders.reminder_done", "ordinary", lambda lc: reminders.reminder_done(
        deal(lc), text=NOTE, by="U0REP1", at=NOW, tz=TZ, locale=lc)),
    *[("reminders.reminder_snoozed", f"moved_due={moved}", lambda lc, moved=moved: reminders.reminder_snoozed(
        deal(lc), text=NOTE, until=NOW + timedelta(hours=1), moved_due=moved, tz=TZ, locale=lc))
      for moved in (True, False)],
    *[("reminders.nudge", what, lambda lc, what=what: reminders.nudge(
        what, deal(lc, score_band="low" if what == "nurture" else "high"), sla_due_at=NOW, stale_days=14, tz=TZ,
        locale=lc)) for what in ("sla_warning", "sla_missed", "nurture", "stale")],
    # approvals
    ("approvals.request_card", "pending", lambda lc: approvals.request_card(approval(lc), deal(lc), tz=TZ,
                                                                            locale=lc)),
    ("approvals.request_card", "reminder", lambda lc: approvals.request_card(
        approval(lc), deal(lc), tz=TZ, locale=lc, reminder=True)),
    ("approvals.request_card", "decided", lambda lc: approvals.request_card(
        approval(lc, "rejected", REASON), deal(lc), tz=TZ, locale=lc)),
    ("approvals.request_card", "moved to others", lambda lc: approvals.request_card(
        approval(lc), deal(lc), tz=TZ, locale=lc, recipient="U0OLDMGR")),
    ("approvals.request_card", "lapsed: changed hands", lambda lc: approvals.request_card(
        approval(lc, "lapsed", LAPSED_NOBODY.msgid), deal(lc), tz=TZ, locale=lc, recipient="U0MGR")),
    *[("approvals.outcome", what, lambda lc, what=what: approvals.outcome(
        what, approval(lc, "pending" if what in ("awaiting", "moved") else what, REASON), deal(lc), tz=TZ,
        locale=lc))
      for what in ("awaiting", "approved", "rejected", "expired", "lapsed", "moved")],
    *[("approvals.decided_line", status, lambda lc, status=status: approvals.decided_line(approval(lc, status), lc))
      for status in ("approved", "rejected", "expired", "lapsed")],
    ("approvals.reject_modal", "ordinary", lambda lc: approvals.reject_modal(
        7, cards.deal_heading(deal(lc)), card=("C0DEAL42", "1.2"), locale=lc)),
    ("approvals.approvals_list", "mixed", lambda lc: approvals.approvals_list(
        [(approval(lc), deal(lc), "decide"), (approval(lc), deal(lc, 43), "yours"),
         (approval(lc), deal(lc, 44), "team")], tz=TZ, locale=lc)),
    ("approvals.approvals_list", "empty", lambda lc: approvals.approvals_list([], tz=TZ, locale=lc)),
    ("approvals.approvals_list", "edge: 40 long rows", lambda lc: approvals.approvals_list(
        [(approval(lc), deal(lc, i, title=LONG), "decide") for i in range(40)], tz=TZ, locale=lc)),
    # digests
    ("digests.daily_digest_message", "busy", lambda lc: digests.daily_digest_message(
        daily(), PIPELINE, tz=TZ, locale=lc)),
    ("digests.daily_digest_message", "quiet", lambda lc: digests.daily_digest_message(
        daily(quiet=True), PIPELINE, tz=TZ, locale=lc)),
    ("digests.daily_digest_message", "edge: 60 reps, long titles", lambda lc: digests.daily_digest_message(
        daily(60, LONG[:400]), PIPELINE, tz=TZ, locale=lc)),
    ("digests.weekly_message", "ordinary", lambda lc: digests.weekly_message(weekly(), PIPELINE, tz=TZ, locale=lc)),
    ("digests.weekly_lines", "ordinary", lambda lc: digests.weekly_lines(weekly(), PIPELINE, lc)),
    ("digests.team_weekly_message", "ordinary", lambda lc: digests.team_weekly_message(
        "U0MGR", [weekly(f"U0REP{i}") for i in range(3)], PIPELINE, locale=lc)),
    ("digests.team_weekly_message", "nobody", lambda lc: digests.team_weekly_message(
        "U0MGR", [], PIPELINE, locale=lc)),
    ("digests.team_weekly_message", "edge: 60 reps", lambda lc: digests.team_weekly_message(
        "U0MGR", [weekly(f"U0REP{i}", LONG) for i in range(60)], PIPELINE, locale=lc)),
    # reports
    ("reports.report_message", "ordinary", lambda lc: reports.report_message(
        report(), PIPELINE, scope_label=SCOPE, locale=lc, chart_note=CHART)),
    ("reports.report_message", "edge: 60 reps, 20 sources", lambda lc: reports.report_message(
        report(60, 20), PIPELINE, scope_label=SCOPE, locale=lc)),
    ("reports.headline_fields", "ordinary", lambda lc: reports.headline_fields(report(), lc)),
    ("reports.headline_fields", "no target", lambda lc: reports.headline_fields(replace(report(), quota=None), lc)),
    ("reports.funnel_text", "ordinary", lambda lc: reports.funnel_text(report(), PIPELINE, lc)),
    ("reports.sources_and_reasons", "ordinary", lambda lc: reports.sources_and_reasons(report(), lc)),
    ("reports.sources_and_reasons", "none", lambda lc: reports.sources_and_reasons(
        replace(report(), new_by_source=(), lost_reasons=()), lc)),
    ("reports.rep_line", "with target", lambda lc: reports.rep_line(rep(1), lc)),
    ("reports.rep_lines", "many", lambda lc: reports.rep_lines(report(30), lc)),
    ("reports.days", "value", lambda lc: reports.days(2.5, lc)),
    ("report_labels.period_label", "week", lambda lc: report_labels.period_label(WEEK, lc)),
    ("report_labels.period_label", "month", lambda lc: report_labels.period_label(MONTH, lc)),
    ("report_labels.period_label", "quarter", lambda lc: report_labels.period_label(
        period_from("quarter", date(2026, 10, 1), TZ), lc)),
    # territories
    ("territories.territories_reply", "ordinary and changed", lambda lc: territories.territories_reply(
        [territory(), territory(changed=True)], locale=lc)),
    ("territories.territories_reply", "none", lambda lc: territories.territories_reply([], locale=lc)),
    ("territories.territories_reply", "edge: 40 territories, 200 reps", lambda lc: territories.territories_reply(
        [territory(n_reps=200) for _ in range(40)], locale=lc)),
    ("territories.territory_section", "manager routing", lambda lc: territories.territory_section(
        territory(changed=True), lc)),
    ("territories.territory_scope_label", "ordinary", lambda lc: territories.territory_scope_label(z("华东大区"), lc)),
    ("territories.territory_report_note", "ordinary", lambda lc: territories.territory_report_note(territory(), lc)),
    ("territories.territory_digest_message", "ordinary", lambda lc: territories.territory_digest_message(
        territory_digest(), locale=lc)),
    ("territories.territory_digest_message", "nobody owns", lambda lc: territories.territory_digest_message(
        replace(territory_digest(0), owners_total=0), locale=lc)),
    ("report_labels.day_label", "day", lambda lc: report_labels.day_label(date(2026, 11, 24), lc)),
]

# Public functions of bot.blocks modules that are not builders of what people read.
NOT_BUILDERS = {
    "modals.read_metadata": "reads a submitted view",
    "charts.report_chart": "draws a PNG, not Block Kit (tests/unit/test_zh_handlers_text.py checks its words)",
    "words.mrkdwn_text": "one domain sentence in mrkdwn, for the builders (their samples cover it)",
    "words.mrkdwn_value": "one value of a domain sentence in mrkdwn, for the builders",
}

PRIMITIVES = {"text", "markup", "words"}  # tr, fmt, message, the words' style: what every builder goes through
_BUILDER_RETURNS = {Message, "Message", "dict[str, Any]", "list[Block]", "tuple[list[Block], int]"}


def discover() -> set[str]:
    found = set()
    for info in pkgutil.iter_modules(bot.blocks.__path__):
        if info.name in PRIMITIVES:
            continue
        module = importlib.import_module(f"bot.blocks.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != module.__name__:
                continue
            sig = inspect.signature(fn)
            if sig.return_annotation in _BUILDER_RETURNS or "locale" in sig.parameters:
                found.add(f"{info.name}.{name}")
    return found


def test_every_builder_has_a_sample() -> None:
    builders = discover()
    assert len(builders) > 40
    missing = sorted(builders - {name for name, _, _ in CASES} - set(NOT_BUILDERS))
    assert not missing, f"builders without a sample in CASES (add one): {missing}"
    stale = sorted({name for name, _, _ in CASES} - builders)
    assert not stale, f"samples for functions that are no longer builders: {stale}"


def test_the_text_primitive_message_is_covered_by_every_builder() -> None:
    # bot.blocks.text holds primitives (tr, fmt, message…): each builder above goes through them.
    assert text_mod.message(TITLE, []).text == TITLE


# ---------------------------------------------------------------------------------------------


def _validate_with_slack_sdk(blocks: list[dict[str, Any]]) -> None:
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()


def payload_of(result: Any) -> Any:
    """The result as something tests/leaks.py and the limit checkers read, checking limits on the way."""
    if isinstance(result, Message):
        assert_message_within_limits(result)
        assert_no_broadcast(result)
        _validate_with_slack_sdk(result.blocks)
        return result
    if isinstance(result, dict) and result.get("type") in ("modal", "home"):
        assert_view_within_limits(result)
        assert_no_broadcast({"text": "view", "blocks": result["blocks"]})
        View(**result).validate_json()
        return result
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], int):
        result = result[0]
    if isinstance(result, list) and all(isinstance(b, Block) for b in result):
        blocks = [b.to_dict() for b in result]
        assert_message_within_limits({"text": "blocks", "blocks": blocks})
        return {"text": "—", "blocks": blocks}
    if isinstance(result, list):  # lines or (name, value) pairs
        flat = [x for r in result for x in (r if isinstance(r, tuple) else (r,))]
        assert flat and all(isinstance(x, str) for x in flat)
        return {"text": "\n".join(flat), "blocks": []}
    assert isinstance(result, str), type(result)
    return {"text": result, "blocks": []}


CASE_IDS = [f"{name}[{case}]" for name, case, _ in CASES]


@pytest.mark.parametrize(("name", "case", "build"), CASES, ids=CASE_IDS)
def test_chinese_output_fits_slack_and_has_no_english(name: str, case: str, build: Callable[[str], Any]) -> None:
    payload = payload_of(build("zh-CN"))
    assert english_leaks(payload) == [], "\n".join(leak_report(payload))


@pytest.mark.parametrize(("name", "case", "build"), CASES, ids=CASE_IDS)
def test_english_output_fits_slack_and_has_no_chinese_of_ours(name: str, case: str,
                                                               build: Callable[[str], Any]) -> None:
    payload = payload_of(build("en"))
    assert foreign_cjk(payload, DATA) == []


def test_counts_agree_in_english_and_read_naturally_in_chinese() -> None:
    one = replies.deal_list_reply([deal("en")], tz=TZ, title="Open deals")
    assert one.text == "Open deals: 1 deal"
    two = replies.deal_list_reply([deal("zh-CN")] * 2, tz=TZ, locale="zh-CN", title=HEADING)
    assert two.text == "我的商机：2 个商机"
    lines = reports.rep_lines(report(11), "en")
    assert lines[-1].startswith("…and 1 more rep: ")
    team = str(home.home_view(picture("en", 0, 0), tz=TZ)["blocks"])
    assert "3 deals · 300,000 · weighted" in team and "open in 15 deals" in team
