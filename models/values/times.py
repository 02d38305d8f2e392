"""Times as users type them (SPEC 2), read in the caller's time zone; shown by models/infra/formats.py.

Pure: no Slack, no I/O; a reading error is a :class:`WhenError`. The forms themselves are in
models/values/time_forms.py, the English long tail in models/values/time_fallback.py.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.infra.formats import format_when
from models.infra.i18n import t
from models.values.errors import WhenError
from models.values.reading import show
from models.values.time_fallback import parse_long_tail
from models.values.time_forms import MAX_WHEN_TEXT, Invalid, normalize_when, parse_exact

__all__ = ["parse_when", "split_when", "zone"]


def parse_when(text: str, *, now: datetime, tz: tzinfo, locale: str = "en", future_only: bool = True) -> datetime:
    """Read a time as the caller means it in ``tz``; return an aware UTC datetime.

    English and Chinese forms are accepted in every locale (``locale`` is accepted for
    symmetry and future use). A date alone means 09:00 local time; a time alone means today.
    With ``future_only``, a result not after ``now`` raises :class:`WhenError`.
    """
    if not isinstance(text, str):
        raise WhenError(t("I could not read that as a time."))
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    raw = text
    s = normalize_when(text)
    if not s:
        raise WhenError(t("Say when, e.g. 2026-12-01 14:00, tomorrow 10:00, in 2h, next monday or 明天下午3点."))
    if len(s) > MAX_WHEN_TEXT:
        raise WhenError(t('I could not read "{text}" as a time; it is too long.', text=show(raw)))
    now_local = now.astimezone(tz)
    try:
        result = parse_exact(s, now_local, tz)
        if result is None:
            result = parse_long_tail(s, now_local, tz)
    except Invalid:
        raise WhenError(t('"{text}" is not a real date or time.', text=show(raw))) from None
    except (OverflowError, ValueError):
        raise WhenError(t('"{text}" is too far away.', text=show(raw))) from None
    if result is None:
        raise WhenError(t('I could not read "{text}" as a time; try 2026-12-01 14:00, tomorrow 10:00, in 2h, '
                          'next monday or 明天下午3点.', text=show(raw)))
    if future_only and result <= now:
        raise WhenError(t('"{text}" is in the past: {when}.', text=show(raw), when=format_when(result, tz, locale)))
    return result


_CJK = re.compile(r"[\u3000-\u9fff]")


def split_when(words: list[str], *, now: datetime, tz: tzinfo, locale: str = "en") -> tuple[datetime, list[str]]:
    """Split ``<when> <what>``: the longest leading run of words (at most 6) that reads as a time.

    Chinese is often typed without spaces (``明天下午3点打电话``), so inside a word with
    Chinese characters the longest leading part that reads as a time counts too.
    Returns (due in UTC, the remaining words). The winner must be in the future.
    """
    words = [w for w in words if w.strip()]
    if not words:
        raise WhenError(t("Say when and what, e.g. tomorrow 10:00 send the contract."))

    def attempt(text: str) -> datetime | None:
        try:
            return parse_when(text, now=now, tz=tz, locale=locale, future_only=False)
        except WhenError:
            return None

    found: tuple[str, datetime, list[str]] | None = None
    for k in range(min(6, len(words)), 0, -1):
        head = " ".join(words[:k])
        when = attempt(head)
        if when is not None:
            found = (head, when, words[k:])
            break
        last = words[k - 1]
        if _CJK.search(last):
            stem = " ".join(words[: k - 1])
            for cut in range(min(len(last) - 1, 24), 0, -1):
                head = f"{stem} {last[:cut]}".strip()
                when = attempt(head)
                if when is not None:
                    found = (head, when, [last[cut:], *words[k:]])
                    break
            if found:
                break
    if found is None:
        raise WhenError(t(
            'I could not read a time at the start of "{text}"; '
            "start with when, then what, e.g. tomorrow 10:00 send the contract.", text=show(" ".join(words))
        ))
    head, when, rest = found
    if not rest:
        raise WhenError(t('Say what the follow-up is, after "{text}".', text=show(head)))
    if when <= now:
        raise WhenError(t('"{text}" is in the past: {when}.', text=show(head), when=format_when(when, tz, locale)))
    return when, rest


def zone(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    """The IANA zone `name` (a Slack profile's `tz`), or `fallback` when unset or unknown."""
    try:
        return ZoneInfo(name) if name else fallback
    except (ZoneInfoNotFoundError, ValueError):
        return fallback
