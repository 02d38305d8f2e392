"""How amounts, instants and days are shown in a language (babel): one place for every edge's style, the
plain one here (models/infra/words.py) and Slack's (bot/blocks), and for the domain's own sentences."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["format_amount", "format_day", "format_when"]

_CENT = Decimal("0.01")


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


def format_day(day: date, locale: str = "en") -> str:
    """A calendar day: ``Dec 1, 2026`` for en; ``2026年12月1日`` for zh-CN."""
    from babel.dates import format_date

    return format_date(day, "medium", locale="zh_CN" if _is_zh(locale) else "en")


def _is_zh(locale: str | None) -> bool:
    return bool(locale) and str(locale).lower().replace("_", "-").startswith("zh")
