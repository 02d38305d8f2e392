"""Settings (SPEC section 1): defaults, empty values, malformed values, what `dealroom run` requires,
and that secrets stay secret.

Every test builds Settings with `_env_file=None` from a cleaned, monkeypatched environment, so neither the
developer's `.env` nor their shell can leak in.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.config.settings import Settings, SettingsError, load_settings

REPO = Path(__file__).resolve().parents[2]

# SPEC section 1, one row per setting: environment name -> default as the Settings field holds it.
DEFAULTS: dict[str, Any] = {
    "SLACK_BOT_TOKEN": None,
    "SLACK_SIGNING_SECRET": None,
    "SLACK_APP_TOKEN": None,
    "SLACK_API_URL": "https://slack.com/api/",
    "DATABASE_URL": "sqlite+aiosqlite:///./dealroom.db",
    "HOST": "0.0.0.0",
    "PORT": 3000,
    "DEALROOM_PUBLIC_URL": "https://dealroom.example.com",
    "DEALROOM_PIPELINE": "standard",
    "DEALROOM_LOCALE": "en",
    "DEALROOM_TIMEZONE": "UTC",
    "DEALROOM_DIGEST_TIME": "09:00",
    "DEALROOM_FEED_CHANNEL": None,
    "DEALROOM_ADMINS": "",
    "DEALROOM_PRIVATE_CHANNELS": True,
    "DEALROOM_HOLIDAYS": None,
    "DEALROOM_BACKUP_DIR": None,
    "DEALROOM_OUTBOX_RETENTION_DAYS": 30,
    "LOG_LEVEL": "INFO",
}

BOT_TOKEN = "xoxb-1111-2222-SeCrEtBoTtOkEn"
SIGNING_SECRET = "s3cr3t-signing-0123456789abcdef"
APP_TOKEN = "xapp-1-A111-222-SeCrEtApPtOkEn"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in DEFAULTS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.chdir(tmp_path)  # belt and braces: no .env in the working directory either
    return monkeypatch


def settings_from(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_settings(_env_file=None)


def settings_error(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    with pytest.raises(SettingsError) as caught:
        settings_from(monkeypatch, **env)
    return str(caught.value)


def assert_one_line_naming(message: str, setting: str) -> None:
    assert "\n" not in message and "\r" not in message, message
    assert setting in message, message
    assert ".env.example" in message, message
    assert "Traceback" not in message and "ValidationError" not in message, message
    assert "pydantic" not in message.lower(), message  # no "For further information visit errors.pydantic.dev"


def field_value(settings: Settings, name: str) -> Any:
    value = getattr(settings, name.lower())
    return value.get_secret_value() if isinstance(value, SecretStr) else value


# --- defaults ---------------------------------------------------------------------------------------


def test_every_setting_has_its_spec_default(clean_env: pytest.MonkeyPatch) -> None:
    settings = settings_from(clean_env)
    assert set(DEFAULTS) <= {name.upper() for name in Settings.model_fields}, "a SPEC setting is missing"
    for name, default in DEFAULTS.items():
        assert field_value(settings, name) == default, name
    assert settings.socket_mode is False
    assert settings.bot_token() == ""
    assert settings.admin_ids == frozenset()
    assert settings.digest_time == time(9, 0)
    assert str(settings.default_tz) == "UTC"


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_an_empty_value_counts_as_unset(clean_env: pytest.MonkeyPatch, name: str) -> None:
    """`.env.example` has `NAME=` lines; an empty value must mean the default, never an error."""
    settings = settings_from(clean_env, **{name: ""})
    assert field_value(settings, name) == DEFAULTS[name]


@pytest.mark.parametrize("name", ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DEALROOM_FEED_CHANNEL",
                                  "DEALROOM_HOLIDAYS", "DEALROOM_BACKUP_DIR"])
def test_a_blank_optional_value_counts_as_unset(clean_env: pytest.MonkeyPatch, name: str) -> None:
    settings = settings_from(clean_env, **{name: "   "})
    assert getattr(settings, name.lower()) is None


def test_env_example_itself_gives_the_defaults_and_no_token(clean_env: pytest.MonkeyPatch) -> None:
    """A newcomer's first step is `cp .env.example .env`: that file must load, with no token."""
    settings = load_settings(_env_file=REPO / ".env.example")
    for name, default in DEFAULTS.items():
        assert field_value(settings, name) == default, name
    with pytest.raises(SettingsError, match=r"SLACK_BOT_TOKEN.*\.env\.example"):
        settings.require_run_settings()


def test_the_environment_overrides_the_env_file(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env_file = tmp_path / "custom.env"
    env_file.write_text(f"SLACK_BOT_TOKEN={BOT_TOKEN}\nPORT=4000\nDEALROOM_LOCALE=zh-CN\n", encoding="utf-8")
    clean_env.setenv("PORT", "5000")
    settings = load_settings(_env_file=env_file)
    assert settings.bot_token() == BOT_TOKEN
    assert settings.port == 5000
    assert settings.dealroom_locale == "zh-CN"


def test_well_formed_values_are_read(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = settings_from(
        clean_env,
        SLACK_API_URL="http://127.0.0.1:8123/api",
        DATABASE_URL="postgresql+asyncpg://dealroom@db:5432/dealroom",
        HOST="127.0.0.1",
        PORT="8080",
        DEALROOM_LOCALE="zh-CN",
        DEALROOM_TIMEZONE="Asia/Shanghai",
        DEALROOM_DIGEST_TIME="18:30",
        DEALROOM_FEED_CHANNEL="C0123ABCD",
        DEALROOM_ADMINS="U0123ABCD, W0456EFGH",
        DEALROOM_PRIVATE_CHANNELS="false",
        DEALROOM_HOLIDAYS="CN",
        DEALROOM_BACKUP_DIR=str(tmp_path / "backups"),
        DEALROOM_OUTBOX_RETENTION_DAYS="7",
        LOG_LEVEL="debug",
    )
    assert settings.slack_api_url == "http://127.0.0.1:8123/api/"
    assert settings.port == 8080
    assert settings.host == "127.0.0.1"
    assert str(settings.default_tz) == "Asia/Shanghai"
    assert settings.digest_time == time(18, 30)
    assert settings.dealroom_feed_channel == "C0123ABCD"
    assert settings.admin_ids == frozenset({"U0123ABCD", "W0456EFGH"})
    assert settings.dealroom_private_channels is False
    assert settings.dealroom_holidays == "CN"
    assert settings.dealroom_backup_dir == tmp_path / "backups"
    assert settings.dealroom_outbox_retention_days == 7
    assert settings.log_level == "DEBUG"


# --- malformed values -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "abc"),
        ("PORT", "0"),
        ("PORT", "70000"),
        ("DEALROOM_TIMEZONE", "Mars/Base"),
        ("DEALROOM_LOCALE", "fr"),
        ("DATABASE_URL", "mysql://dealroom:hunter2@db/dealroom"),
        ("DATABASE_URL", "sqlite:///./dealroom.db"),
        ("DEALROOM_DIGEST_TIME", "25:00"),
        ("DEALROOM_DIGEST_TIME", "9am"),
        ("DEALROOM_ADMINS", "bob"),
        ("DEALROOM_ADMINS", "U0123ABCD,bob"),
        ("DEALROOM_FEED_CHANNEL", "general"),
        ("DEALROOM_FEED_CHANNEL", "#general"),
        ("SLACK_API_URL", "ftp://x"),
        ("DEALROOM_PRIVATE_CHANNELS", "maybe"),
        ("LOG_LEVEL", "LOUD"),
        ("DEALROOM_OUTBOX_RETENTION_DAYS", "-1"),
        ("DEALROOM_OUTBOX_RETENTION_DAYS", "a month"),
    ],
)
def test_a_malformed_value_is_one_line_naming_the_setting(
    clean_env: pytest.MonkeyPatch, name: str, value: str
) -> None:
    message = settings_error(clean_env, **{name: value})
    assert_one_line_naming(message, name)
    assert "hunter2" not in message  # a password in DATABASE_URL is not echoed


def test_a_settings_error_carries_no_chained_validation_error(clean_env: pytest.MonkeyPatch) -> None:
    """pydantic's ValidationError repeats the input values; it must not ride along as __cause__/__context__."""
    clean_env.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    clean_env.setenv("PORT", "abc")
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ is True


def test_several_malformed_values_still_give_one_line(clean_env: pytest.MonkeyPatch) -> None:
    message = settings_error(clean_env, PORT="abc", DEALROOM_LOCALE="fr", DEALROOM_TIMEZONE="Mars/Base")
    assert "\n" not in message
    assert any(name in message for name in ("PORT", "DEALROOM_LOCALE", "DEALROOM_TIMEZONE")), message
    assert ".env.example" in message


# --- what `dealroom run` requires -------------------------------------------------------------------------


def run_error(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    settings = settings_from(monkeypatch, **env)
    with pytest.raises(SettingsError) as caught:
        settings.require_run_settings()
    return str(caught.value)


@pytest.mark.parametrize("env", [{}, {"SLACK_BOT_TOKEN": ""}, {"SLACK_BOT_TOKEN": "  "}],
                         ids=["unset", "empty", "blank"])
def test_run_needs_a_bot_token(clean_env: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    message = run_error(clean_env, SLACK_SIGNING_SECRET=SIGNING_SECRET, **env)
    assert_one_line_naming(message, "SLACK_BOT_TOKEN")


@pytest.mark.parametrize("token", ["xoxp-1111-2222-SeCrEtUsErToKeN", "xapp-1-SeCrEtApPtOkEn", "SeCrEtNoPrEfIx"])
def test_run_needs_a_bot_token_starting_with_xoxb(clean_env: pytest.MonkeyPatch, token: str) -> None:
    message = run_error(clean_env, SLACK_BOT_TOKEN=token, SLACK_SIGNING_SECRET=SIGNING_SECRET)
    assert_one_line_naming(message, "SLACK_BOT_TOKEN")
    assert "xoxb-" in message  # says what is expected
    assert token not in message and "SeCrEt" not in message


@pytest.mark.parametrize("env", [{}, {"SLACK_SIGNING_SECRET": ""}, {"SLACK_APP_TOKEN": ""}],
                         ids=["unset", "empty-secret", "empty-app-token"])
def test_http_mode_needs_a_signing_secret(clean_env: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    message = run_error(clean_env, SLACK_BOT_TOKEN=BOT_TOKEN, **env)
    assert_one_line_naming(message, "SLACK_SIGNING_SECRET")
    assert BOT_TOKEN not in message


@pytest.mark.parametrize("app_token", ["bad", "xoxb-SeCrEtWrOnGkInD", "xoxp-SeCrEt"])
def test_an_app_token_must_start_with_xapp(clean_env: pytest.MonkeyPatch, app_token: str) -> None:
    message = run_error(clean_env, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
                        SLACK_APP_TOKEN=app_token)
    assert_one_line_naming(message, "SLACK_APP_TOKEN")
    assert "xapp-" in message
    assert app_token not in message and BOT_TOKEN not in message


def test_socket_mode_does_not_need_a_signing_secret(clean_env: pytest.MonkeyPatch) -> None:
    settings = settings_from(clean_env, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN)
    settings.require_run_settings()
    assert settings.socket_mode is True
    assert settings.slack_signing_secret is None


def test_http_mode_with_token_and_secret_is_ready(clean_env: pytest.MonkeyPatch) -> None:
    settings = settings_from(clean_env, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET)
    settings.require_run_settings()
    assert settings.socket_mode is False
    assert settings.bot_token() == BOT_TOKEN


def test_the_bot_token_is_checked_before_the_app_token(clean_env: pytest.MonkeyPatch) -> None:
    message = run_error(clean_env, SLACK_APP_TOKEN="bad")
    assert_one_line_naming(message, "SLACK_BOT_TOKEN")


# --- secrets stay secret -----------------------------------------------------------------------------------


def test_secrets_never_appear_in_repr_or_str(clean_env: pytest.MonkeyPatch) -> None:
    settings = settings_from(clean_env, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
                             SLACK_APP_TOKEN=APP_TOKEN)
    for field in ("slack_bot_token", "slack_signing_secret", "slack_app_token"):
        assert isinstance(getattr(settings, field), SecretStr), field
    for text in (repr(settings), str(settings), repr(settings.model_dump()), settings.model_dump_json()):
        for secret in (BOT_TOKEN, SIGNING_SECRET, APP_TOKEN):
            assert secret not in text
        assert "SeCrEt" not in text and "s3cr3t" not in text
    assert settings.bot_token() == BOT_TOKEN  # still usable where it is needed


def test_secrets_never_appear_in_an_error_about_another_setting(clean_env: pytest.MonkeyPatch) -> None:
    message = settings_error(clean_env, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
                             SLACK_APP_TOKEN=APP_TOKEN, DEALROOM_LOCALE="fr")
    assert_one_line_naming(message, "DEALROOM_LOCALE")
    for secret in (BOT_TOKEN, SIGNING_SECRET, APP_TOKEN):
        assert secret not in message


def test_holidays_take_a_known_country_code(clean_env: pytest.MonkeyPatch) -> None:
    assert settings_from(clean_env, DEALROOM_HOLIDAYS="us").dealroom_holidays == "US"
    assert "DEALROOM_HOLIDAYS" in settings_error(clean_env, DEALROOM_HOLIDAYS="Mars")
