"""Settings from the environment and `.env` (SPEC section 1), checked before any network call."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.infra.calendar import BusinessCalendar

ENV_EXAMPLE_HINT = "see .env.example"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./dealroom.db"


class SettingsError(Exception):
    """One line naming the setting and what is wrong with it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False,
        env_ignore_empty=True,  # `NAME=` (as in .env.example) means unset: the default, never an error
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = Field(default=DEFAULT_DATABASE_URL, repr=False)  # may hold a password
    host: str = "0.0.0.0"
    port: int = Field(default=3000, ge=1, le=65535)
    dealroom_public_url: str = "https://dealroom.example.com"
    dealroom_pipeline: str = "standard"
    dealroom_locale: str = "en"
    dealroom_timezone: str = "UTC"
    dealroom_digest_time: str = "09:00"
    dealroom_feed_channel: str | None = None
    dealroom_admins: str = ""
    dealroom_private_channels: bool = True
    dealroom_holidays: str | None = None
    dealroom_backup_dir: Path | None = None
    dealroom_outbox_retention_days: int = Field(default=30, ge=0)  # 0: keep delivered messages forever
    dealroom_health_details: bool = False
    log_level: str = "INFO"

    @field_validator(
        "slack_bot_token", "slack_signing_secret", "slack_app_token", "dealroom_feed_channel",
        "dealroom_holidays", "dealroom_backup_dir", mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not re.match(r"^https?://", value):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("dealroom_locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value not in ("en", "zh-CN"):
            raise ValueError("must be en or zh-CN")
        return value

    @field_validator("dealroom_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as Europe/Berlin") from None
        return value

    @field_validator("dealroom_digest_time")
    @classmethod
    def _digest_time(cls, value: str) -> str:
        if not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", value.strip()):
            raise ValueError("must be a time of day as HH:MM, e.g. 09:00")
        return value.strip()

    @field_validator("dealroom_feed_channel")
    @classmethod
    def _feed_channel(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[CG][A-Z0-9]{2,}", value.strip()):
            raise ValueError("must be a channel ID such as C0123ABCD")
        return value.strip() if value else None

    @field_validator("dealroom_admins")
    @classmethod
    def _admins(cls, value: str) -> str:
        ids = [part.strip() for part in value.split(",") if part.strip()]
        bad = [i for i in ids if not re.fullmatch(r"[UW][A-Z0-9]{2,}", i)]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a Slack user ID such as U0123ABCD")
        return ",".join(ids)

    @field_validator("dealroom_holidays")
    @classmethod
    def _holidays(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return BusinessCalendar(value).country  # refuses a code the holidays package does not know

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    # --- derived values ---------------------------------------------------------------

    @property
    def admin_ids(self) -> frozenset[str]:
        return frozenset(i for i in self.dealroom_admins.split(",") if i)

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def default_tz(self) -> ZoneInfo:
        return ZoneInfo(self.dealroom_timezone)

    @property
    def digest_time(self) -> time:
        hours, minutes = self.dealroom_digest_time.split(":")
        return time(int(hours), int(minutes))

    def bot_token(self) -> str:
        return self.slack_bot_token.get_secret_value() if self.slack_bot_token else ""

    def require_run_settings(self) -> None:
        """What `dealroom run` needs, checked before any network call."""
        token = self.bot_token()
        if not token:
            raise SettingsError(f"SLACK_BOT_TOKEN is not set ({ENV_EXAMPLE_HINT})")
        if not token.startswith("xoxb-"):
            raise SettingsError(f"SLACK_BOT_TOKEN must be a bot token starting with xoxb- ({ENV_EXAMPLE_HINT})")
        if self.slack_app_token is not None:
            if not self.slack_app_token.get_secret_value().startswith("xapp-"):
                raise SettingsError(
                    f"SLACK_APP_TOKEN must be an app-level token starting with xapp- ({ENV_EXAMPLE_HINT})"
                )
        elif self.slack_signing_secret is None:
            raise SettingsError(
                f"SLACK_SIGNING_SECRET is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode) "
                f"({ENV_EXAMPLE_HINT})"
            )


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment and .env; a bad value becomes one SettingsError line."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error.get("loc") else "a setting"
        message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
        raise SettingsError(f"{name}: {message} ({ENV_EXAMPLE_HINT})") from None
