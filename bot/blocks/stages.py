"""The pipeline's stages listed for help (`/deal help stage`): how a reader names each one."""

from __future__ import annotations

from models.infra.i18n import normalize_locale
from models.pipeline import Pipeline


def describe_stages(pipeline: Pipeline, locale: str = "en") -> str:
    """One line per stage, for replies and help: ``1. lead — Lead (线索)``; in Chinese ``1. `lead` — 线索``
    (the key is what a Chinese user types, as command syntax; the name is the localized one, SPEC 2)."""
    lines = []
    for s in pipeline.stages:
        if normalize_locale(locale) == "zh-CN":
            lines.append(f"{s.number}. `{s.key}` — {s.name_zh or s.name}")
            continue
        label = f"{s.name} ({s.name_zh})" if s.name_zh and s.name_zh != s.name else s.name
        lines.append(f"{s.number}. {s.key} — {label}")
    return "\n".join(lines)
