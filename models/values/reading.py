"""Typed text as the value readers see it: shown back in an error, folded to ASCII, which language."""

from __future__ import annotations

import unicodedata


def show(text: str, limit: int = 40) -> str:
    """The user's input, trimmed and shortened, for quoting in an error message."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_zh(locale: str | None) -> bool:
    return bool(locale) and str(locale).lower().replace("_", "-").startswith("zh")


def nfkc(text: str) -> str:
    # NFKC turns full-width digits, letters, ￥, ＄, ，, ：, ．into their ASCII forms.
    text = unicodedata.normalize("NFKC", text)
    return text.replace("\u2212", "-").replace("\u3000", " ")
