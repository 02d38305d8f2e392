"""Pacing under Slack's tiers, and 429s honoured per method (per channel for chat.postMessage)."""

from __future__ import annotations

import pytest

from bot.delivery.pacing import Pacer
from bot.delivery.slack_errors import Outcome, outcome


class Now:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_a_tier_2_method_gets_20_calls_a_minute_then_waits_for_the_oldest_to_leave_the_window() -> None:
    now = Now()
    pacer = Pacer(now)
    assert [pacer.wait("conversations.create") for _ in range(20)] == [0.0] * 20
    wait = pacer.wait("conversations.create")
    assert 60 < wait <= 61
    assert pacer.wait("conversations.invite") == 0.0, "Tier 3 counts on its own"
    now.t += wait
    assert pacer.wait("conversations.create") == 0.0


def test_chat_post_message_is_paced_to_one_a_second_per_channel() -> None:
    now = Now()
    pacer = Pacer(now)
    assert pacer.wait("chat.postMessage", "C1") == 0.0
    assert pacer.wait("chat.postMessage", "C1") == pytest.approx(1.1)
    assert pacer.wait("chat.postMessage", "C2") == 0.0


def test_a_429_pauses_the_method_for_retry_after_and_only_that_method() -> None:
    now = Now()
    pacer = Pacer(now)
    pacer.rate_limited("pins.add", 30)
    assert pacer.wait("pins.add") == 30
    assert pacer.wait("conversations.setTopic") == 0.0
    pacer.rate_limited("chat.postMessage", 5, "C1")
    assert pacer.wait("chat.postMessage", "C1") == 5 and pacer.wait("chat.postMessage", "C2") == 0.0
    now.t += 30
    assert pacer.wait("pins.add") == 0.0


def test_special_tiers_and_unknown_methods_are_not_paced() -> None:
    pacer = Pacer(Now())
    assert all(pacer.wait("auth.test") == 0.0 for _ in range(500))


@pytest.mark.parametrize(("error", "kind", "expected"), [
    ("ratelimited", None, Outcome.RETRY), ("http_503", None, Outcome.RETRY),
    ("connection: ServerDisconnectedError", None, Outcome.RETRY), ("internal_error", None, Outcome.RETRY),
    ("invalid_auth", None, Outcome.HALT), ("token_revoked", None, Outcome.HALT),
    ("account_inactive", None, Outcome.HALT),
    ("channel_not_found", "post_card", Outcome.PARK), ("is_archived", "set_topic", Outcome.PARK),
    ("not_in_channel", "pin_card", Outcome.PARK), ("missing_scope", "invite", Outcome.PARK),
    ("already_in_channel", "invite", Outcome.SKIP), ("cant_invite_self", "invite", Outcome.SKIP),
    ("user_not_found", "invite", Outcome.SKIP), ("user_not_found", "admin_alert", Outcome.SKIP),
    ("already_pinned", "pin_card", Outcome.SKIP), ("user_not_in_channel", "welcome", Outcome.SKIP),
    ("already_in_channel", "post_card", Outcome.PARK),
])
def test_every_slack_error_has_one_outcome(error: str, kind: str | None, expected: Outcome) -> None:
    assert outcome(error, kind) is expected


def test_waiting_for_our_own_pacing_is_not_a_failed_attempt() -> None:
    """A row held back by the pacer keeps its attempts (no backoff growth, never parked for it)."""
    from datetime import UTC, datetime, timedelta

    from bot.delivery.gateway import SlackFailure
    from bot.delivery.outbox import Deliverer
    from models.infra.clock import FakeClock
    from models.infra.tables import OutboxMessage

    clock = FakeClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    deliverer = Deliverer(None, None, None, clock)  # type: ignore[arg-type]
    row = OutboxMessage(lane="dm:U1", kind="reminder", attempts=0, not_before=clock.now())
    for _ in range(300):
        assert deliverer._retry_later(row, SlackFailure(error="paced", transient=True, retry_after=0.8)) is False
    assert row.attempts == 0 and row.status != "parked"
    assert row.not_before == clock.now() + timedelta(seconds=0.8)
    deliverer._retry_later(row, SlackFailure(error="ratelimited", transient=True, retry_after=1.0))
    assert row.attempts == 1
