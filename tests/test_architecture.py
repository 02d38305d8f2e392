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


# --- one clock --------------------------------------------------------------------------------------
PRODUCT = ("bot", "handlers", "models", "scheduler")
WALL_CLOCK = {"datetime.now", "datetime.utcnow", "datetime.today", "date.today", "time.time", "time.time_ns",
              "time.localtime", "time.gmtime", "time.ctime", "clock.SystemClock"}
# The wall clock read on purpose, never for the bot's own time (that is the injected Clock): each says why.
WALL_CLOCK_ALLOWED = {
    ("models/infra/clock.py", "datetime.now"): "SystemClock itself",
    ("bot/cli/dealroom.py", "clock.SystemClock"): "the process's one clock, made in main and handed to every command",
    ("scheduler/jobs.py", "datetime.now"): "APScheduler fires on the wall clock: its first-run instant is in that time",
    ("bot/wiring/socket_mode.py", "time.time"): "slack_sdk stamps its pongs with time.time()",
    ("bot/devtools/playground/slack_client.py", "time.time"): "signs in real time, as Bolt checks",
    ("bot/wiring/http_edge.py", "time.time"): "Slack signs on its clock: the window is real time",
}


def _wall_clock_reads(path: Path) -> set[str]:
    """What a module calls among WALL_CLOCK, whatever it imported them as."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    alias: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            alias.update({(a.asname or a.name): a.name for a in node.names})
        elif isinstance(node, ast.ImportFrom) and node.module:
            alias.update({(a.asname or a.name): f"{node.module}.{a.name}" for a in node.names})

    def dotted(node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return alias.get(node.id, node.id)
        if isinstance(node, ast.Attribute) and (base := dotted(node.value)):
            return f"{base}.{node.attr}"
        return None

    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (name := dotted(node.func)):
            tail = ".".join(name.split(".")[-2:])  # datetime.datetime.now and models.clock.SystemClock alike
            if tail in WALL_CLOCK:
                found.add(tail)
    return found


def test_nothing_but_the_clock_reads_the_wall_clock() -> None:
    """Every command and tick asks the injected Clock, so tests run the whole product on their own time."""
    reads = {(str(p.relative_to(ROOT)), name) for package in PRODUCT for p in (ROOT / package).rglob("*.py")
             for name in _wall_clock_reads(p)}
    assert reads - set(WALL_CLOCK_ALLOWED) == set()
    assert set(WALL_CLOCK_ALLOWED) - reads == set(), "an allowance nothing needs any more"


def test_the_walk_finds_the_wall_clock_however_it_is_imported(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import datetime as d\nfrom time import time as now\nfrom models.clock import SystemClock\n"
                      "from datetime import UTC, datetime\n"
                      "d.datetime.now(d.UTC); now(); SystemClock().now(); d.date.today(); datetime.now(UTC)\n"
                      "clock.now(); time.monotonic()\n")
    assert _wall_clock_reads(sample) == {"datetime.now", "time.time", "clock.SystemClock", "date.today"}
