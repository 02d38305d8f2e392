"""The exact forms of a time (SPEC 2): ISO, English relative and named forms, Chinese forms, read in the
caller's time zone, DST-correct. :func:`parse_exact` returns None when no form matches, and raises
:class:`Invalid` when one matches but names no real date or time."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from models.values.reading import nfkc

MAX_WHEN_TEXT = 100
DATE_ONLY_TIME = (9, 0)  # a date alone means 09:00 local time (SPEC section 2)

WEEKDAYS_EN = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
MONTHS_EN = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
NUMBER_WORDS_EN = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_WEEKDAYS_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}  # fmt: skip

# Times of day named without a clock time.
_PERIOD_DEFAULT: dict[str, tuple[int, int] | None] = {
    "morning": (9, 0), "noon": (12, 0), "midday": (12, 0), "afternoon": (15, 0),
    "evening": (19, 0), "night": (19, 0), "tonight": (19, 0),
    "凌晨": None, "早上": (9, 0), "早晨": (9, 0), "上午": (9, 0), "中午": (12, 0),
    "下午": (15, 0), "傍晚": (18, 0), "晚上": (19, 0), "夜里": None,
}  # fmt: skip
_PM_PERIODS = {"下午", "傍晚", "晚上", "夜里"}

# Chinese spellings folded together before matching (traditional forms, synonyms, contractions).
_ZH_FOLD = [
    ("點", "点"), ("時", "时"), ("鐘", "钟"), ("號", "号"), ("週", "周"), ("後", "后"),
    ("個", "个"), ("兩", "两"), ("禮拜", "周"), ("礼拜", "周"), ("星期", "周"),
    ("今晚", "今天晚上"), ("明晚", "明天晚上"), ("今早", "今天早上"), ("明早", "明天早上"),
    ("以后", "后"), ("之后", "后"),
]  # fmt: skip


def _alt(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_NZH = r"[零〇一二两三四五六七八九十]{1,4}"
_N = rf"(?:\d{{1,4}}|{_NZH})"
_MONTH = rf"(?:{_alt(MONTHS_EN)})(?![a-z])\.?"
_WEEKDAY = rf"(?:{_alt(WEEKDAYS_EN)})(?![a-z])\.?"
_AMPM = r"(?:am|pm|a\.m\.|p\.m\.)"
_ORD = r"(?:st|nd|rd|th)?"
_ZH_PERIOD = r"(?:凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜里)"

# Each date form: (kind, pattern with named groups). The combined patterns below drop the names.
_DATE_FORMS: list[tuple[str, str]] = [
    ("ymd", r"(?P<y>\d{4})[-/.](?P<mo>\d{1,2})[-/.](?P<d>\d{1,2})"),
    ("zh_md", rf"(?:(?P<y>\d{{4}}|[零〇一二三四五六七八九]{{4}})年)?(?P<mo>{_N})月(?P<d>{_N})[日号]"),
    ("en_md", rf"(?P<mon>{_MONTH})\s*(?P<d>\d{{1,2}}){_ORD}(?:,?\s*(?P<y>\d{{4}}))?"),
    ("en_dm", rf"(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}\s*(?:of\s+)?(?P<mon>{_MONTH})(?:,?\s*(?P<y>\d{{4}}))?"),
    (
        "word",
        r"(?P<w>today|tonight|tomorrow|tomorow|tmrw|tmr|yesterday|(?:the\s+)?day\s+after\s+tomorrow"
        r"|今天|今日|明天|明日|大后天|后天|昨天)",
    ),
    ("en_wd", rf"(?:(?P<q>next|this\s+coming|this|coming)\s+)?(?P<wd>{_WEEKDAY})"),
    ("zh_wd", r"(?P<q>下下个|下下|下个|下|这个|这|本)?周(?P<wd>[一二三四五六日天七])"),
]
_TIME_FORMS: list[tuple[str, str]] = [
    ("hm", rf"(?P<h>\d{{1,2}}):(?P<mi>\d{{2}})(?::\d{{2}})?(?:\s*(?P<ap>{_AMPM}))?"),
    ("h_ap", rf"(?P<h>\d{{1,2}})\s*(?P<ap>{_AMPM})"),
    (
        "zh",
        rf"(?P<p>{_ZH_PERIOD})?\s*(?:(?P<h>{_N})\s*[点时]\s*钟?\s*"
        rf"(?:(?P<half>半)|(?P<qt>一刻|三刻)|(?P<mi>{_N})\s*分?|整)?"
        rf"|(?P<h2>\d{{1,2}}):(?P<mi2>\d{{2}}))",
    ),
    ("period", rf"(?P<p>{_ZH_PERIOD}|morning|afternoon|evening|night|noon|midday)"),
]
_UNIT_EN = {
    "minutes": "min", "minute": "min", "mins": "min", "min": "min", "m": "min",
    "hours": "h", "hour": "h", "hrs": "h", "hr": "h", "h": "h",
    "days": "d", "day": "d", "d": "d",
    "weeks": "w", "week": "w", "wks": "w", "wk": "w", "w": "w",
    "months": "mo", "month": "mo", "mos": "mo", "mo": "mo",
    "years": "y", "year": "y", "yrs": "y", "yr": "y", "y": "y",
}  # fmt: skip
_UNIT_ZH = {
    "分钟": "min", "分": "min", "个小时": "h", "小时": "h", "个钟头": "h", "钟头": "h",
    "天": "d", "日": "d", "个周": "w", "周": "w", "个月": "mo", "年": "y",
}  # fmt: skip


def _strip_names(pattern: str) -> str:
    return re.sub(r"\(\?P<\w+>", "(?:", pattern)


_DATE = "|".join(f"(?:{_strip_names(p)})" for _, p in _DATE_FORMS)
_TIME = "|".join(f"(?:{_strip_names(p)})" for _, p in _TIME_FORMS)
_DATE_FORM_RES = [(kind, re.compile(p)) for kind, p in _DATE_FORMS]
_TIME_FORM_RES = [(kind, re.compile(p)) for kind, p in _TIME_FORMS]

_DATE_THEN_TIME = re.compile(rf"(?:on\s+)?(?P<d>{_DATE})(?:\s*(?:,|\bat\b|@|t)?\s*(?P<t>{_TIME}))?")
_TIME_THEN_DATE = re.compile(rf"(?:at\s+)?(?P<t>{_TIME})(?:\s*,?\s*(?:on\s+)?(?P<d>{_DATE}))?")
_ISO_OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})")

_NUM_EN = rf"(?:\d{{1,5}}|{_alt(NUMBER_WORDS_EN)})"
_REL_PART = rf"(?P<n>{_NUM_EN})\s*(?P<u>{_alt(_UNIT_EN)})(?![a-z])"
_REL_PARTS = rf"{_strip_names(_REL_PART)}(?:\s*(?:,|and)?\s*{_strip_names(_REL_PART)})*"
_REL_EN = re.compile(
    rf"(?:(?:in|after)\s+(?P<p1>{_REL_PARTS})|(?P<p2>{_REL_PARTS})(?:\s+(?:from\s+now|later))?)"
    rf"(?:\s*(?:,|\bat\b)?\s*(?P<t>{_TIME}))?"
)
_REL_PART_RE = re.compile(_REL_PART)
_REL_ZH = re.compile(
    rf"(?:(?P<n>{_N})\s*(?P<u>{_alt(_UNIT_ZH)})|(?P<half>半)\s*(?:个)?(?:小时|钟头))\s*后"
    rf"(?:\s*(?P<t>{_TIME}))?"
)


def _zh_number(text: str) -> int:
    """``15`` / ``十五`` / ``二十三`` / ``两`` / ``二〇二六`` as an int (text matched by ``_N``)."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        left, _, right = text.partition("十")
        tens = _zh_number(left) if left else 1
        ones = _zh_number(right) if right else 0
        return tens * 10 + ones
    value = 0
    for ch in text:
        value = value * 10 + _ZH_DIGITS[ch]
    return value


def _num(text: str) -> int:
    if text in NUMBER_WORDS_EN:
        return NUMBER_WORDS_EN[text]
    return _zh_number(text)


def normalize_when(text: str) -> str:
    s = nfkc(text).lower()
    for old, new in _ZH_FOLD:
        s = s.replace(old, new)
    s = " ".join(s.split())
    return s.rstrip(".。!！")


def _add_months(d: date, months: int) -> date:
    total = d.year * 12 + (d.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    return d.replace(year=year, month=month, day=min(d.day, calendar.monthrange(year, month)[1]))


def localize(naive: datetime, tz: tzinfo) -> datetime:
    """A local wall time as an aware UTC instant.

    A wall time inside a DST gap is shifted forward by the gap (02:30 on the spring-forward
    night is 03:30); an ambiguous wall time (autumn) is the first of the two (fold=0).
    """
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


@dataclass(frozen=True)
class _Time:
    hour: int
    minute: int
    day_offset: int = 0  # 晚上12点 is midnight at the end of the day


class Invalid(Exception):
    """A form was recognised but names no real date or time (month 13, 25:00)."""


def _parse_time(text: str) -> _Time:
    for kind, rx in _TIME_FORM_RES:
        m = rx.fullmatch(text)
        if m is None:
            continue
        g = m.groupdict()
        if kind == "period":
            default = _PERIOD_DEFAULT.get(g["p"])
            if default is None:
                raise Invalid
            return _Time(*default)
        if kind in ("hm", "h_ap"):
            hour, minute, ap = int(g["h"]), int(g.get("mi") or 0), g.get("ap")
            if ap:
                if not 1 <= hour <= 12:
                    raise Invalid
                hour = hour % 12 + (12 if ap.startswith("p") else 0)
        else:  # zh
            if g["h2"] is not None:
                hour, minute = int(g["h2"]), int(g["mi2"])
            else:
                hour = _num(g["h"])
                minute = 30 if g["half"] else 15 if g["qt"] == "一刻" else 45 if g["qt"] else 0
                if g["mi"]:
                    minute = _num(g["mi"])
            period = g["p"]
            if period in ("晚上", "夜里") and hour == 12:  # midnight at the end of that day
                if minute > 59:
                    raise Invalid
                return _Time(0, minute, 1)
            if (period in _PM_PERIODS and 1 <= hour <= 11) or (period == "中午" and 1 <= hour <= 5):
                hour += 12
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            raise Invalid
        return _Time(hour, minute)
    raise Invalid  # pragma: no cover - only called on text the combined pattern matched


def _parse_date(text: str, today: date, time: _Time | None, now_local: datetime) -> tuple[date, _Time | None]:
    """Resolve a date form; returns the date and a default time where the form implies one."""
    hm = time or _Time(*DATE_ONLY_TIME)
    for kind, rx in _DATE_FORM_RES:
        m = rx.fullmatch(text)
        if m is None:
            continue
        g = m.groupdict()
        if kind in ("ymd", "zh_md", "en_md", "en_dm"):
            month = MONTHS_EN[g["mon"].rstrip(".")] if "mon" in g else _num(g["mo"])
            day = _num(g["d"])
            if g.get("y"):
                try:
                    return date(_num(g["y"]), month, day), time
                except ValueError:
                    raise Invalid from None
            # No year: the next time this day comes round (today included).
            for year in range(today.year, today.year + 9):
                try:
                    candidate = date(year, month, day)
                except ValueError:
                    continue
                if candidate >= today:
                    return candidate, time
            raise Invalid
        if kind == "word":
            w = " ".join(g["w"].split()).removeprefix("the ")
            offsets = {
                "today": 0, "tonight": 0, "今天": 0, "今日": 0, "tomorrow": 1, "tomorow": 1, "tmrw": 1,
                "tmr": 1, "明天": 1, "明日": 1, "day after tomorrow": 2, "后天": 2, "大后天": 3,
                "yesterday": -1, "昨天": -1,
            }  # fmt: skip
            if w == "tonight" and time is None:
                time = _Time(19, 0)  # tonight's default hour (_PERIOD_DEFAULT)
            return today + timedelta(days=offsets[w]), time
        # Weekdays.
        q = " ".join((g.get("q") or "").split())
        wd = WEEKDAYS_EN[g["wd"].rstrip(".")] if kind == "en_wd" else _WEEKDAYS_ZH[g["wd"]]
        monday = today - timedelta(days=today.weekday())
        if kind == "zh_wd" and q:
            weeks = {"这": 0, "这个": 0, "本": 0, "下": 1, "下个": 1, "下下": 2, "下下个": 2}[q]
            return monday + timedelta(days=7 * weeks + wd), time
        if q == "next":  # the first one after today
            return today + timedelta(days=(wd - today.weekday()) % 7 or 7), time
        # The coming one: today if that time is still ahead, else within the next 7 days.
        candidate = today + timedelta(days=(wd - today.weekday()) % 7)
        if candidate == today and _at(today, hm) <= now_local.replace(tzinfo=None):
            candidate += timedelta(days=7)
        return candidate, time
    raise Invalid  # pragma: no cover


def _at(day: date, time: _Time) -> datetime:
    return datetime(day.year, day.month, day.day, time.hour, time.minute) + timedelta(days=time.day_offset)


def _relative(parts: list[tuple[int, str]], time_text: str | None, now_local: datetime, tz: tzinfo) -> datetime:
    """``now`` plus a duration: calendar units keep the local wall time, minutes and hours are exact."""
    days = months = 0
    exact = timedelta()
    for n, unit in parts:
        if unit == "min":
            exact += timedelta(minutes=n)
        elif unit == "h":
            exact += timedelta(hours=n)
        elif unit == "d":
            days += n
        elif unit == "w":
            days += 7 * n
        elif unit == "mo":
            months += n
        else:
            months += 12 * n
    wall = now_local.replace(tzinfo=None)
    target_day = _add_months(wall.date(), months) + timedelta(days=days)
    if time_text is not None:
        if exact or not (days or months):
            raise Invalid  # "in 2h at 10:00" means nothing
        return localize(_at(target_day, _parse_time(time_text)), tz)
    wall = datetime.combine(target_day, wall.time())
    return localize(wall, tz) + exact


def parse_exact(s: str, now_local: datetime, tz: tzinfo) -> datetime | None:
    """Our own exact forms. None when none matches; Invalid when one matches but is impossible."""
    if _ISO_OFFSET.fullmatch(s):
        try:
            return datetime.fromisoformat(s.upper().replace(" ", "T")).astimezone(UTC)
        except ValueError:
            raise Invalid from None
    today = now_local.date()
    m = _REL_EN.fullmatch(s)
    if m:
        parts_text = m.group("p1") or m.group("p2")
        parts = [(_num(p.group("n")), _UNIT_EN[p.group("u")]) for p in _REL_PART_RE.finditer(parts_text)]
        return _relative(parts, m.group("t"), now_local, tz)
    m = _REL_ZH.fullmatch(s)
    if m:
        parts = [(30, "min")] if m.group("half") else [(_num(m.group("n")), _UNIT_ZH[m.group("u")])]
        return _relative(parts, m.group("t"), now_local, tz)
    for rx in (_DATE_THEN_TIME, _TIME_THEN_DATE):
        m = rx.fullmatch(s)
        if m is None:
            continue
        time = _parse_time(m.group("t")) if m.group("t") else None
        if m.group("d"):
            day, time = _parse_date(m.group("d"), today, time, now_local)
        else:
            day = today  # a time alone is today
        return localize(_at(day, time or _Time(*DATE_ONLY_TIME)), tz)
    return None
