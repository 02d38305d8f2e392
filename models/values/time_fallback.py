"""dateparser for the English long tail of times, behind a strict vocabulary guard."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from models.values.time_forms import DATE_ONLY_TIME, MONTHS_EN, NUMBER_WORDS_EN, WEEKDAYS_EN, localize

_DP_WORDS = (
    set(MONTHS_EN)
    | set(WEEKDAYS_EN)
    | set(NUMBER_WORDS_EN)
    | {
        "next", "last", "this", "coming", "previous", "ago", "from", "now", "after", "before", "in",
        "at", "on", "the", "of", "today", "tomorrow", "yesterday", "noon", "midnight", "am",
        "pm", "st", "nd", "rd", "th", "minute", "minutes", "min", "mins", "hour", "hours", "hr", "hrs",
        "day", "days", "week", "weeks", "month", "months", "year", "years", "fortnight",
    }
)  # fmt: skip
_DP_PUNCT = set(",.:/-'")
# Words that cannot end a time: "tomorrow 10:00 at" is a time followed by something else.
_DP_NOT_LAST = {"at", "on", "in", "the", "of", "a", "an", "from", "after", "before", "next", "last", "this"}
_DP_TIME_HINT = re.compile(r"\d:\d|\d\s*(?:am|pm)\b|\b(?:noon|midnight|now|minutes?|mins?|hours?|hrs?)\b")
_DP_DURATION_HINT = re.compile(r"\b(?:days?|weeks?|months?|years?|fortnight|ago)\b")


def parse_long_tail(s: str, now_local: datetime, tz: tzinfo) -> datetime | None:
    tokens = re.findall(r"[a-z]+|\d+|\S", s)
    alpha = [w for w in tokens if w.isalpha()]
    if not alpha or len(tokens) > 16 or tokens[-1] in _DP_NOT_LAST or not tokens[-1].isalnum():
        return None
    if len(tokens) == 1 and tokens[0] in MONTHS_EN:
        return None  # "may" alone is more likely a word than the 1st of May
    if any(w.isdigit() for w in tokens):
        # Everything with digits is ours (the regexes above); dateparser reads stray numbers
        # as days or months ("monday 10" became a date in October).
        return None
    for w in tokens:
        if w.isalpha() and w not in _DP_WORDS:
            return None
        if not w.isalnum() and w not in _DP_PUNCT:
            return None
        if not w.isascii():
            return None
    tz_name = getattr(tz, "key", None) or str(tz)
    try:
        import dateparser

        result = dateparser.parse(
            s,
            languages=["en"],
            settings={
                "PREFER_DATES_FROM": "future",
                "PREFER_DAY_OF_MONTH": "first",
                "TIMEZONE": tz_name,
                "RETURN_AS_TIMEZONE_AWARE": True,
                "RELATIVE_BASE": now_local.replace(tzinfo=None),
            },
        )
    except Exception:  # dateparser raises assorted errors on odd input; that means "not a time"
        return None
    if result is None:
        return None
    wall = result.replace(tzinfo=None)
    if not _DP_TIME_HINT.search(s) and not _DP_DURATION_HINT.search(s):
        wall = wall.replace(hour=DATE_ONLY_TIME[0], minute=DATE_ONLY_TIME[1], second=0, microsecond=0)
    return localize(wall.replace(second=0, microsecond=0), tz)
