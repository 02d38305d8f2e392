"""pins.*: pin, unpin and list a channel's pinned messages."""

from __future__ import annotations

from typing import Any

from bot.devtools.emulator.api import Args, api_method
from bot.devtools.emulator.checks import bot_is_member, channel_arg, visible_message
from bot.devtools.emulator.shapes import message_obj, permalink
from bot.devtools.emulator.state import SlackError, Workspace


@api_method("pins.add")
def pins_add(ws: Workspace, a: Args) -> dict[str, Any]:
    ch = channel_arg(ws, a)
    bot_is_member(ws, ch)
    if not a.get("timestamp"):
        raise SlackError("no_item_specified")
    msg = visible_message(ws, ch, a.get("timestamp"))
    if msg.ts in ch.pins:
        raise SlackError("already_pinned")
    ch.pins.append(msg.ts)
    ch.pinned_by[msg.ts] = (ws.bot_user_id, int(ws.now()))
    return {"ok": True}


@api_method("pins.remove")
def pins_remove(ws: Workspace, a: Args) -> dict[str, Any]:
    ch = channel_arg(ws, a)
    bot_is_member(ws, ch)
    ts = a.get("timestamp")
    if not ts:
        raise SlackError("no_item_specified")
    if ts not in ch.pins:
        raise SlackError("no_pin")
    ch.pins.remove(ts)
    ch.pinned_by.pop(ts, None)
    return {"ok": True}


@api_method("pins.list")
def pins_list(ws: Workspace, a: Args) -> dict[str, Any]:
    ch = channel_arg(ws, a)
    items = []
    for ts in reversed(ch.pins):  # most recently pinned first
        msg = ws.find_message(ch.id, ts)
        if msg is None:
            continue
        by, when = ch.pinned_by.get(ts, ("", 0))
        items.append(
            {
                "type": "message",
                "channel": ch.id,
                "created": when,
                "created_by": by,
                "message": {**message_obj(ws, msg), "permalink": permalink(ws, msg)},
            }
        )
    return {"ok": True, "items": items}

