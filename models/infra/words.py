"""What a sentence of the domain mentions, as values: a person, a deal, a stage, money, a moment.

The domain never writes Slack's markup (``<@U…>``, ``*D-4*``). It puts these values into a
:class:`~models.infra.i18n.Text` (``t("made {owner} the owner", owner=Person("U1"))``) and each edge
renders them its own way through a :class:`Style`: Slack mrkdwn at delivery (``bot/blocks/words.py``),
plain text for logs, CSV and search (:data:`PLAIN`, here). Values survive a trip through JSON
(:func:`encode` / :func:`decode`), so a timeline entry or a queued DM keeps them until it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from models.infra.formats import format_amount, format_day, format_when


@dataclass(frozen=True, slots=True)
class Person:
    user_id: str


@dataclass(frozen=True, slots=True)
class DealRef:
    number: int


@dataclass(frozen=True, slots=True)
class StageName:
    """A stage as the pipeline names it, in both languages: shown in the reader's."""

    key: str
    name: str
    name_zh: str | None = None

    def display(self, locale: str | None) -> str:
        zh = bool(locale) and str(locale).lower().replace("_", "-").startswith("zh")
        return self.name_zh if zh and self.name_zh else self.name


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Moment:
    """An instant (aware) and the zone it is shown in."""

    at: datetime
    tz: str


@dataclass(frozen=True, slots=True)
class Day:
    day: date


@dataclass(frozen=True, slots=True)
class Channel:
    channel_id: str


@dataclass(frozen=True, slots=True)
class Code:
    """A command, a key or a field name, shown as code: ``/deal info D-4``."""

    text: str


Word = Person | DealRef | StageName | Money | Moment | Day | Channel | Code


class Style(Protocol):
    """How one edge shows the words (and people's own text, ``plain``)."""

    def plain(self, text: str) -> str: ...
    def person(self, user_id: str) -> str: ...
    def deal(self, number: int) -> str: ...
    def stage(self, stage: StageName, locale: str) -> str: ...
    def money(self, amount: Decimal, locale: str) -> str: ...
    def moment(self, at: datetime, tz: str, locale: str) -> str: ...
    def day(self, day: date, locale: str) -> str: ...
    def channel(self, channel_id: str) -> str: ...
    def code(self, text: str) -> str: ...


class PlainStyle:
    """Text without markup: logs, CSV, search, and anywhere a person's own words are shown raw."""

    def plain(self, text: str) -> str:
        return text

    def person(self, user_id: str) -> str:
        return f"@{user_id}"

    def deal(self, number: int) -> str:
        return f"D-{number}"

    def stage(self, stage: StageName, locale: str) -> str:
        return stage.display(locale)

    def money(self, amount: Decimal, locale: str) -> str:
        return format_amount(amount, locale)

    def moment(self, at: datetime, tz: str, locale: str) -> str:
        return format_when(at, ZoneInfo(tz), locale)

    def day(self, day: date, locale: str) -> str:
        return format_day(day, locale)

    def channel(self, channel_id: str) -> str:
        return f"#{channel_id}"

    def code(self, text: str) -> str:
        return text


PLAIN: Style = PlainStyle()


def show(word: Word, locale: str, style: Style) -> str:
    """One word in ``style``."""
    match word:
        case Person(user_id):
            return style.person(user_id)
        case DealRef(number):
            return style.deal(number)
        case StageName():
            return style.stage(word, locale)
        case Money(amount):
            return style.money(amount, locale)
        case Moment(at, tz):
            return style.moment(at, tz, locale)
        case Day(day):
            return style.day(day, locale)
        case Channel(channel_id):
            return style.channel(channel_id)
        case Code(text):
            return style.code(text)
    raise TypeError(f"not a word: {word!r}")


WORDS = (Person, DealRef, StageName, Money, Moment, Day, Channel, Code)


# --- JSON -----------------------------------------------------------------------------------------


def encode(word: Word) -> dict[str, Any]:
    match word:
        case Person(user_id):
            return {"person": user_id}
        case DealRef(number):
            return {"deal": number}
        case StageName(key, name, name_zh):
            return {"stage": [key, name, name_zh]}
        case Money(amount):
            return {"money": str(amount)}
        case Moment(at, tz):
            return {"moment": at.isoformat(), "tz": tz}
        case Day(day):
            return {"day": day.isoformat()}
        case Channel(channel_id):
            return {"channel": channel_id}
        case Code(text):
            return {"code": text}
    raise TypeError(f"not a word: {word!r}")


def decode(data: dict[str, Any]) -> Word | None:
    """The word a dict from :func:`encode` holds; None when it holds none."""
    if "person" in data:
        return Person(str(data["person"]))
    if "deal" in data:
        return DealRef(int(data["deal"]))
    if "stage" in data:
        key, name, name_zh = data["stage"]
        return StageName(key, name, name_zh)
    if "money" in data:
        return Money(Decimal(data["money"]))
    if "moment" in data:
        return Moment(datetime.fromisoformat(data["moment"]), str(data["tz"]))
    if "day" in data:
        return Day(date.fromisoformat(data["day"]))
    if "channel" in data:
        return Channel(str(data["channel"]))
    if "code" in data:
        return Code(str(data["code"]))
    return None
