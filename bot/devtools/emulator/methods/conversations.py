"""conversations.*: channels and DMs, their members, topic, purpose and history."""

from __future__ import annotations

from typing import Any

from bot.devtools.emulator.api import Args, api_method, paginate
from bot.devtools.emulator.checks import bot_is_member, channel_arg, not_archived, not_im, visible
from bot.devtools.emulator.shapes import channel_obj, message_obj
from bot.devtools.emulator.state import TOPIC_MAX, Channel, Message, SlackError, Workspace, channel_name_error, ts_key


@api_method("conversations.create")
def conversations_create(ws: Workspace, a: Args) -> dict[str, Any]:
    name = a.get("name") or ""
    error = channel_name_error(name)
    if error:
        raise SlackError(error)
    if ws.channel_named(name):  # archived channels keep their name
        raise SlackError("name_taken")
    channel = ws.create_channel(name, is_private=a.flag("is_private"), creator=ws.bot_user_id)
    return {"ok": True, "channel": channel_obj(ws, channel)}


@api_method("conversations.info")
def conversations_info(ws: Workspace, a: Args) -> dict[str, Any]:
    ch = channel_arg(ws, a)
    return {"ok": True, "channel": channel_obj(ws, ch, num_members=a.flag("include_num_members"))}


_CONVERSATION_TYPES = {"public_channel", "private_channel", "mpim", "im"}


@api_method("conversations.list")
def conversations_list(ws: Workspace, a: Args) -> dict[str, Any]:
    types = set(a.ids("types") or ["public_channel"])
    if not types <= _CONVERSATION_TYPES:
        raise SlackError("invalid_types")
    exclude_archived = a.flag("exclude_archived")

    def kind(ch: Channel) -> str:
        return "im" if ch.is_im else "private_channel" if ch.is_private else "public_channel"

    channels = [
        ch
        for ch in ws.channels.values()
        if kind(ch) in types and visible(ws, ch) and not (exclude_archived and ch.is_archived)
    ]
    page, next_cursor = paginate(channels, lambda c: c.id, a, "team", default=100, maximum=1000)
    return {
        "ok": True,
        "channels": [channel_obj(ws, ch) for ch in page],
        "response_metadata": {"next_cursor": next_cursor},
    }


@api_method("conversations.members")
def conversations_members(ws: Workspace, a: Args) -> dict[str, Any]:
    ch = channel_arg(ws, a)
    page, next_cursor = paginate(sorted(ch.members), lambda u: u, a, "user", default=100, maximum=1000)
    return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}


@api_method("conversations.invite")
def conversations_invite(ws: Workspace, a: Args) -> dict[str, Any]:
    ch = channel_arg(ws, a)
    not_im(ch)
    users = list(dict.fromkeys(a.ids("users")))
    if not users:
        raise SlackError("no_user")
    if len(users) > 1000:
        raise SlackError("too_many_users")
    not_archived(ch)
    bot_is_member(ws, ch)
    errors: list[dict[str, Any]] = []
    for user in users:
        if user == ws.bot_user_id:
            error = "cant_invite_self"
        elif user not in ws.users:
            error = "user_not_found"
        elif user in ch.members:
            error = "already_in_channel"
        else:
            ws.join(ch, user, inviter=ws.bot_user_id)
            continue
        errors.append({"user": user, "ok": False, "error": error})
    if errors:
        # Slack answers with the error only, but the valid users have been invited all the same.
        raise SlackError(errors[0]["error"], errors=errors)
    return {"ok": True, "channel": channel_obj(ws, ch)}


@api_method("conversations.join")
def conversations_join(ws: Workspace, a: Args) -> dict[str, Any]:
    ch = channel_arg(ws, a)
    not_im(ch)
    not_archived(ch)
    if ws.bot_user_id in ch.members:
        return {
            "ok": True,
            "channel": channel_obj(ws, ch),
            "warning": "already_in_channel",
            "response_metadata": {"warnings": ["already_in_channel"]},
        }
    ws.join(ch, ws.bot_user_id, inviter=None)
    return {"ok": True, "channel": channel_obj(ws, ch)}


def _set_topic_or_purpose(ws: Workspace, a: Args, field: str) -> dict[str, Any]:
    ch = channel_arg(ws, a)
    not_im(ch)
    not_archived(ch)
    bot_is_member(ws, ch)
    value = a.get(field) or ""
    if len(value) > TOPIC_MAX:
        raise SlackError("too_long")
    setattr(ch, field, value)
    setattr(ch, f"{field}_set_by", ws.bot_user_id)
    setattr(ch, f"{field}_set_at", int(ws.now()))
    return {"ok": True, "channel": channel_obj(ws, ch)}


@api_method("conversations.setTopic")
def conversations_set_topic(ws: Workspace, a: Args) -> dict[str, Any]:
    return _set_topic_or_purpose(ws, a, "topic")


@api_method("conversations.setPurpose")
def conversations_set_purpose(ws: Workspace, a: Args) -> dict[str, Any]:
    return _set_topic_or_purpose(ws, a, "purpose")


@api_method("conversations.archive")
def conversations_archive(ws: Workspace, a: Args) -> dict[str, Any]:
    ch = channel_arg(ws, a)
    not_im(ch)
    if ch.is_archived:
        raise SlackError("already_archived")
    ch.is_archived = True
    return {"ok": True}


@api_method("conversations.unarchive")
def conversations_unarchive(ws: Workspace, a: Args) -> dict[str, Any]:
    ch = channel_arg(ws, a)
    not_im(ch)
    if not ch.is_archived:
        raise SlackError("not_archived")
    ch.is_archived = False
    return {"ok": True}


@api_method("conversations.open")
def conversations_open(ws: Workspace, a: Args) -> dict[str, Any]:
    if a.get("channel"):
        ch = channel_arg(ws, a)
        existed = True
    else:
        users = [u for u in dict.fromkeys(a.ids("users")) if u != ws.bot_user_id]
        if not users:
            raise SlackError("users_list_not_supplied")
        if len(users) > 1:
            raise SlackError("emulator_does_not_support_mpim")
        if users[0] not in ws.users:
            raise SlackError("user_not_found")
        ch, existed = ws.open_im(users[0])
    body: dict[str, Any] = {"ok": True}
    if existed:
        body.update(no_op=True, already_open=True)
    body["channel"] = channel_obj(ws, ch) if a.flag("return_im") else {"id": ch.id}
    return body


@api_method("conversations.history")
def conversations_history(ws: Workspace, a: Args) -> dict[str, Any]:
    ch = channel_arg(ws, a)
    bot_is_member(ws, ch)
    try:
        oldest = ts_key(a.get("oldest") or "0")
        latest = ts_key(latest_ts) if (latest_ts := a.get("latest")) else None
    except ValueError:
        raise SlackError("invalid_ts_oldest") from None
    inclusive = a.flag("inclusive")

    def wanted(m: Message) -> bool:
        if m.ephemeral_to is not None:
            return False
        if m.thread_ts and m.thread_ts != m.ts and not m.reply_broadcast:
            return False  # thread replies live in conversations.replies
        key = ts_key(m.ts)
        if key < oldest or (key == oldest and not inclusive):
            return False
        return latest is None or key < latest or (key == latest and inclusive)

    messages = [m for m in reversed(ws.messages.get(ch.id, [])) if wanted(m)]
    page, next_cursor = paginate(messages, lambda m: m.ts, a, "next_ts", default=100, maximum=999)
    with_metadata = a.flag("include_all_metadata")
    return {
        "ok": True,
        "messages": [message_obj(ws, m, with_metadata=with_metadata) for m in page],
        "has_more": bool(next_cursor),
        "pin_count": len(ch.pins),
        "channel_actions_ts": None,
        "channel_actions_count": 0,
        "response_metadata": {"next_cursor": next_cursor},
    }

