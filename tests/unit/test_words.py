"""The domain's words (models/infra/words.py): rendered by a style, kept through JSON."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from models.infra.i18n import Text, t
from models.infra.words import PLAIN, Channel, Code, Day, DealRef, Moment, Money, Person, StageName

WORDS = [Person("U1"), DealRef(4), StageName("lead", "Lead", "线索"), Money(Decimal("150000")),
         Moment(datetime(2026, 12, 1, 13, 0, tzinfo=UTC), "Europe/Berlin"), Day(date(2026, 12, 1)), Channel("C1"),
         Code("/deal info D-4")]


class Marked:
    """A style that shows which kind of word it was given."""

    def plain(self, text: str) -> str:
        return f"[{text}]"

    def person(self, user_id: str) -> str:
        return f"<@{user_id}>"

    def deal(self, number: int) -> str:
        return f"*D-{number}*"

    def stage(self, stage: StageName, locale: str) -> str:
        return f"<{stage.display(locale)}>"

    def money(self, amount: Decimal, locale: str) -> str:
        return f"${amount}"

    def moment(self, at: datetime, tz: str, locale: str) -> str:
        return f"{at:%H:%M} {tz}"

    def day(self, day: date, locale: str) -> str:
        return day.isoformat()

    def channel(self, channel_id: str) -> str:
        return f"<#{channel_id}>"

    def code(self, text: str) -> str:
        return f"`{text}`"


def test_a_style_renders_each_word_and_the_persons_own_text() -> None:
    text = t("{who} moved {deal} to {stage} ({note})", who=Person("U1"), deal=DealRef(4),
             stage=StageName("lead", "Lead", "线索"), note="<!here> & co")
    assert text.render("en", Marked()) == "<@U1> moved *D-4* to <Lead> ([<!here> & co])"
    assert text.render("zh-CN", Marked()).endswith("<线索> ([<!here> & co])")
    assert text.render("en") == "@U1 moved D-4 to Lead (<!here> & co)"


def test_plain_text_shows_money_and_moments_in_the_locale() -> None:
    assert t("{a}", a=Money(Decimal("150000"))).render("zh-CN") == "15万"
    assert "(Europe/Berlin)" in t("{m}", m=Moment(datetime(2026, 12, 1, 13, tzinfo=UTC), "Europe/Berlin")).render()
    assert PLAIN.person("U1") == "@U1"


def test_every_word_survives_json() -> None:
    text = t("{a} {b} {c} {d} {e} {f} {g} {h} {n} {nested}", **dict(zip("abcdefgh", WORDS, strict=True)), n=3,
             nested=t("by {who}", who=Person("U2")))
    assert Text.from_data(text.to_data()) == text


@given(st.text(), st.integers(), st.text())
def test_any_text_values_survive_json(plain: str, number: int, key: str) -> None:
    text = Text("{a} {b}", (("a", plain), ("b", number)), context=key or None)
    assert Text.from_data(text.to_data()) == text
