"""The playground's pure parts: Slack's command escaping, the saved workspace, its settings."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.config.settings import Settings
from bot.devtools.emulator import SlackEmulator
from bot.devtools.playground import persist
from bot.devtools.playground.cast import seed_slack
from bot.devtools.playground.server import PLAYGROUND_DB, playground_settings
from bot.devtools.playground.slack_client import escape_command_text


def seeded() -> SlackEmulator:
    slack = SlackEmulator()
    seed_slack(slack)
    return slack


def test_mentions_by_name_become_slack_mentions() -> None:
    slack = seeded()
    general = slack.channel_named("general")
    assert general is not None
    assert escape_command_text("assign @ben", slack) == "assign <@U0REP2|ben>"
    assert escape_command_text("new Pilot owner:@Ana", slack) == "new Pilot owner:<@U0REP1|ana>"
    assert escape_command_text("note see #general", slack) == f"note see <#{general.id}|general>"
    assert escape_command_text("note mail bob@acme.com and @nobody", slack) == "note mail bob@acme.com and @nobody"


def test_ampersand_and_angle_brackets_are_escaped_as_slack_does() -> None:
    assert escape_command_text('new R&D <b> "x" > 5', seeded()) == 'new R&amp;D &lt;b&gt; "x" &gt; 5'


@given(st.text(alphabet=st.characters(blacklist_characters="@#", blacklist_categories=("Cs",))))
def test_escaping_without_mentions_is_undone_by_unescaping(text: str) -> None:
    escaped = escape_command_text(text, seeded())
    assert "<" not in escaped and ">" not in escaped
    assert escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text


def test_the_saved_workspace_comes_back_as_it_was(tmp_path: Path) -> None:
    from datetime import timedelta

    slack = seeded()
    channel = slack.add_channel("deal-1-acme", is_private=True, members=["U0REP1", slack.bot_user_id])
    card = slack.add_message(channel.id, slack.bot_user_id, "card", blocks=[{"type": "divider"}])
    channel.pins.append(card.ts)
    channel.pinned_by[card.ts] = (slack.bot_user_id, 1)
    channel.topic = "Stage: Lead"
    path = tmp_path / "pg.slack.json"
    persist.save(path, slack, timedelta(hours=25))

    again = SlackEmulator()
    assert persist.load(path, again) == timedelta(hours=25)
    seed_slack(again)  # what a restart does next: nothing is added twice
    assert again.channels == slack.channels
    assert again.messages == slack.messages
    assert again.ims == slack.ims
    assert again.next_id("C") == slack.next_id("C")
    assert float(again.next_ts()) > float(card.ts)


def test_an_unreadable_saved_workspace_starts_empty(tmp_path: Path) -> None:
    path = tmp_path / "pg.slack.json"
    path.write_text("{not json")
    slack = SlackEmulator()
    assert persist.load(path, slack).total_seconds() == 0
    assert not [c for c in slack.channels.values() if not c.is_im]


def test_playground_settings_local_slack_local_database_and_the_cast_admin() -> None:
    base = Settings(_env_file=None, host="0.0.0.0", dealroom_admins="U0OTHER", slack_app_token="xapp-1")
    settings = playground_settings(base, signing_secret="s3cret", api_url="http://127.0.0.1:1234/api/")
    assert settings.database_url == PLAYGROUND_DB
    assert settings.admin_ids == {"U0OTHER", "U0ADMIN"}
    assert settings.host == "127.0.0.1"
    assert not settings.socket_mode
    assert settings.slack_api_url == "http://127.0.0.1:1234/api/"
    settings.require_run_settings()

    chosen = Settings(_env_file=None, database_url="sqlite+aiosqlite:///./elsewhere.db")
    assert playground_settings(chosen, signing_secret="s", api_url="http://x/").database_url.endswith("elsewhere.db")


def test_the_playground_clock_follows_the_process_clock_and_only_jumps_forward() -> None:
    from datetime import UTC, datetime, timedelta

    import pytest

    from bot.devtools.playground.clock import OffsetClock
    from models.infra.clock import FakeClock

    base = FakeClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    clock = OffsetClock(base)
    assert clock.now() == base.now()
    base.advance(timedelta(seconds=5))
    assert clock.now() == base.now()
    later = clock.advance(timedelta(days=1))
    assert later == base.now() + timedelta(days=1) == clock.now()
    assert clock.timestamp() == clock.now().timestamp()
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))
