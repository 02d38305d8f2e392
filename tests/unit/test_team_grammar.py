"""`/deal team` and `/deal role` as typed (Slack escapes mentions as <@U…|name>)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.commands.table import Role, Team, UsageError, help_text, parse_command

UTC = ZoneInfo("UTC")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "parsed"), [
    ("team <@U1|ana>", Team("U1")),
    ("team <@U1|ana> manager:<@U2|mia>", Team("U1", "U2")),
    ("team <@U1> manager:none", Team("U1", None, clear=True)),
    ("team <@U1> manager:NONE", Team("U1", None, clear=True)),
    ("role <@U1> legal", Role("U1", "legal")),
    ("role <@U1> -manager", Role("U1", "manager", remove=True)),
])
def test_team_and_role(text: str, parsed: object) -> None:
    assert parse_command(text, now=NOW, tz=UTC) == parsed


@pytest.mark.parametrize("text", ["team", "team ana", "team <@U1> manager:mia", "role <@U1>", "role <@U1> boss"])
def test_wrong_forms_show_the_right_one(text: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_command(text, now=NOW, tz=UTC)
    assert raised.value.usage and raised.value.usage.startswith(f"/deal {text.split()[0]}")


def test_help_explains_showing_and_clearing() -> None:
    text = help_text("team")
    assert "manager:none" in text and "Without `manager:` it shows" in text and "e.g." in text
    assert "-legal" in help_text("role")
