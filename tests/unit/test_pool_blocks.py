"""Builders of the pool listing and the automatic messages (bot/blocks/pool.py), and the holidays setting."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.blocks import pool as pb
from bot.config.settings import SettingsError, load_settings
from models.deals.pool import PoolEntry, PoolPage
from models.deals.snapshots import StageInfo
from tests.blocklimits import assert_message_within_limits, assert_no_broadcast

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PROPOSAL = StageInfo(key="proposal", name="Proposal", number=4, probability=50)


def entry(number: int, *, title: str = "Pilot", reason: str = "lost", lost_reason: str | None = "price") -> PoolEntry:
    return PoolEntry(number=number, title=title, customer=None, amount=Decimal(1000), reached=PROPOSAL,
                     reason=reason, lost_reason=lost_reason, since=NOW, former_owner_id="U0ANA")


def test_a_line_says_amount_stage_reached_why_since_and_whose() -> None:
    line = pb.pool_line(entry(7, title="Acme <pilot>"), tz=ZoneInfo("Europe/Berlin"))
    assert line.startswith("*D-7* Acme &lt;pilot&gt;")
    for part in ("1,000", "reached Proposal", "lost: price", "Mon 23 Nov 2026, 10:00", "was <@U0ANA>'s"):
        assert part in line
    assert "no updates" in pb.pool_line(entry(8, reason="inactive", lost_reason=None), tz=ZoneInfo("UTC"))


def test_chinese_listing() -> None:
    reply = pb.pool_reply(PoolPage([entry(1)], 1, Decimal(150000)), tz=ZoneInfo("Asia/Shanghai"), locale="zh-CN")
    body = str(reply.blocks)
    assert "公海" in body and "15万" in body and "曾到 Proposal" in body and "输单：price" in body


def test_an_empty_pool_says_so() -> None:
    reply = pb.pool_reply(PoolPage([], 0, Decimal(0)), tz=ZoneInfo("UTC"))
    assert "empty" in reply.text


@settings(max_examples=50, deadline=None)
@given(titles=st.lists(st.text(max_size=400), min_size=0, max_size=120), reason=st.text(max_size=3000))
def test_any_pool_fits_slacks_limits_and_never_pings_a_channel(titles: list[str], reason: str) -> None:
    entries = [entry(i + 1, title=t, lost_reason=reason) for i, t in enumerate(titles)]
    reply = pb.pool_reply(PoolPage(entries, len(entries) + 5, Decimal(10) ** 12), tz=ZoneInfo("UTC"))
    message = {"text": reply.text, "blocks": reply.blocks}
    assert_message_within_limits(message)
    assert_no_broadcast(message)


@given(title=st.text(max_size=3000))
def test_dms_fit_slacks_limits(title: str) -> None:
    for message in (
        pb.pool_warning_dm(1, title, last_update=NOW, pool_at=NOW, tz=ZoneInfo("UTC")),
        pb.pooled_dm(1, title, days=30),
        pb.claimed_dm(1, title, claimant_id="U0BEN", locale="zh-CN"),
        pb.archive_notice(days=30),
    ):
        as_dict = {"text": message.text, "blocks": message.blocks}
        assert_message_within_limits(as_dict)
        assert_no_broadcast(as_dict)


def test_holidays_setting_is_checked_at_start() -> None:
    assert load_settings(_env_file=None, dealroom_holidays=" cn ").dealroom_holidays == "CN"
    assert load_settings(_env_file=None, dealroom_holidays="").dealroom_holidays is None
    with pytest.raises(SettingsError, match="DEALROOM_HOLIDAYS: 'XX' is not a country code"):
        load_settings(_env_file=None, dealroom_holidays="XX")
