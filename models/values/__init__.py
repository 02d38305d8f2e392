"""Amounts and times as users type them, and as we show them back.

Pure domain code: no Slack, no I/O. Every parse error is an :class:`InputError` whose
``str()`` is one friendly English sentence saying what was wrong.

Amounts: ``150000``, ``150,000``, ``150k``, ``1.5m``, ``2bn``, ``$150,000``, ``¥150,000``,
``15万``, ``1.5亿``, full-width digits. Times: ISO, English relative and named forms,
Chinese forms (SPEC section 2), interpreted in the caller's time zone, DST-correct.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.infra.i18n import Text, t

__all__ = [
    "MAX_AMOUNT",
    "AmountError",
    "InputError",
    "WhenError",
    "format_amount",
    "format_when",
    "parse_amount",
    "parse_when",
    "split_when",
]


class InputError(ValueError):
    """User-facing parse error. ``message`` says what was wrong as a :class:`~models.i18n.Text` (rendered
    in the workspace's language at the edge, like :class:`~models.errors.DomainError`); ``str(e)`` is the
    English sentence, for logs."""

    def __init__(self, message: Text | str) -> None:
        super().__init__(str(message))
        self.message = message


class AmountError(InputError):
    """An amount could not be read, or is not a positive finite amount within range."""


class WhenError(InputError):
    """A time could not be read, does not exist, or is in the past where a future time is needed."""


def _show(text: str, limit: int = 40) -> str:
    """The user's input, trimmed and shortened, for quoting in an error message."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_zh(locale: str | None) -> bool:
    return bool(locale) and str(locale).lower().replace("_", "-").startswith("zh")


# ---------------------------------------------------------------------------------------------
# Amounts

MAX_AMOUNT = Decimal(10) ** 15
_CENT = Decimal("0.01")
_MAX_AMOUNT_TEXT = 64

_MULTIPLIERS: dict[str, Decimal] = {
    "": Decimal(1),
    "k": Decimal(10) ** 3,
    "千": Decimal(10) ** 3,
    "w": Decimal(10) ** 4,  # Chinese shorthand for 万 ("15w")
    "万": Decimal(10) ** 4,
    "萬": Decimal(10) ** 4,
    "m": Decimal(10) ** 6,
    "mm": Decimal(10) ** 6,
    "mn": Decimal(10) ** 6,
    "百万": Decimal(10) ** 6,
    "百萬": Decimal(10) ** 6,
    "千万": Decimal(10) ** 7,
    "千萬": Decimal(10) ** 7,
    "亿": Decimal(10) ** 8,
    "億": Decimal(10) ** 8,
    "b": Decimal(10) ** 9,
    "bn": Decimal(10) ** 9,
}

_AMOUNT_RE = re.compile(
    r"""
    (?P<sign>[-+])?\s*
    (?:[$¥€£]|us\$|usd|eur|cny|rmb|gbp)?\s*
    (?P<sign2>[-+])?\s*
    (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)
    \s*(?P<suf>mm|mn|bn|k|m|b|w|千万|千萬|百万|百萬|千|万|萬|亿|億)?
    \s*(?:元|块|usd|eur|cny|rmb|gbp)?
    """,
    re.VERBOSE,
)


def _nfkc(text: str) -> str:
    # NFKC turns full-width digits, letters, ￥, ＄, ，, ：, ．into their ASCII forms.
    text = unicodedata.normalize("NFKC", text)
    return text.replace("\u2212", "-").replace("\u3000", " ")


def parse_amount(text: str) -> Decimal:
    """Read a positive amount (see module doc); return it quantized to 2 places.

    Raises :class:`AmountError` for anything else: empty, garbage, zero, negative,
    non-finite, or above :data:`MAX_AMOUNT` (10^15).
    """
    if not isinstance(text, str):
        raise AmountError(t("I could not read that as an amount."))
    raw = text
    s = _nfkc(text).strip().lower()
    if not s:
        raise AmountError(t("Give an amount, e.g. 150000, 150k, 1.5m or 15万."))
    if len(s) > _MAX_AMOUNT_TEXT:
        raise AmountError(t('I could not read "{text}" as an amount; it is too long.', text=_show(raw)))
    m = _AMOUNT_RE.fullmatch(s)
    if m is None:
        raise AmountError(t('I could not read "{text}" as an amount; try 150000, 150,000, 150k, 1.5m or 15万.',
                                  text=_show(raw)))
    if "-" in (m.group("sign") or "", m.group("sign2") or ""):
        raise AmountError(t('The amount must be positive, and "{text}" is not.', text=_show(raw)))
    try:
        value = Decimal(m.group("num").replace(",", "")) * _MULTIPLIERS[m.group("suf") or ""]
    except (InvalidOperation, KeyError):  # pragma: no cover - the regex only lets numbers through
        raise AmountError(t('I could not read "{text}" as an amount.', text=_show(raw))) from None
    if not value.is_finite() or value > MAX_AMOUNT:
        raise AmountError(t('The amount "{text}" is too large; the limit is 1,000,000,000,000,000.', text=_show(raw)))
    value = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    if value <= 0:
        raise AmountError(t('The amount must be more than zero, and "{text}" is not.', text=_show(raw)))
    return value


def format_amount(amount: Decimal, locale: str = "en") -> str:
    """An amount for display, without currency symbol.

    ``en``: ``150,000`` (no decimals when whole, else 2). ``zh-CN``: whole multiples of
    10,000 as ``15万`` / ``150万`` / ``1.5亿`` (from 10^8), anything else like ``150,500``.
    Never raises for a finite Decimal; ``parse_amount(format_amount(x)) == x`` for valid amounts.
    """
    from babel.numbers import format_decimal  # babel is slowish to import; only when needed

    amount = Decimal(amount)
    if not amount.is_finite():
        return str(amount)
    amount = amount.quantize(_CENT, rounding=ROUND_HALF_UP) if amount.adjusted() < 20 else amount
    whole = amount == amount.to_integral_value()
    zh = _is_zh(locale)
    babel_locale = "zh_CN" if zh else "en"
    if zh and whole and amount >= 10**4 and amount % 10**4 == 0:
        if amount >= 10**8:
            return format_decimal(amount / 10**8, "#,##0.####", locale=babel_locale) + "亿"
        return f"{int(amount / 10**4)}万"
    return format_decimal(amount, "#,##0" if whole else "#,##0.00", locale=babel_locale)


# ---------------------------------------------------------------------------------------------
# Times

_MAX_WHEN_TEXT = 100
_DATE_ONLY_TIME = (9, 0)  # a date alone means 09:00 local time (SPEC section 2)

_WEEKDAYS_EN = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
_MONTHS_EN = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
_NUMBER_WORDS_EN = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_WEEKDAYS_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}  # fmt: skip

# Times of day named without a clock time.
_PERIOD_DEFAULT = {
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


def _alt(words: dict[str, int] | list[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_NZH = r"[零〇一二两三四五六七八九十]{1,4}"
_N = rf"(?:\d{{1,4}}|{_NZH})"
_MONTH = rf"(?:{_alt(_MONTHS_EN)})(?![a-z])\.?"
_WEEKDAY = rf"(?:{_alt(_WEEKDAYS_EN)})(?![a-z])\.?"
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

_NUM_EN = rf"(?:\d{{1,5}}|{_alt(_NUMBER_WORDS_EN)})"
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
    if text in _NUMBER_WORDS_EN:
        return _NUMBER_WORDS_EN[text]
    return _zh_number(text)


def _normalize_when(text: str) -> str:
    s = _nfkc(text).lower()
    for old, new in _ZH_FOLD:
        s = s.replace(old, new)
    s = " ".join(s.split())
    return s.rstrip(".。!！")


def _add_months(d: date, months: int) -> date:
    total = d.year * 12 + (d.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    return d.replace(year=year, month=month, day=min(d.day, calendar.monthrange(year, month)[1]))


def _localize(naive: datetime, tz: tzinfo) -> datetime:
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


class _Invalid(Exception):
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
                raise _Invalid
            return _Time(*default)
        if kind in ("hm", "h_ap"):
            hour, minute, ap = int(g["h"]), int(g.get("mi") or 0), g.get("ap")
            if ap:
                if not 1 <= hour <= 12:
                    raise _Invalid
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
                    raise _Invalid
                return _Time(0, minute, 1)
            if (period in _PM_PERIODS and 1 <= hour <= 11) or (period == "中午" and 1 <= hour <= 5):
                hour += 12
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            raise _Invalid
        return _Time(hour, minute)
    raise _Invalid  # pragma: no cover - only called on text the combined pattern matched


def _parse_date(text: str, today: date, time: _Time | None, now_local: datetime) -> tuple[date, _Time | None]:
    """Resolve a date form; returns the date and a default time where the form implies one."""
    hm = time or _Time(*_DATE_ONLY_TIME)
    for kind, rx in _DATE_FORM_RES:
        m = rx.fullmatch(text)
        if m is None:
            continue
        g = m.groupdict()
        if kind in ("ymd", "zh_md", "en_md", "en_dm"):
            month = _MONTHS_EN[g["mon"].rstrip(".")] if "mon" in g else _num(g["mo"])
            day = _num(g["d"])
            if g.get("y"):
                try:
                    return date(_num(g["y"]), month, day), time
                except ValueError:
                    raise _Invalid from None
            # No year: the next time this day comes round (today included).
            for year in range(today.year, today.year + 9):
                try:
                    candidate = date(year, month, day)
                except ValueError:
                    continue
                if candidate >= today:
                    return candidate, time
            raise _Invalid
        if kind == "word":
            w = " ".join(g["w"].split()).removeprefix("the ")
            offsets = {
                "today": 0, "tonight": 0, "今天": 0, "今日": 0, "tomorrow": 1, "tomorow": 1, "tmrw": 1,
                "tmr": 1, "明天": 1, "明日": 1, "day after tomorrow": 2, "后天": 2, "大后天": 3,
                "yesterday": -1, "昨天": -1,
            }  # fmt: skip
            if w == "tonight" and time is None:
                time = _Time(*_PERIOD_DEFAULT["tonight"])
            return today + timedelta(days=offsets[w]), time
        # Weekdays.
        q = " ".join((g.get("q") or "").split())
        wd = _WEEKDAYS_EN[g["wd"].rstrip(".")] if kind == "en_wd" else _WEEKDAYS_ZH[g["wd"]]
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
    raise _Invalid  # pragma: no cover


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
            raise _Invalid  # "in 2h at 10:00" means nothing
        return _localize(_at(target_day, _parse_time(time_text)), tz)
    wall = datetime.combine(target_day, wall.time())
    return _localize(wall, tz) + exact


def _parse_regex(s: str, now_local: datetime, tz: tzinfo) -> datetime | None:
    """Our own exact forms. None when none matches; _Invalid when one matches but is impossible."""
    if _ISO_OFFSET.fullmatch(s):
        try:
            return datetime.fromisoformat(s.upper().replace(" ", "T")).astimezone(UTC)
        except ValueError:
            raise _Invalid from None
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
        return _localize(_at(day, time or _Time(*_DATE_ONLY_TIME)), tz)
    return None


# --- dateparser for the English long tail, behind a strict vocabulary guard -------------------

_DP_WORDS = (
    set(_MONTHS_EN)
    | set(_WEEKDAYS_EN)
    | set(_NUMBER_WORDS_EN)
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


def _parse_dateparser(s: str, now_local: datetime, tz: tzinfo) -> datetime | None:
    tokens = re.findall(r"[a-z]+|\d+|\S", s)
    alpha = [w for w in tokens if w.isalpha()]
    if not alpha or len(tokens) > 16 or tokens[-1] in _DP_NOT_LAST or not tokens[-1].isalnum():
        return None
    if len(tokens) == 1 and tokens[0] in _MONTHS_EN:
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
        wall = wall.replace(hour=_DATE_ONLY_TIME[0], minute=_DATE_ONLY_TIME[1], second=0, microsecond=0)
    return _localize(wall.replace(second=0, microsecond=0), tz)


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
    s = _normalize_when(text)
    if not s:
        raise WhenError(t("Say when, e.g. 2026-12-01 14:00, tomorrow 10:00, in 2h, next monday or 明天下午3点."))
    if len(s) > _MAX_WHEN_TEXT:
        raise WhenError(t('I could not read "{text}" as a time; it is too long.', text=_show(raw)))
    now_local = now.astimezone(tz)
    try:
        result = _parse_regex(s, now_local, tz)
        if result is None:
            result = _parse_dateparser(s, now_local, tz)
    except _Invalid:
        raise WhenError(t('"{text}" is not a real date or time.', text=_show(raw))) from None
    except (OverflowError, ValueError):
        raise WhenError(t('"{text}" is too far away.', text=_show(raw))) from None
    if result is None:
        raise WhenError(t('I could not read "{text}" as a time; try 2026-12-01 14:00, tomorrow 10:00, in 2h, '
                          'next monday or 明天下午3点.', text=_show(raw)))
    if future_only and result <= now:
        raise WhenError(t('"{text}" is in the past: {when}.', text=_show(raw), when=format_when(result, tz, locale)))
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
            "start with when, then what, e.g. tomorrow 10:00 send the contract.", text=_show(" ".join(words))
        ))
    head, when, rest = found
    if not rest:
        raise WhenError(t('Say what the follow-up is, after "{text}".', text=_show(head)))
    if when <= now:
        raise WhenError(t('"{text}" is in the past: {when}.', text=_show(head), when=format_when(when, tz, locale)))
    return when, rest


def format_when(dt_utc: datetime, tz: tzinfo, locale: str = "en") -> str:
    """``Tue 1 Dec 2026, 14:00 (Europe/Berlin)`` for en; ``2026年12月1日 14:00`` for zh-CN."""
    from babel.dates import format_datetime

    if dt_utc.tzinfo is None:
        dt_utc = dt_utc.replace(tzinfo=UTC)
    local = dt_utc.astimezone(tz)
    if _is_zh(locale):
        return format_datetime(local, "y年M月d日 HH:mm", locale="zh_CN")
    tz_name = getattr(tz, "key", None) or str(tz)
    return f"{format_datetime(local, 'EEE d MMM y, HH:mm', locale='en')} ({tz_name})"


def zone(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    """The IANA zone `name` (a Slack profile's `tz`), or `fallback` when unset or unknown."""
    try:
        return ZoneInfo(name) if name else fallback
    except (ZoneInfoNotFoundError, ValueError):
        return fallback
