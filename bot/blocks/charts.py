"""Report charts as PNG bytes (matplotlib, Agg: no display needed): the funnel, and won plus
weighted forecast against quota. Pure: figures in, bytes out."""

from __future__ import annotations

import io
from decimal import Decimal
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib.figure import Figure

from models.infra.i18n import normalize_locale, render, t
from models.pipeline import Pipeline
from models.reporting.metrics import Report

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
             "SimHei", "Microsoft YaHei", "PingFang SC", "Droid Sans Fallback")


_CJK_FILES = ("wqy", "notosanscjk", "notoserifcjk", "notosanssc", "sourcehan", "droidsansfallback", "simhei",
              "msyh", "pingfang")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """An installed font that has Chinese glyphs, if any (matplotlib's own DejaVu has none). matplotlib
    keeps its font list in a cache built once: a font installed after that (CI installs Debian's
    fonts-wqy-microhei) is looked for on disk and added."""
    def known() -> str | None:
        installed = {f.name for f in font_manager.fontManager.ttflist}
        return next((name for name in CJK_FONTS if name in installed), None)

    if (name := known()) is not None:
        return name
    for path in font_manager.findSystemFonts():
        if any(hint in path.lower().replace("-", "").replace("_", "") for hint in _CJK_FILES):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # an unreadable file: try the next
                continue
    return known()


def report_chart(report: Report, pipeline: Pipeline, *, title: str, locale: str = "en") -> bytes:
    """Titles, axes and legends in the locale. Chinese needs a CJK font (CI installs Debian's
    fonts-wqy-microhei; any of ``CJK_FONTS`` will do): without one the chart keeps to English and the
    pipeline's own (Latin) stage names rather than draw empty boxes; the message around it is in the
    locale either way."""
    locale = normalize_locale(locale)
    font = cjk_font() if locale == "zh-CN" else None
    if locale == "zh-CN" and font is None:
        locale, title = "en", "Dealroom report"
    with matplotlib.rc_context({"font.sans-serif": [font, "DejaVu Sans"]} if font else {}):
        return _draw(report, pipeline, title=title, locale=locale)


def _draw(report: Report, pipeline: Pipeline, *, title: str, locale: str) -> bytes:
    figure = Figure(figsize=(10, 4.8), dpi=100)
    funnel_axes, forecast_axes = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    names = [pipeline.stage(step.stage_key).display_name(locale) for step in report.funnel]
    counts = [step.reached for step in report.funnel]
    bars = funnel_axes.barh(names[::-1], counts[::-1], color="#2b6cb0")
    funnel_axes.bar_label(bars, padding=3)
    funnel_axes.set_title(render(t("Deals reaching each stage"), locale))
    funnel_axes.set_xlabel(render(t("deals"), locale))
    funnel_axes.margins(x=0.15)

    labels = [render(t("Won"), locale), render(t("Won + forecast"), locale), render(t("Quota"), locale)]
    won = float(report.won_value)
    values = [won, won + float(report.pipe.weighted), float(report.quota or Decimal(0))]
    colors = ["#2f855a", "#68d391", "#a0aec0"]
    forecast_bars = forecast_axes.bar(labels, values, color=colors)
    forecast_axes.bar_label(forecast_bars, labels=[_short(v, locale) for v in values], padding=3)
    forecast_axes.set_title(render(t("Forecast vs quota"), locale) if report.quota
                            else render(t("Forecast (no quota set)"), locale))
    forecast_axes.margins(y=0.15)
    figure.suptitle(title)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _short(value: float, locale: str = "en") -> str:
    steps = ((1e8, "亿"), (1e4, "万")) if locale == "zh-CN" else ((1e9, "b"), (1e6, "m"), (1e3, "k"))
    for size, suffix in steps:
        if abs(value) >= size:
            return f"{value / size:.1f}{suffix}"
    return f"{value:.0f}"
