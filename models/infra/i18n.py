"""Translatable text: the domain says *what* to tell a person, the edge says it in the workspace's language.

The domain marks user-facing sentences with :func:`t` (or :func:`tn` for counts, :func:`pt` when the same
English needs two Chinese wordings). That returns a :class:`Text`: the English message id and its values,
translated only when rendered with :func:`render` for ``DEALROOM_LOCALE``. So a ``Refused`` raised deep in
``models/`` carries no language, and nothing in the domain needs to know the locale.

The translations are a babel catalogue, ``models/infra/locale/zh_CN/LC_MESSAGES/dealroom.po``, loaded (and
compiled in memory) on first use. English is the source language: its ids are the English sentences.
``make i18n`` re-extracts the ids from the code and updates the catalogue; a test fails while any id
lacks a Chinese translation, so no English leaks into zh-CN.

Templates use ``str.format`` fields by name (``"{ref} is not in the pool"``); values that are
:class:`Text` themselves are rendered in the same locale.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "dealroom"
# babel extraction keywords (`make i18n` and the catalogue test use the same table)
KEYWORDS: dict[str, Any] = {
    "t": None,
    "tn": (1, 2),
    "pt": ((1, "c"), 2),
    "N_": None,
    "tr": None,
    "mtr": None,
}


@dataclass(frozen=True, slots=True)
class Text:
    """A sentence to translate at the edge: message id (English), optional plural and context, values."""

    msgid: str
    values: tuple[tuple[str, Any], ...] = ()
    plural: str | None = None
    n: int | None = None
    context: str | None = None

    def render(self, locale: str | None = "en") -> str:
        template = _translate(self.msgid, self.plural, self.n, self.context, normalize_locale(locale))
        if not self.values:
            return template
        return template.format(**{k: render(v, locale) for k, v in self.values})

    def __str__(self) -> str:  # logs and tracebacks: English
        return self.render("en")


def t(msgid: str, /, **values: Any) -> Text:
    """Mark a sentence for translation: ``t("{ref} is not in the pool.", ref="D-4")``."""
    return Text(msgid, tuple(values.items()))


def tn(singular: str, plural: str, n: int, /, **values: Any) -> Text:
    """A sentence with a count; ``{n}`` is available in both forms."""
    return Text(singular, tuple({"n": n, **values}.items()), plural=plural, n=n)


def pt(context: str, msgid: str, /, **values: Any) -> Text:
    """Like :func:`t` with a disambiguating context, for English words that translate two ways."""
    return Text(msgid, tuple(values.items()), context=context)


def N_(msgid: str, /) -> str:
    """Mark a message id for extraction without translating it yet (gettext_noop), for tables of
    templates picked at run time: ``_HEADLINES = {"due": N_("Due now: {text}")}``."""
    return msgid


def render(value: object, locale: str | None = "en") -> str:
    """Any value as display text in ``locale``: :class:`Text` translated, ``None`` empty, others ``str()``."""
    if isinstance(value, Text):
        return value.render(locale)
    if value is None:
        return ""
    return str(value)


def translate(msgid: str, locale: str | None = "en", *, context: str | None = None) -> str:
    """One message id in ``locale`` (English when untranslated)."""
    return _translate(msgid, None, None, context, normalize_locale(locale))


def normalize_locale(locale: str | None) -> str:
    """``zh-CN``, ``zh_cn``, ``zh`` -> ``zh-CN``; anything else -> ``en``."""
    if locale and locale.replace("_", "-").lower().startswith("zh"):
        return "zh-CN"
    return "en"


def babel_locale(locale: str | None) -> str:
    """The babel/CLDR name of a locale: ``zh_CN`` or ``en``."""
    return "zh_CN" if normalize_locale(locale) == "zh-CN" else "en"


def _translate(msgid: str, plural: str | None, n: int | None, context: str | None, locale: str) -> str:
    catalogue = _catalogue(locale)
    if plural is None:
        return catalogue.pgettext(context, msgid) if context else catalogue.gettext(msgid)
    count = n if n is not None else 1
    return catalogue.npgettext(context, msgid, plural, count) if context else catalogue.ngettext(msgid, plural, count)


@cache
def _catalogue(locale: str) -> gettext.NullTranslations:
    if locale == "en":
        return gettext.NullTranslations()
    return load_catalogue(babel_locale(locale))


def load_catalogue(babel_name: str) -> gettext.NullTranslations:
    """The ``.po`` catalogue of a locale compiled in memory (fuzzy entries left out, so they read as
    untranslated and the catalogue test flags them). The ``.po`` file is the only source: no stale ``.mo``."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    path = LOCALE_DIR / babel_name / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=babel_name, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
