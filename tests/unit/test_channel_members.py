"""The pure rules behind "members of a deal's channel may read it" (SPEC 10): when the records answer
alone, and which time an event carries (events come late and out of order)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.events import sent_at
from models.people.channel_members import ROSTER_FRESH_FOR, trusted

NOW = datetime(2030, 3, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("complete_at", "answers"), [
    (None, False),  # never complete (a deal from before the records were kept): ask Slack
    (NOW, True),
    (NOW - ROSTER_FRESH_FOR, True),
    (NOW - ROSTER_FRESH_FOR - timedelta(seconds=1), False),  # a day of events may have been lost: ask again
    (NOW + timedelta(minutes=5), False),  # from the future (a clock moved back): do not trust it
])
def test_when_the_records_answer_without_asking_slack(complete_at: datetime | None, answers: bool) -> None:
    assert trusted(complete_at, NOW) is answers


def test_an_event_is_dated_by_its_event_ts_else_the_envelope_else_now() -> None:
    at = NOW - timedelta(minutes=3)
    assert sent_at({"event_time": int(NOW.timestamp())}, {"event_ts": f"{at.timestamp():.6f}"}, NOW) == at
    assert sent_at({"event_time": int(at.timestamp())}, {}, NOW) == at.replace(microsecond=0)
    assert sent_at({"event_time": "soon"}, {"event_ts": None}, NOW) == NOW
    assert sent_at({}, {"event_ts": "1e400"}, NOW) == NOW
