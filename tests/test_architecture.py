"""The domain stays free of Slack and of the layers above it (ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_IN_MODELS = ("slack_sdk", "slack_bolt", "aiohttp", "bot", "handlers", "scheduler")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", sorted((ROOT / "models").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_models_import_nothing_from_slack_or_upper_layers(path: Path) -> None:
    bad = {name for name in _imports(path) if name.split(".")[0] in FORBIDDEN_IN_MODELS}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_the_walk_finds_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from slack_sdk.web import WebClient\nimport bot.app\nfrom models import tables\n")
    assert {n for n in _imports(sample) if n.split(".")[0] in FORBIDDEN_IN_MODELS} == {"slack_sdk.web", "bot.app"}


def test_only_the_gateway_calls_the_web_api() -> None:
    callers = [
        p.relative_to(ROOT) for p in (ROOT / "bot").rglob("*.py")
        if "AsyncWebClient(" in p.read_text(encoding="utf-8") and p.name != "gateway.py"
    ]
    assert callers == []
