"""Slugs and deal channel names (SPEC 2 end, SPEC 3). Pure: no Slack, no I/O.

``slugify_name`` turns a customer or title into ``[a-z0-9-]``: Han characters become
toneless pinyin syllables (pypinyin, phrase-aware, so 重庆 → chong-qing), Latin words are
kept, everything else goes through python-slugify (accents dropped, other scripts
transliterated, emoji and punctuation removed). Underscores are treated as separators.

``channel_name`` builds ``deal-<n>[-<slug>][-<attempt>]`` within Slack's 80 characters.
"""

from __future__ import annotations

import re
import unicodedata

from slugify import slugify

__all__ = ["MAX_CHANNEL_NAME", "channel_name", "slugify_name"]

MAX_CHANNEL_NAME = 80

_DISALLOWED = re.compile(r"[^a-z0-9-]+")
_HAN = re.compile("[\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3038-\u303b\u3400-\u4dbf\u4e00-\u9fff"
                  "\uf900-\ufaff\U00020000-\U0003ffff]")


def _pinyin(text: str) -> list[str]:
    # Imported on first use: its phrase dictionary costs about 55 MB that Latin names never need.
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(text, style=Style.NORMAL, errors="default")
_APOSTROPHES = [["'", ""], ["’", ""], ["`", ""]]


def slugify_name(text: str, max_len: int) -> str:
    """A slug of at most ``max_len`` characters, cut on a ``-`` boundary when possible,
    with no leading, trailing or doubled ``-``; ``""`` when nothing usable is left."""
    if max_len <= 0 or not text:
        return ""
    normalized = unicodedata.normalize("NFKC", text)
    # lazy_pinyin turns each Han character into a toneless syllable and keeps runs of
    # other characters as they are; spaces between the items make them separate words.
    words = _pinyin(normalized) if _HAN.search(normalized) else [normalized]
    slug = slugify(
        " ".join(words),
        separator="-",
        lowercase=True,
        replacements=_APOSTROPHES,
        regex_pattern=_DISALLOWED,
    )
    slug = _DISALLOWED.sub("-", slug.lower())  # belt and braces: ASCII only
    slug = re.sub(r"-{2,}", "-", slug).strip("-")
    return _truncate(slug, max_len)


def channel_name(number: int, customer: str | None, title: str, attempt: int = 1) -> str:
    """The deal channel's name: ``deal-<number>-<slug>``, at most 80 characters.

    The slug comes from the customer, else (no customer, or one that gives an empty slug,
    such as only emoji) from the title; with no usable slug the name is ``deal-<number>``.
    ``attempt`` ≥ 2 (after Slack's ``name_taken``) appends ``-<attempt>``, shortening the
    slug to make room; the ``deal-<number>`` prefix is never cut, and different attempts
    always give different names.
    """
    if isinstance(number, bool) or not isinstance(number, int) or number < 0:
        raise ValueError(f"number must be a whole number ≥ 0 (got {number!r})")
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
        raise ValueError(f"attempt must be a whole number ≥ 1 (got {attempt!r})")
    prefix = f"deal-{number}"
    suffix = f"-{attempt}" if attempt >= 2 else ""
    if len(prefix) + len(suffix) > MAX_CHANNEL_NAME:
        raise ValueError(f"deal number {number} and attempt {attempt} do not fit in a channel name")

    def slug_within(room: int) -> str:
        for source in (customer, title):
            if source and source.strip():
                slug = slugify_name(source, room)
                if slug:
                    return slug
        return ""

    room = MAX_CHANNEL_NAME - len(prefix) - len(suffix) - 1  # 1 for the '-' before the slug
    slug = slug_within(room)
    if suffix:
        # Attempt 1 has no suffix, so its name could end in "-<attempt>" by itself
        # when its slug was cut right after a word that is that number. Shorten this slug by a
        # character then: the name gets shorter than attempt 1's, so it differs.
        first = slug_within(MAX_CHANNEL_NAME - len(prefix) - 1)
        if slug and f"{slug}{suffix}" == first:
            slug = slug[:-1].rstrip("-")
        if not slug and suffix == f"-{first}":  # only with absurdly long numbers
            raise ValueError(f"no channel name for deal {number}, attempt {attempt}, differs from attempt 1")
    return f"{prefix}-{slug}{suffix}" if slug else f"{prefix}{suffix}"


def _truncate(slug: str, max_len: int) -> str:
    if len(slug) <= max_len:
        return slug
    cut = slug[: max_len + 1].rfind("-")  # a '-' right after max_len chars is a clean cut
    head = slug[:cut] if cut > 0 else slug[:max_len]
    return head.strip("-")
