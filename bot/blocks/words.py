"""The domain's words in Slack's mrkdwn: a person is a mention, a deal *D-4*, a command `code`, and people's
own text is escaped (models/infra/words.py says what a word is; each edge says how it looks).

:func:`mrkdwn_text` renders a whole :class:`~models.infra.i18n.Text` for Slack: its translated template is our
wording (escaped, so ``/deal lost <reason>`` stays text), its values are rendered in :data:`MRKDWN`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks.text import Mrkdwn, channel, escape, fmt_amount, fmt_date, user
from models.infra.i18n import Text, normalize_locale
from models.infra.words import PLAIN, WORDS, StageName, Style, show


class MrkdwnStyle:
    """Slack's mrkdwn: everything it returns is safe to put in a mrkdwn text object."""

    def plain(self, text: str) -> str:
        return escape(text)

    def person(self, user_id: str) -> str:
        return user(user_id)

    def deal(self, number: int) -> str:
        return f"*D-{number}*"

    def stage(self, stage: StageName, locale: str) -> str:
        return escape(stage.display(locale))

    def money(self, amount: Decimal, locale: str) -> str:
        return escape(fmt_amount(amount, locale))

    def moment(self, at: datetime, tz: str, locale: str) -> str:
        return escape(fmt_date(at, ZoneInfo(tz), locale))

    def day(self, day: date, locale: str) -> str:
        return escape(PLAIN.day(day, locale))

    def channel(self, channel_id: str) -> str:
        return channel(channel_id)

    def code(self, text: str) -> str:
        return f"`{escape(text)}`"


MRKDWN: Style = MrkdwnStyle()


def mrkdwn_text(text: Text, locale: str | None = "en") -> Mrkdwn:
    """A domain sentence as mrkdwn, in ``locale``: the template escaped, the values in :data:`MRKDWN`."""
    template = escape(replace(text, values=()).render(locale))
    if not text.values:
        return template
    return Mrkdwn(template.format(**{k: mrkdwn_value(v, locale) for k, v in text.values}))


def mrkdwn_value(value: Any, locale: str | None) -> Any:
    """One value of a sentence as mrkdwn (numbers stay numbers, for format specs such as ``{n:.1f}``)."""
    if isinstance(value, Text):
        return mrkdwn_text(value, locale)
    if isinstance(value, WORDS):
        return show(value, normalize_locale(locale), MRKDWN)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return value
    return escape(value)
