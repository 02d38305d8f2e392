"""`/deal territory` and `/deal report territory:<key>` parsing; the territory list in both languages;
the effective reps (pure parts)."""

from __future__ import annotations

import json

import pytest

from bot.blocks.territories import territories_reply
from handlers.commands.table import Report, Territory, UsageError
from models.pipeline.territories import Territory as Line
from models.territories.admin import TerritoryState
from tests.blocklimits import assert_message_within_limits
from tests.unit.test_grammar import parse


@pytest.mark.parametrize(("text", "expected"), [
    ("territory", Territory()),
    ("territory EMEA", Territory("EMEA", "show")),
    ("territory emea add <@U0A|ana> <@U0B>", Territory("emea", "add", ("U0A", "U0B"))),
    ("territory emea remove <@U0A>", Territory("emea", "remove", ("U0A",))),
    ("territory emea manager <@U0M|mia>", Territory("emea", "manager", ("U0M",))),
    ("report territory:emea", Report("month", "territory", None, "emea")),
    ("report week territory:emea", Report("week", "territory", None, "emea")),
])
def test_territory_forms(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(("text", "match"), [
    ("territory emea promote <@U0A>", "add @rep, remove @rep or manager @user"),
    ("territory emea add", "add @rep, remove @rep or manager @user"),
    ("territory emea add bob", "add @rep, remove @rep or manager @user"),
    ("territory emea manager <@U0A> <@U0B>", "Mention one person to manager"),
    ("territory <@U0A>", "Name the territory by its key"),
    ("report team territory:emea", "one scope"),
    ("report territory:", "needs a value"),
])
def test_territory_mistakes_say_the_right_form(text: str, match: str) -> None:
    with pytest.raises(UsageError, match=match) as info:
        parse(text)
    assert info.value.usage.startswith("/deal ")


def _state(**changes: object) -> TerritoryState:
    default = Line(key="emea", name="EMEA", reps=("U0A", "U0B"), manager="U0M", region=("emea", "europe"))
    from dataclasses import replace
    return TerritoryState(replace(default, **changes), default)  # type: ignore[arg-type]


@pytest.mark.parametrize(("locale", "words"), [
    ("en", ["Territories", "*EMEA* (`emea`)", "Region: emea, europe", "Manager: <@U0M>", "Reps: <@U0A>, <@U0B>",
            "Changed with /deal territory"]),
    ("zh-CN", ["销售区域", "负责经理：<@U0X>", "销售：<@U0A>", "已通过 /deal territory 调整"]),
])
def test_the_list_in_both_languages(locale: str, words: list[str]) -> None:
    changed = _state(manager="U0X") if locale == "zh-CN" else _state(reps=("U0A", "U0B", "U0C"))
    message = territories_reply([changed, _state()], locale=locale)
    assert_message_within_limits(message)
    text = json.dumps(message.blocks, ensure_ascii=False)
    for word in words:
        assert word in text, word
    assert _state().changed is False and changed.changed is True


def test_many_territories_stay_within_the_block_limit() -> None:
    many = [_state(key=f"t{n}", name=f"T{n}", manager=None) for n in range(60)]
    message = territories_reply(many)
    assert_message_within_limits(message)
    assert "…and 40 more." in json.dumps(message.blocks, ensure_ascii=False)
