"""The domain's words in Slack's mrkdwn: the one way a domain sentence (models.infra.i18n.Text) becomes Slack text.

The domain says *what* to tell (``t("{who} took {deal}", who=Person("U1"), deal=DealRef(4))``); this module
says it for Slack. The template (ours, or the translator's) is escaped like any of our templates, and each value
is shown by :data:`MRKDWN`: a person as a mention ``<@U…>``, a deal as ``*D-4*``, a stage in the reader's
language, money and moments formatted for the locale, a channel as ``<#C…>``, a command as code, and anything
else, people's own text above all, escaped (bot/blocks/markup.py). Builders reach this through ``mtr``/``mtext``
(bot/blocks/text.py); delivery renders stored sentences (timeline entries, DMs: :func:`body_mrkdwn`) with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks.markup import (
    Mrkdwn,
    channel,
    escape,
    escape_raw,
    fmt_amount,
    fmt_date,
    one_line,
    user,
)
from models.infra.i18n import Text, normalize_locale
from models.infra.words import PLAIN, WORDS, StageName, Style, show
from models.values import zone

UTC = ZoneInfo("UTC")
class MrkdwnStyle:
    """Words as Slack mrkdwn; every piece is escaped, only ids we checked become tokens."""

    def plain(self, text: str) -> str:
        return escape(text)

    def person(self, user_id: str) -> str:
        return user(user_id)

    def deal(self, number: int) -> str:
        return Mrkdwn(f"*D-{int(number)}*")

    def stage(self, stage: StageName, locale: str) -> str:
        return escape(one_line(stage.display(locale)))

    def money(self, amount: Decimal, locale: str) -> str:
        return escape(fmt_amount(amount, locale))

    def moment(self, at: datetime, tz: str, locale: str) -> str:
        return escape(fmt_date(at, zone(tz, UTC), locale))

    def day(self, day: date, locale: str) -> str:
        return escape(PLAIN.day(day, locale))

    def channel(self, channel_id: str) -> str:
        return channel(channel_id)

    def code(self, text: str) -> str:
        return Mrkdwn("`" + escape(one_line(text).replace("`", "'")) + "`")


MRKDWN: Style = MrkdwnStyle()


def mrkdwn_text(text: Text, locale: str | None = "en") -> Mrkdwn:
    """A sentence as mrkdwn in ``locale``: its template escaped, its values in :data:`MRKDWN`."""
    template = replace(text, values=()).render(locale)
    if not text.values:
        return Mrkdwn(escape_raw(template))
    return Mrkdwn(escape_raw(template).format(**{k: mrkdwn_value(v, locale) for k, v in text.values}))


def mrkdwn_value(value: object, locale: str | None = "en") -> object:
    """One value for a mrkdwn template: numbers stay numbers (``{n:.1f}``), :class:`Mrkdwn` stays as built,
    a sentence or a word is rendered, anything else is escaped."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    if isinstance(value, Mrkdwn):
        return value
    if isinstance(value, Text):
        return mrkdwn_text(value, locale)
    if isinstance(value, WORDS):
        return show(value, normalize_locale(locale), MRKDWN)
    return escape(value)


# --- stored sentences: {"locale": "en"|"zh-CN", "text": Text.to_data()} (timeline entries, queued DMs) ---------


def body_text(body: Mapping[str, Any]) -> tuple[Text, str]:
    """The sentence a stored body holds and the language it was written in (it keeps that language)."""
    return Text.from_data(body["text"]), normalize_locale(body.get("locale"))


def body_mrkdwn(body: Mapping[str, Any]) -> Mrkdwn:
    text, locale = body_text(body)
    return mrkdwn_text(text, locale)


def body_plain(body: Mapping[str, Any], style: Style = PLAIN) -> str:
    """The sentence without markup (CSV, search), people shown by ``style``."""
    text, locale = body_text(body)
    return text.render(locale, style)
