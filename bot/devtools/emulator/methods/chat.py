"""chat.*: post, post ephemerally, update, permalink."""

from __future__ import annotations

from typing import Any

from bot.devtools.emulator.api import Args, api_method
from bot.devtools.emulator.checks import channel_arg, message_content, not_archived, post_target, visible_message
from bot.devtools.emulator.shapes import message_obj, permalink
from bot.devtools.emulator.state import SlackError, Workspace


@api_method("chat.postMessage")
def chat_post_message(ws: Workspace, a: Args) -> dict[str, Any]:
    ch = post_target(ws, a.get("channel"))
    text, blocks, attachments = message_content(a)
    metadata = a.json("metadata", "invalid_metadata_format")
    msg = ws.post(
        ch,
        user=ws.bot_user_id,
        text=text or "",
        blocks=blocks,
        attachments=attachments,
        thread_ts=a.get("thread_ts"),
        reply_broadcast=a.flag("reply_broadcast"),
        metadata=metadata,
    )
    return {"ok": True, "channel": ch.id, "ts": msg.ts, "message": message_obj(ws, msg)}


@api_method("chat.postEphemeral")
def chat_post_ephemeral(ws: Workspace, a: Args) -> dict[str, Any]:
    ch = post_target(ws, a.get("channel"))
    user = a.get("user")
    if not user or user not in ch.members:
        raise SlackError("user_not_in_channel")
    text, blocks, attachments = message_content(a)
    msg = ws.post(
        ch,
        user=ws.bot_user_id,
        text=text or "",
        blocks=blocks,
        attachments=attachments,
        thread_ts=a.get("thread_ts"),
        ephemeral_to=user,
    )
    return {"ok": True, "message_ts": msg.ts}


@api_method("chat.update")
def chat_update(ws: Workspace, a: Args) -> dict[str, Any]:
    ch = channel_arg(ws, a)
    msg = ws.find_message(ch.id, a.get("ts") or "")
    if msg is None:
        raise SlackError("message_not_found")
    if msg.ephemeral_to is not None or msg.user != ws.bot_user_id:
        raise SlackError("cant_update_message")
    not_archived(ch)
    text, blocks, attachments = message_content(a, required=False)
    if text is None and blocks is None and attachments is None:
        raise SlackError("no_text")
    # Fields left out keep their previous value (Slack documents this for blocks and attachments).
    if text is not None:
        msg.text = text
    if blocks is not None:
        msg.blocks = blocks
    if attachments is not None:
        msg.attachments = attachments
    msg.edited = {"user": ws.bot_user_id, "ts": ws.next_ts()}
    return {"ok": True, "channel": ch.id, "ts": msg.ts, "text": msg.text, "message": message_obj(ws, msg)}


@api_method("chat.getPermalink")
def chat_get_permalink(ws: Workspace, a: Args) -> dict[str, Any]:
    ch = channel_arg(ws, a)
    msg = visible_message(ws, ch, a.get("message_ts"))
    return {"ok": True, "channel": ch.id, "permalink": permalink(ws, msg)}

