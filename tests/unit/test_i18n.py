"""The translation catalogue is complete and in step with the code, and Text renders as promised."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from bot.devtools.catalogue import PACKAGES, ROOT, extract, read
from models.infra.i18n import N_, Text, pt, render, t, tn, translate

CJK = re.compile(r"[\u3400-\u9fff]")
MARKERS = {"t", "tn", "pt", "N_"}  # must always be given literal ids (tr/mtr may take an N_-marked variable)


@pytest.fixture(scope="module")
def catalogue():
    return read("zh_CN")


@pytest.fixture(scope="module")
def template():
    return extract()


def _ids(catalog) -> set[tuple[str, str | None]]:
    return {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in catalog if m.id}


def test_every_message_in_the_code_has_a_chinese_translation(template, catalogue) -> None:
    missing = sorted(_ids(template) - _ids(catalogue))
    assert not missing, f"not in the catalogue (run `make i18n`, then translate): {missing[:20]}"
    untranslated = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            untranslated.append(message.id)
    assert not untranslated, f"untranslated or fuzzy: {untranslated[:20]}"


def test_the_catalogue_holds_nothing_the_code_no_longer_says(template, catalogue) -> None:
    stale = sorted(_ids(catalogue) - _ids(template))
    assert not stale, f"no longer in the code (run `make i18n`): {stale[:20]}"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_translations_keep_every_placeholder_and_are_chinese(catalogue) -> None:
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for translated in strings:
            assert _fields(translated) == _fields(ids[0]), (message.id, translated)
            if re.search(r"[A-Za-z]{3,}", re.sub(r"\{[^}]*\}|`[^`]*`|/deal \w+|Dealroom|Slack", "", ids[0])):
                assert CJK.search(translated), f"{message.id!r} is 'translated' as {translated!r}"


def _marker_calls_with_computed_ids() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MARKERS:
                    first = node.args[1] if node.func.id == "pt" and len(node.args) > 1 else (node.args or [None])[0]
                    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_message_ids_are_literals_so_extraction_sees_them() -> None:
    assert _marker_calls_with_computed_ids() == []


def test_text_renders_lazily_in_the_locale_asked() -> None:
    refused = t("{ref} is not in the pool.", ref="D-4")
    assert str(refused) == "D-4 is not in the pool." == refused.render("en")
    assert render(refused, "fr") == "D-4 is not in the pool."
    assert translate("Customer", "zh-CN") == "客户"


def test_text_values_are_rendered_in_the_same_locale() -> None:
    outer = Text("Stage set", ())
    assert render(t("{what}: {stage}", what=outer, stage="Demo"), "zh-CN").startswith("设定阶段")


def test_plural_and_context_forms() -> None:
    assert tn("{n} deal", "{n} deals", 1).render("en") == "1 deal"
    assert tn("{n} deal", "{n} deals", 3).render("en") == "3 deals"
    assert pt("menu", "Open").render("en") == "Open"
    assert N_("Stale deals") == "Stale deals"


def test_the_catalogue_file_is_where_the_package_loads_it_from() -> None:
    assert Path(ROOT / "models" / "infra" / "locale" / "zh_CN" / "LC_MESSAGES" / "dealroom.po").is_file()
