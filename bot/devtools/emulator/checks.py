"""The checks the Web API methods share: which channel an argument names and whether the bot may act in
it, a message's content, an invalid argument."""

from __future__ import annotations

from typing import Any

from bot.devtools.emulator.api import Args
from bot.devtools.emulator.state import MESSAGE_BLOCKS_MAX, TEXT_MAX, Channel, Message, SlackError, Workspace


def visible(ws: Workspace, ch: Channel) -> bool:
    return not (ch.is_private or ch.is_im) or ws.bot_user_id in ch.members


def channel_arg(ws: Workspace, a: Args, name: str = "channel") -> Channel:
    """The channel named by argument `name`, as the bot can see it (private ones only as a member)."""
    ch = ws.channels.get(a.get(name) or "")
    if ch is None or not visible(ws, ch):
        raise SlackError("channel_not_found")
    return ch


def post_target(ws: Workspace, channel_id: str | None) -> Channel:
    """Where chat.* / files.* post: a channel or DM id, or a user id (opens the bot's DM with them)."""
    if channel_id and channel_id in ws.users and channel_id != ws.bot_user_id:
        channel, _ = ws.open_im(channel_id)
        return channel
    ch = ws.channels.get(channel_id or "")
    if ch is None:
        raise SlackError("channel_not_found")
    if ch.is_archived:
        raise SlackError("is_archived")
    if ws.bot_user_id not in ch.members and (ch.is_private or ch.is_im):
        raise SlackError("not_in_channel")
    return ch


def not_archived(ch: Channel) -> None:
    if ch.is_archived:
        raise SlackError("is_archived")


def bot_is_member(ws: Workspace, ch: Channel) -> None:
    if ws.bot_user_id not in ch.members:
        raise SlackError("not_in_channel")


def not_im(ch: Channel) -> None:
    if ch.is_im:
        raise SlackError("method_not_supported_for_channel_type")


def message_content(a: Args, *, required: bool = True) -> tuple[str | None, Any, Any]:
    """(text, blocks, attachments) of chat.postMessage / postEphemeral / update, validated."""
    text = a.get("text")
    blocks = a.json("blocks", "invalid_blocks_format")
    attachments = a.json("attachments", "invalid_attachments")
    if blocks is not None and not (isinstance(blocks, list) and all(isinstance(b, dict) for b in blocks)):
        raise SlackError("invalid_blocks", messages=["[ERROR] must provide an array of blocks [json-pointer:/blocks]"])
    if blocks is not None and len(blocks) > MESSAGE_BLOCKS_MAX:
        raise SlackError(
            "invalid_blocks",
            messages=[f"[ERROR] no more than {MESSAGE_BLOCKS_MAX} items allowed [json-pointer:/blocks]"],
        )
    if attachments is not None and not isinstance(attachments, list):
        raise SlackError("invalid_attachments")
    if required and not text and not blocks and not attachments:
        raise SlackError("no_text")
    if text is not None and len(text) > TEXT_MAX:
        raise SlackError("msg_too_long")
    return text, blocks, attachments


def visible_message(ws: Workspace, ch: Channel, ts: str | None) -> Message:
    msg = ws.find_message(ch.id, ts or "")
    if msg is None or msg.ephemeral_to is not None:
        raise SlackError("message_not_found")
    return msg


def invalid(message: str) -> SlackError:
    return SlackError("invalid_arguments", messages=[message])

