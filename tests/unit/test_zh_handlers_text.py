"""The handlers' own words in zh-CN: grammar errors carry a Text (English str() for logs), help prose is
translated around English command syntax, the parked-message DM and the report chart speak Chinese."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from bot.delivery.parked_alerts import alert_text
from handlers.commands import table as g
from models.infra.i18n import Text, render

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _refusal(text: str) -> g.UsageError:
    with pytest.raises(g.UsageError) as caught:
        g.parse_command(text, now=NOW, tz=UTC, locale="zh-CN")
    return caught.value


@pytest.mark.parametrize("text", ["list 随便", "role @x manager", "score budget:1", 'new "open', "随便"])
def test_usage_errors_carry_a_text_rendered_in_either_language(text: str) -> None:
    error = _refusal(text)
    assert isinstance(error.message, Text)
    assert str(error) == render(error.message, "en")  # logs and old callers: English
    zh = render(error.message, "zh-CN")
    assert zh != str(error) and any("\u4e00" <= c <= "\u9fff" for c in zh)
    assert error.usage.startswith("/deal ")  # command syntax is never translated


def test_english_wording_is_unchanged() -> None:
    assert str(_refusal("list foo")) == 'List takes all, team or a @mention, not "foo".'
    assert g.help_text("list").startswith("`/deal list [all|team|@user]`\ne.g. `/deal list team`\n`/deal list` your")
    assert g.full_help() == g.HELP


def test_help_prose_is_chinese_and_syntax_stays() -> None:
    overview = g.help_text(None, locale="zh-CN")
    assert overview.startswith("Dealroom 只有一个命令：`/deal <subcommand>`")
    assert "• `/deal note [D-<n>] <text> [via:call|email|meeting|demo|chat] [next:<when>]`  例如 `" in overview
    assert "金额：`150000`" in overview
    team = g.help_text("team", locale="zh-CN")
    assert "只有管理员可以修改" in team and "例如 `/deal team @alice`" in team


def test_parked_alert_in_chinese() -> None:
    rows = [SimpleNamespace(id=7, deal_id=3, kind="dm", last_error="slack: channel_not_found")]
    text = alert_text(rows, "zh-CN")  # type: ignore[arg-type]
    assert text.startswith("Dealroom 有 1 条 Slack 消息未能送达")
    assert "• #7 D-3 dm: slack: channel_not_found" in text
    assert "`dealroom outbox --parked`" in text
    assert alert_text(rows).startswith("Dealroom could not deliver 1 Slack message; it is parked")  # type: ignore[arg-type]


def test_chart_draws_chinese_labels_with_a_cjk_font() -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    from bot.blocks import charts
    from models.pipeline import load_pipeline

    if charts.cjk_font() is None:
        pytest.skip("no CJK font installed (.ci/run installs fonts-wqy-microhei)")
    pipeline = load_pipeline("standard")
    report = SimpleNamespace(
        funnel=[SimpleNamespace(stage_key=s.key, reached=3) for s in pipeline.stages if not s.closed],
        won_value=Decimal(120000), pipe=SimpleNamespace(weighted=Decimal(30000)), quota=Decimal(200000),
    )
    seen: list[str] = []
    original = Figure.savefig

    def spy(self: Figure, *args: object, **kwargs: object) -> None:
        seen.extend(t.get_text() for t in self.findobj(lambda o: hasattr(o, "get_text")))  # type: ignore[attr-defined]
        original(self, *args, **kwargs)

    Figure.savefig = spy  # type: ignore[method-assign]
    try:
        png = charts.report_chart(report, pipeline, title="2026年11月 · 你", locale="zh-CN")  # type: ignore[arg-type]
    finally:
        Figure.savefig = original  # type: ignore[method-assign]
    assert png.startswith(b"\x89PNG")
    assert {"到达各阶段的商机数", "商机数", "赢单", "赢单 + 预测", "指标", "预测与指标对比", "12.0万"} <= set(seen)
