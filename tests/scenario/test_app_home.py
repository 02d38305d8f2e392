"""App Home (`app_home_opened` -> views.publish): open deals by next follow-up, overdue follow-ups,
and the team pipeline with its weighted forecast for managers."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import update

from bot.blocks.ids import ActionId, CallbackId
from models.infra.tables import User
from models.people.users import ensure_user
from tests.scenario.harness import MANAGER, REP, REP2, Bot

_events = itertools.count(1)


async def open_home(bot: Bot, user: str) -> dict[str, Any]:
    published = len(bot.slack.calls_to("views.publish"))
    status = await bot.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
                              "event_ts": "1700000000.000100"}, event_id=f"EvHome{next(_events)}")
    assert status == 200
    await bot.slack.wait_for(lambda: len(bot.slack.calls_to("views.publish")) > published, timeout=10)
    call = bot.slack.calls_to("views.publish")[-1]
    assert call.ok, call.error
    assert call.args["user_id"] == user
    return call.args["view"]


def texts(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def deal_order(view: dict[str, Any]) -> list[int]:
    return [int(e["value"]) for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
            if e["action_id"] == ActionId.LOG_NOTE]


async def make_manager(bot: Bot, rep: str, manager: str) -> None:
    async with bot.deps.sessions.begin() as session:
        await ensure_user(session, manager, now=bot.clock.now())
        await ensure_user(session, rep, now=bot.clock.now())
        await session.execute(update(User).where(User.id == rep).values(manager_id=manager))


async def test_a_reps_home_lists_open_deals_by_next_follow_up_with_their_buttons(bot: Bot) -> None:
    await bot.command(REP, "new Later customer:Acme amount:150k")
    await bot.command(REP, "new Sooner customer:Beta amount:20k")
    await bot.command(REP, "new Unplanned customer:Gamma")
    await bot.command(REP2, "new Not mine customer:Delta")
    await bot.command(REP, "followup in 3d send the contract", channel=bot.channel_of(1).id)
    await bot.command(REP, "followup in 2h call back", channel=bot.channel_of(2).id)

    view = await open_home(bot, REP)
    assert view["type"] == "home"
    assert deal_order(view) == [2, 1, 3]
    assert "Not mine" not in texts(view)
    links = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
             if e["action_id"] == ActionId.OPEN_CHANNEL]
    assert links[0]["url"].endswith(bot.channel_of(2).id)
    assert "Overdue" not in texts(view)
    assert "Team pipeline" not in texts(view)  # a rep manages nobody

    await bot.advance(timedelta(hours=3))
    view = await open_home(bot, REP)
    assert "Overdue follow-ups" in texts(view)
    overdue = texts(view).split("Overdue follow-ups", 1)[1]
    assert "call back" in overdue and "send the contract" not in overdue


async def test_a_managers_home_has_the_team_pipeline_with_the_weighted_forecast(bot: Bot) -> None:
    await make_manager(bot, REP, MANAGER)
    await bot.command(REP, "new One customer:Acme amount:100k")
    await bot.command(REP, "new Two customer:Beta amount:50k")
    await bot.command(REP, "score budget:100k authority:yes need:yes timing:30", channel=bot.channel_of(2).id)
    await bot.command(REP, "next", channel=bot.channel_of(2).id)
    await bot.command(REP2, "new Outside the team customer:Gamma amount:900k")

    view = await open_home(bot, MANAGER)
    pipeline = bot.deps.ws.pipeline
    first, second = pipeline.open_stages[0], pipeline.open_stages[1]
    forecast = Decimal(100_000) * first.probability / 100 + Decimal(50_000) * second.probability / 100
    shown = texts(view)
    assert "Team pipeline" in shown
    assert f"{forecast:,.0f}" in shown, shown
    assert "150,000 open in 2 deals" in shown
    assert "900,000" not in shown

    rep_view = await open_home(bot, REP)
    assert "Team pipeline" not in texts(rep_view)


async def test_log_note_from_the_home_tab_opens_the_form(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme amount:150k")
    view = await open_home(bot, REP)
    value = next(e["value"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"] == ActionId.LOG_NOTE)
    payload = {
        "type": "block_actions", "user": {"id": REP, "username": "ana", "team_id": "T0001"},
        "api_app_id": "A0001", "token": "legacy", "team": {"id": "T0001", "domain": "acme"},
        "container": {"type": "view", "view_id": "V0001"}, "trigger_id": "trigger-home",
        "view": {"id": "V0001", "type": "home", "blocks": view["blocks"]},
        "actions": [{"action_id": ActionId.LOG_NOTE, "block_id": "b", "value": value, "type": "button",
                     "action_ts": "1.2"}],
    }
    response = await bot.interact(payload)
    assert response.status == 200
    await bot.slack.wait_for(lambda: bool(bot.slack.calls_to("views.open")), timeout=10)
    assert bot.slack.calls_to("views.open")[-1].args["view"]["callback_id"] == CallbackId.LOG_NOTE
