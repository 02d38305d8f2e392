"""Keep the translation catalogue in step with the code: ``make i18n`` (``python -m bot.devtools.catalogue``).

Extracts every message id marked with ``t``/``tn``/``pt``/``tr``/``mtr`` from the project's packages
with babel, then updates ``models/infra/locale/zh_CN/LC_MESSAGES/dealroom.po``: new ids are added
untranslated, ids no longer in the code are dropped, translations are kept. The file is written sorted
by id so that two branches adding messages rarely touch the same lines.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from models.infra.i18n import DOMAIN, KEYWORDS, LOCALE_DIR

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "models", "scheduler")
LOCALES = ("zh_CN",)


def extract() -> Catalog:
    """Every marked message in the code, with where it is used."""
    template = Catalog(domain=DOMAIN, project="Dealroom", fuzzy=False)
    for package in PACKAGES:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / package,
            method_map=[("**/emulator/**.py", "ignore"), ("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=("i18n:",),
        ):
            template.add(message, locations=[(f"{package}/{filename}", lineno)],
                         auto_comments=comments, context=context)
    return template


def catalogue_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(locale: str) -> Catalog:
    with catalogue_path(locale).open("rb") as po:
        return read_po(po, locale=locale, domain=DOMAIN)


def update(locale: str, template: Catalog) -> Catalog:
    path = catalogue_path(locale)
    if path.exists():
        catalog = read(locale)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = Catalog(locale=locale, domain=DOMAIN, project="Dealroom", fuzzy=False)
    created = catalog.creation_date
    catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    catalog.creation_date = created  # the header stays put: no churn, no merge conflicts
    write(locale, catalog)
    return catalog


def write(locale: str, catalog: Catalog) -> None:
    """Sorted by id, without source locations: adding a message touches only its own lines."""
    with catalogue_path(locale).open("wb") as po:
        write_po(po, catalog, sort_output=True, width=120, no_location=True, include_previous=False)


def untranslated(catalog: Catalog) -> list[str]:
    return [str(m.id) for m in catalog if m.id and (not m.string or m.fuzzy
                                                    or (isinstance(m.string, tuple) and not all(m.string)))]


def main() -> int:
    template = extract()
    for locale in LOCALES:
        catalog = update(locale, template)
        missing = untranslated(catalog)
        print(f"{catalogue_path(locale).relative_to(ROOT)}: {len(template)} messages, {len(missing)} untranslated")
        print("".join(f"  {msgid!r}\n" for msgid in missing[:50]), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
