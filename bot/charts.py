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

from models.metrics import Report
from models.pipeline import Pipeline

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
             "SimHei", "Microsoft YaHei", "PingFang SC", "Droid Sans Fallback")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """An installed font that has Chinese glyphs, if any (matplotlib's own DejaVu has none)."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def report_chart(report: Report, pipeline: Pipeline, *, title: str, locale: str = "en") -> bytes:
    """Without a Chinese font the chart keeps to the pipeline's own (Latin) stage names rather
    than draw empty boxes; the message around it is in the locale either way."""
    font = cjk_font() if locale.lower().startswith("zh") else None
    if locale.lower().startswith("zh") and font is None:
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
    funnel_axes.set_title("Deals reaching each stage")
    funnel_axes.set_xlabel("deals")
    funnel_axes.margins(x=0.15)

    labels = ["Won", "Won + forecast", "Quota"]
    won = float(report.won_value)
    values = [won, won + float(report.pipe.weighted), float(report.quota or Decimal(0))]
    colors = ["#2f855a", "#68d391", "#a0aec0"]
    forecast_bars = forecast_axes.bar(labels, values, color=colors)
    forecast_axes.bar_label(forecast_bars, labels=[_short(v) for v in values], padding=3)
    forecast_axes.set_title("Forecast vs quota" if report.quota else "Forecast (no quota set)")
    forecast_axes.margins(y=0.15)
    figure.suptitle(title)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _short(value: float) -> str:
    for size, suffix in ((1e9, "b"), (1e6, "m"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}{suffix}"
    return f"{value:.0f}"
