"""models.slugs: pinyin slugs and deal channel names (SPEC 2, 3)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.deals.slugs import channel_name, slugify_name


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("华为 Cloud", "hua-wei-cloud"),
        ("华为Cloud", "hua-wei-cloud"),
        ("重庆银行", "chong-qing-yin-hang"),  # phrase-aware: 重 is chong here, 行 is hang
        ("绿地集团", "lv-di-ji-tuan"),
        ("Acme Corp", "acme-corp"),
        ("ACME   Corp.", "acme-corp"),
        ("Ça va — très bien!", "ca-va-tres-bien"),
        ("McDonald’s", "mcdonalds"),
        ("my_company", "my-company"),
        ("ＡＢＣ　公司", "abc-gong-si"),  # full-width letters and space
        ("Acme 2026", "acme-2026"),
        ("Москва", "moskva"),
        ("😀🎉", ""),
        ("!!!", ""),
        ("", ""),
    ],
)
def test_slugify_name(text: str, slug: str) -> None:
    assert slugify_name(text, 80) == slug


def test_slugify_truncates_on_a_word_boundary() -> None:
    assert slugify_name("alpha beta gamma", 12) == "alpha-beta"
    assert slugify_name("alpha beta gamma", 10) == "alpha-beta"
    assert slugify_name("alpha beta gamma", 9) == "alpha"
    assert slugify_name("abcdefghij", 4) == "abcd"  # no boundary: hard cut
    assert slugify_name("华为技术有限公司", 11) == "hua-wei-ji"
    assert slugify_name("anything", 0) == ""


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((42, "华为 Cloud", "Big deal"), "deal-42-hua-wei-cloud"),
        ((42, None, "Big deal"), "deal-42-big-deal"),
        ((42, "", "Big deal"), "deal-42-big-deal"),
        ((42, "   ", "Big deal"), "deal-42-big-deal"),
        ((42, "🎉", "Big deal"), "deal-42-big-deal"),  # customer gives no slug: the title does
        ((42, "🎉", "🎉"), "deal-42"),
        ((42, None, "..."), "deal-42"),
        ((7, "Acme", "x", 2), "deal-7-acme-2"),
        ((7, "Acme", "x", 13), "deal-7-acme-13"),
        ((7, None, "😀", 2), "deal-7-2"),
    ],
)
def test_channel_name(args: tuple, name: str) -> None:
    assert channel_name(*args) == name


def test_long_names_fit_and_keep_the_prefix() -> None:
    title = " ".join(["enterprise"] * 20)
    name = channel_name(123, None, title)
    assert len(name) <= 80 and name.startswith("deal-123-enterprise-") and not name.endswith("-")
    assert name == "deal-123-" + "-".join(["enterprise"] * 6)  # 9 + 6*11-1 = 74; a 7th would be 85
    second = channel_name(123, None, title, attempt=2)
    assert len(second) <= 80 and second.endswith("-2") and second != name
    one_word = channel_name(5, "x" * 200, "t", attempt=3)
    assert len(one_word) == 80 and one_word.startswith("deal-5-xxx") and one_word.endswith("x-3")


def test_attempts_differ_even_when_the_slug_ends_like_a_suffix() -> None:
    # Attempt 1 is cut right after the word "2"; attempt 2 has 2 characters less room, so
    # its slug is cut before the "2" and "-2" is appended: the same name, unless avoided.
    customer = "a" * 70 + " 2 tail"
    first = channel_name(1, customer, "t")
    assert first == "deal-1-" + "a" * 70 + "-2"
    second = channel_name(1, customer, "t", attempt=2)
    assert second == "deal-1-" + "a" * 69 + "-2"


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        channel_name(-1, None, "x")
    with pytest.raises(ValueError):
        channel_name(1, None, "x", attempt=0)


@given(text=st.text(max_size=120))
def test_slug_properties(text: str) -> None:
    slug = slugify_name(text, 40)
    assert re.fullmatch(r"[a-z0-9-]*", slug)
    assert len(slug) <= 40
    assert "--" not in slug and not slug.startswith("-") and not slug.endswith("-")


@given(
    number=st.integers(min_value=1, max_value=10**9),
    customer=st.none() | st.text(max_size=100),
    title=st.text(max_size=150),
    attempts=st.lists(st.integers(min_value=1, max_value=10_000), min_size=2, max_size=5, unique=True),
)
def test_channel_name_properties(number: int, customer: str | None, title: str, attempts: list[int]) -> None:
    names = [channel_name(number, customer, title, attempt) for attempt in attempts]
    pattern = re.compile(rf"^deal-{number}(-[a-z0-9_-]*)?$")
    for name in names:
        assert pattern.match(name), name
        assert len(name) <= 80
        assert "--" not in name and not name.endswith("-")
    assert len(set(names)) == len(names)


@given(
    number=st.integers(min_value=1, max_value=10**6),
    words=st.lists(st.sampled_from(["a", "2", "3", "12", "acme", "x" * 30]), max_size=30),
    attempt=st.integers(min_value=2, max_value=13),
)
def test_attempts_never_collide_with_the_first(number: int, words: list[str], attempt: int) -> None:
    text = " ".join(words)
    assert channel_name(number, text, "t", attempt) != channel_name(number, text, "t")
