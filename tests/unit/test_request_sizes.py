"""The body limit of /slack/events (bot/wiring/http_edge.py) against the biggest requests Dealroom's own
surfaces make Slack send: a click on a full App Home or on a full deal card carries the whole view or
message back, form-encoded. Chinese text costs 9 bytes a character there (UTF-8, percent-encoded),
an emoji 12, and JSON's \\u escapes cost more: 64 KiB would refuse a click on a busy zh-CN App Home."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import replace
from typing import Any

import pytest

from bot.blocks.cards import deal_card
from bot.blocks.home import home_view
from bot.wiring.http_edge import MAX_BODY_BYTES
from models.deals.snapshots import FollowUpInfo
from tests.unit.test_blocks import NOW, make_deal
from tests.unit.test_home_blocks import BERLIN, picture

FILLERS = {"chinese": "华", "emoji": "🎉", "latin": "x"}


def form_sizes(payload: dict[str, Any]) -> list[int]:
    """`payload=<JSON>` as Slack posts an interaction, with and without JSON's \\u escapes."""
    return [len("payload=" + urllib.parse.quote(json.dumps(payload, ensure_ascii=escape, separators=(",", ":")),
                                                safe="")) for escape in (True, False)]


def click(**surface: Any) -> dict[str, Any]:
    """A block_actions payload around `surface` (view= or message=), with Slack's usual envelope."""
    return {
        "type": "block_actions", "api_app_id": "A0123456789", "token": "x" * 24,
        "team": {"id": "T0123456789", "domain": "a-rather-long-workspace-domain"},
        "user": {"id": "U0123456789", "username": "someone", "name": "someone", "team_id": "T0123456789"},
        "trigger_id": "1234567890123.1234567890123.0123456789abcdef0123456789abcdef",
        "response_url": "https://hooks.slack.com/actions/T0123456789/1234567890123/" + "a" * 24,
        "actions": [{"action_id": "deal_log_note", "block_id": "abcde", "value": "1", "type": "button",
                     "text": {"type": "plain_text", "text": "Log note", "emoji": True},
                     "action_ts": "1700000000.000000"}],
        **surface,
    }


@pytest.mark.parametrize("filler", FILLERS, ids=list(FILLERS))
@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_click_on_the_fullest_app_home_fits_the_body_limit(filler: str, locale: str) -> None:
    char = FILLERS[filler]
    view = home_view(picture(1000, 1000, title=char * 400, text=char * 3000, locale=locale), tz=BERLIN,
                     locale=locale)
    view.update(id="V0123456789", team_id="T0123456789", state={"values": {}}, hash="1700000000.abcdefgh",
                private_metadata="", callback_id="", root_view_id="V0123456789", app_id="A0123456789",
                app_installed_team_id="T0123456789", bot_id="B0123456789")
    sizes = form_sizes(click(container={"type": "view", "view_id": "V0123456789"}, view=view))
    assert max(sizes) <= MAX_BODY_BYTES * 0.8, f"{sizes} bytes: keep a fifth of the limit spare"
    if filler == "chinese":
        assert max(sizes) > 64 * 1024, "why the limit is not 64 KiB"


@pytest.mark.parametrize("filler", FILLERS, ids=list(FILLERS))
def test_a_click_on_the_fullest_deal_card_fits_the_body_limit(filler: str) -> None:
    char = FILLERS[filler]
    deal = replace(make_deal(), title=char * 400, customer=char * 400, source=char * 400,
                   custom_fields={f"{char * 60}{i}": char * 400 for i in range(20)},
                   next_followup=FollowUpInfo(id=1, due_at=NOW, text=char * 3000, owner_id="U0OWNER1"))
    card = deal_card(deal, tz=BERLIN, locale="zh-CN")
    message = {"type": "message", "user": "U0123456789", "ts": "1700000000.000100", "bot_id": "B0123456789",
               "app_id": "A0123456789", "text": card.text, "team": "T0123456789", "blocks": card.blocks}
    sizes = form_sizes(click(container={"type": "message", "message_ts": "1700000000.000100",
                                        "channel_id": "C0123456789", "is_ephemeral": False},
                             channel={"id": "C0123456789", "name": "deal-1"}, message=message))
    assert max(sizes) <= MAX_BODY_BYTES * 0.8, sizes
