"""Periods and days as people read them, formatted by babel (CLDR) for the locale."""

from __future__ import annotations

from datetime import date

from babel.dates import format_skeleton

from bot.blocks.text import tr
from models.infra.i18n import babel_locale
from models.reporting.metrics import Period

_SKELETONS = {"month": "yMMMM", "quarter": "yQQQ", "year": "y"}


def period_label(period: Period, locale: str = "en") -> str:
    """``week of Nov 23, 2026`` / ``November 2026`` / ``Q4 2026`` / ``2026``, and the CLDR forms in Chinese
    (``2026年11月``, ``2026年第4季度``)."""
    first = period.first_day
    if period.kind == "week":
        return tr("week of {day}", locale, day=format_skeleton("yMMMd", first, locale=babel_locale(locale)))
    return format_skeleton(_SKELETONS.get(period.kind, "y"), first, locale=babel_locale(locale))


def day_label(day: date, locale: str = "en") -> str:
    """``Tue, Nov 24, 2026`` / ``2026年11月24日周二``."""
    return format_skeleton("yMMMEd", day, locale=babel_locale(locale))
