"""The domain's rooms: models/ packages import only downwards, and the domain writes no Slack markup.

Layers, bottom to top: infra < values < pipeline < people < territories < approvals < deals < followups <
reporting. A function-level import counts like any other. The domain's sentences name people, deals, stages
and commands as words (models/infra/words.py); only bot/blocks turns them into mrkdwn.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir

from models.infra.i18n import KEYWORDS

MODELS = Path(__file__).resolve().parents[2] / "models"
LAYERS = ("infra", "values", "pipeline", "people", "territories", "approvals", "deals", "followups", "reporting")
MARKUP = re.compile(r"<[@#!]|\*D-|\*\{|`|&(?:lt|gt|amp);")


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "models" or len(parts) < 2 or parts[1] not in LAYERS:
        return None
    return LAYERS.index(parts[1])


def _imports(path: Path) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
    return found


def test_models_packages_import_only_downwards() -> None:
    upwards = []
    for path in sorted(MODELS.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        here = _layer(".".join(path.relative_to(MODELS.parent).with_suffix("").parts))
        for module, line in _imports(path):
            there = _layer(module)
            if here is not None and there is not None and there > here:
                upwards.append(f"{path.relative_to(MODELS.parent)}:{line} imports {module}")
    assert not upwards, upwards


def test_the_domain_says_nothing_in_slack_markup() -> None:
    marked = [f"models/{filename}:{line}: {message!r}"
              for filename, line, message, _, _ in extract_from_dir(MODELS, keywords=KEYWORDS)
              for text in (message if isinstance(message, tuple) else (message,))
              if text and MARKUP.search(text)]
    assert not marked, marked


def test_the_domain_escapes_nothing_for_slack() -> None:
    escaping = [f"{path.relative_to(MODELS.parent)}:{n}" for path in sorted(MODELS.rglob("*.py"))
                for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if re.search(r"""["']&(?:lt|gt|amp);["']""", line)]
    assert not escaping, escaping
