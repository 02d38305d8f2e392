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
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from models.infra.words import PLAIN, WORDS, Style, decode, encode, show

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

    def render(self, locale: str | None = "en", style: Style = PLAIN) -> str:
        """The sentence in ``locale``; the words it mentions (models/infra/words.py) and people's own
        text in ``style`` (plain text by default; bot/blocks renders Slack's mrkdwn)."""
        template = _translate(self.msgid, self.plural, self.n, self.context, normalize_locale(locale))
        if not self.values:
            return template
        return template.format(**{k: _value(v, locale, style) for k, v in self.values})

    def __str__(self) -> str:  # logs and tracebacks: English
        return self.render("en")

    def to_data(self) -> dict[str, Any]:
        """The sentence as JSON-able data (a timeline entry, a queued DM), read back by :meth:`from_data`."""
        data: dict[str, Any] = {"id": self.msgid, "values": {k: _encode(v) for k, v in self.values}}
        if self.plural is not None:
            data["plural"], data["n"] = self.plural, self.n
        if self.context is not None:
            data["context"] = self.context
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Text:
        return cls(str(data["id"]), tuple((k, _decode(v)) for k, v in (data.get("values") or {}).items()),
                   plural=data.get("plural"), n=data.get("n"), context=data.get("context"))


def _value(value: Any, locale: str | None, style: Style) -> Any:
    if isinstance(value, Text):
        return value.render(locale, style)
    if isinstance(value, WORDS):
        return show(value, normalize_locale(locale), style)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return value  # a number keeps its format spec ({n:.1f})
    return style.plain(str(value))


def _encode(value: Any) -> Any:
    if isinstance(value, Text):
        return {"text": value.to_data()}
    if isinstance(value, WORDS):
        return encode(value)
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "text" in value:
            return Text.from_data(value["text"])
        if "decimal" in value:
            return Decimal(value["decimal"])
        return decode(value)
    return value


def t(msgid: str, /, **values: Any) -> Text:
    """Mark a sentence for translation: ``t("{ref} is not in the pool.", ref="D-4")``."""
    return Text(msgid, tuple(values.items()))


def tn(singular: str, plural: str, n: int, /, **values: Any) -> Text:
    """A sentence with a count; ``{n}`` is available in both forms."""
    return Text(singular, tuple({"n": n, **values}.items()), plural=plural, n=n)


def pt(context: str, msgid: str, /, **values: Any) -> Text:
    """Like :func:`t` with a disambiguating context, for English words that translate two ways."""
    return Text(msgid, tuple(values.items()), context=context)


def joined(values: Iterable[Any], separator: str = ", ") -> Text:
    """Several values as one, each rendered in the edge's style: ``joined(Person(u) for u in ids)`` is
    ``@U1, @U2`` in plain text and two mentions in Slack. Its template is fields only: nothing to translate."""
    fields = [(f"v{i}", value) for i, value in enumerate(values)]
    return Text(separator.join("{" + name + "}" for name, _ in fields), tuple(fields))


def as_body(text: Text, locale: str | None) -> dict[str, Any]:
    """A sentence kept to be shown later (a timeline entry, a queued DM) in the language it was written in:
    ``{"locale": "en" | "zh-CN", "text": Text.to_data()}``, read back by :func:`from_body`."""
    return {"locale": normalize_locale(locale), "text": text.to_data()}


def from_body(body: dict[str, Any]) -> tuple[Text, str]:
    """The sentence and the locale kept by :func:`as_body`."""
    return Text.from_data(body["text"]), normalize_locale(body.get("locale"))


def N_(msgid: str, /) -> str:
    """Mark a message id for extraction without translating it yet (gettext_noop), for tables of
    templates picked at run time: ``_HEADLINES = {"due": N_("Due now: {text}")}``."""
    return msgid


def render(value: object, locale: str | None = "en", style: Style = PLAIN) -> str:
    """Any value as display text in ``locale``: :class:`Text` translated, a word in ``style``, ``None``
    empty, others ``str()``."""
    if isinstance(value, Text):
        return value.render(locale, style)
    if isinstance(value, WORDS):
        return show(value, normalize_locale(locale), style)
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
