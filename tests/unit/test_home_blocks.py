"""The App Home builder: within Slack's view limits however many deals, in English and Chinese."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.blocks.home import home_view
from models.deals.queries import stage_info
from models.deals.snapshots import DealSnapshot, FollowUpInfo
from models.pipeline import load_pipeline
from models.reporting.home import HomePicture, Overdue, StageTotal, TeamPipeline
from tests.blocklimits import assert_no_broadcast, assert_view_within_limits

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PIPELINE = load_pipeline("standard")
BERLIN = ZoneInfo("Europe/Berlin")


def deal(number: int, title: str = "Pilot", followup: str = "call the CFO") -> DealSnapshot:
    stage = stage_info(PIPELINE.open_stages[number % len(PIPELINE.open_stages)], "en")
    return DealSnapshot(
        number=number, title=title, customer="Acme <Corp>", amount=Decimal("150000"), stage=stage,
        stages=tuple(stage_info(s, "en") for s in PIPELINE.stages), owner_id="U0REP1", close_at=None, source=None,
        score=None, score_band=None, channel_id=f"C{number:06d}",
        next_followup=FollowUpInfo(id=number, due_at=NOW + timedelta(hours=number), text=followup, owner_id="U0REP1"),
    )


def team(locale: str = "en") -> TeamPipeline:
    return TeamPipeline(stages=tuple(
        StageTotal(stage=stage_info(s, locale), deals=3, amount=Decimal("300000"),
                   weighted=Decimal(300000) * s.probability / 100) for s in PIPELINE.open_stages))


def picture(n_deals: int, n_overdue: int, *, title: str = "Pilot", text: str = "call", with_team: bool = True,
            locale: str = "en") -> HomePicture:
    shown = min(n_deals, 15)
    return HomePicture(
        deals=tuple(deal(i + 1, title, text) for i in range(shown)), more_deals=n_deals > shown,
        overdue=tuple(Overdue(i + 1, title, f"C{i + 1:06d}", NOW - timedelta(days=i), text)
                      for i in range(min(n_overdue, 10))),
        overdue_total=n_overdue, team=team(locale) if with_team else None,
    )


@settings(max_examples=40, deadline=None)
@given(n_deals=st.integers(0, 1000), n_overdue=st.integers(0, 1000), title=st.text(max_size=400),
       text=st.text(max_size=3000), with_team=st.booleans(), locale=st.sampled_from(["en", "zh-CN"]))
def test_any_home_fits_slacks_view_limits_and_never_pings_a_channel(
    n_deals: int, n_overdue: int, title: str, text: str, with_team: bool, locale: str
) -> None:
    view = home_view(picture(n_deals, n_overdue, title=title, text=text, with_team=with_team, locale=locale),
                     tz=BERLIN, locale=locale)
    assert_view_within_limits(view)
    assert len(view["blocks"]) <= 100
    assert_no_broadcast({"text": "home", "blocks": view["blocks"]})


def test_user_text_is_escaped_and_many_deals_point_to_the_list() -> None:
    view = home_view(picture(40, 25, title="<!channel> & co"), tz=BERLIN)
    shown = json.dumps(view["blocks"])
    assert "<!channel>" not in shown and "&lt;!channel&gt; &amp; co" in shown
    assert "Acme &lt;Corp&gt;" in shown
    assert "More in /deal list" in shown
    assert "15 more overdue" in shown


def test_the_chinese_home_has_no_english_headings() -> None:
    shown = json.dumps(home_view(picture(2, 2, locale="zh-CN"), tz=BERLIN, locale="zh-CN")["blocks"],
                       ensure_ascii=False)
    for english in ("Your open deals", "Overdue", "Team pipeline", "Weighted forecast", "Log note", "Open channel"):
        assert english not in shown
    assert "团队销售漏斗" in shown and "加权预测" in shown
