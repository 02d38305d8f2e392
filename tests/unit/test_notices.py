"""Typed notices (bot/delivery/events.py): the scheduler queues figures, delivery words them. What a notice
becomes after its trip through the outbox (JSON) is what the builder makes of the figures themselves."""

from __future__ import annotations

import ast
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.blocks import digests, pool, reports, territories
from bot.blocks.text import Message, tr
from bot.delivery import events
from bot.delivery.kinds import RENDERERS
from bot.delivery.kinds.notices import compose
from bot.delivery.slack_errors import Outcome, outcome
from models.pipeline.workspace import Workspace
from tests.unit.test_builders_both_locales import (
    LOCALES,
    NOW,
    PIPELINE,
    TITLE,
    TZ,
    daily,
    report,
    territory_digest,
    weekly,
)

ROOT = Path(__file__).resolve().parents[2]


def cases(locale: str) -> list[tuple[events.Notice, Message]]:
    return [
        (events.daily_digest(daily(), TZ), digests.daily_digest_message(daily(), PIPELINE, tz=TZ, locale=locale)),
        (events.daily_digest(daily(quiet=True), TZ),
         digests.daily_digest_message(daily(quiet=True), PIPELINE, tz=TZ, locale=locale)),
        (events.weekly_report(weekly(), TZ), digests.weekly_message(weekly(), PIPELINE, tz=TZ, locale=locale)),
        (events.team_weekly_report([weekly("U0REP1"), weekly("U0REP2")]),
         digests.team_weekly_message("U0MGR", [weekly("U0REP1"), weekly("U0REP2")], PIPELINE, locale=locale)),
        (events.monthly_review(report()), reports.report_message(
            report(), PIPELINE, scope_label=tr("your team · monthly review", locale), locale=locale)),
        (events.territory_digest(territory_digest()),
         territories.territory_digest_message(territory_digest(), locale=locale)),
        (events.pool_warning(7, TITLE, last_update=NOW - timedelta(days=28), pool_at=NOW + timedelta(days=2), tz=TZ),
         pool.pool_warning_dm(7, TITLE, last_update=NOW - timedelta(days=28), pool_at=NOW + timedelta(days=2), tz=TZ,
                              locale=locale)),
        (events.pooled(7, TITLE, days=30), pool.pooled_dm(7, TITLE, days=30, locale=locale)),
        (events.claimed(7, TITLE, claimant_id="U0BEN"), pool.claimed_dm(7, TITLE, claimant_id="U0BEN", locale=locale)),
        (events.archive_notice(days=30), pool.archive_notice(days=30, locale=locale)),
    ]


@pytest.mark.parametrize("locale", LOCALES)
def test_a_notice_is_worded_at_delivery_as_the_builder_words_its_figures(locale: str) -> None:
    ws = Workspace(pipeline=PIPELINE, locale=locale)
    for notice, expected in cases(locale):
        queued: dict[str, Any] = json.loads(json.dumps({**notice.data, "user": "U0MGR"}))  # the outbox's JSON
        assert compose(notice.kind, queued, ws) == expected, notice.kind


def test_every_notice_has_a_renderer_and_a_dm_nobody_can_receive_is_skipped() -> None:
    for kind in events.KINDS:
        assert kind in RENDERERS
        for error in ("user_not_found", "user_disabled", "cannot_dm_bot"):
            assert outcome(error, kind) is Outcome.SKIP, (kind, error)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):  # function-level imports included
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("module", ["scheduler/digests.py", "scheduler/sweeps_pool.py"])
def test_the_scheduler_queues_figures_and_never_words_a_message(module: str) -> None:
    assert not [name for name in _imports(ROOT / module) if name == "bot.blocks" or name.startswith("bot.blocks.")]
