"""What the page shows one person: their channels and DMs, one conversation, their open modal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.devtools.emulator import Channel, Message, SlackEmulator
from bot.devtools.playground.cast import CAST
from bot.devtools.playground.labels import page_labels
from bot.devtools.playground.slack_client import Replies


def snapshot(slack: SlackEmulator, replies: Replies, *, user: str, channel: str | None, now: datetime,
             closed_views: set[str], digest_at: datetime | None, locale: str = "en") -> dict[str, Any]:
    me = slack.users[user]
    tz = ZoneInfo(me.tz)
    channels = sorted((c for c in slack.channels.values() if not c.is_im), key=lambda c: (c.name != "general", c.id))
    im = slack.ims.get(user)
    current = channel if channel in slack.channels and _may_open(slack.channels[channel], user) else None
    return {
        "me": user,
        "labels": page_labels(locale),
        "cast": [{"id": p.id, "name": p.name, "real_name": p.real_name, "tz": p.tz, "role": p.role} for p in CAST],
        "users": {u.id: u.real_name or u.name for u in slack.users.values()},
        "channel_names": {c.id: c.name for c in slack.channels.values() if not c.is_im},
        "clock": {"utc": now.astimezone(UTC).isoformat(timespec="seconds"),
                  "local": now.astimezone(tz).strftime("%a %d %b %Y %H:%M"), "tz": me.tz,
                  "digest_local": digest_at.astimezone(tz).strftime("%a %H:%M") if digest_at else None},
        "channels": [_channel_entry(c, user) for c in channels],
        "dm": im,
        "current": _conversation(slack, replies, slack.channels[current], user, tz) if current else None,
        "modal": _modal(slack, user, closed_views),
        "home": _home(slack, user),
    }


def _may_open(channel: Channel, user: str) -> bool:
    return not channel.is_im or channel.im_user == user


def _channel_entry(channel: Channel, user: str) -> dict[str, Any]:
    return {"id": channel.id, "name": channel.name, "private": channel.is_private, "archived": channel.is_archived,
            "member": user in channel.members}


def _conversation(slack: SlackEmulator, replies: Replies, channel: Channel, user: str, tz: ZoneInfo) -> dict[str, Any]:
    member = user in channel.members
    readable = member or not channel.is_private
    messages = [_message(slack, m, channel, tz) for m in slack.messages.get(channel.id, [])
                if readable and m.thread_ts in (None, m.ts) and m.ephemeral_to in (None, user)]
    for reply in replies.visible_to(user, channel.id):
        messages.append({"ts": f"{reply.at:.6f}", "user": slack.bot_user_id, "bot": True, "text": reply.text,
                         "blocks": reply.blocks, "pinned": False, "ephemeral": True, "ephemeral_id": reply.id,
                         "time": datetime.fromtimestamp(reply.at, tz).strftime("%H:%M")})
    messages.sort(key=lambda m: float(m["ts"]))
    return {"id": channel.id, "name": "dealroom" if channel.is_im else channel.name, "is_im": channel.is_im,
            "private": channel.is_private, "archived": channel.is_archived, "member": member, "readable": readable,
            "topic": channel.topic, "members": sorted(slack.users[m].name for m in channel.members if m in slack.users),
            "messages": messages}


def _message(slack: SlackEmulator, message: Message, channel: Channel, tz: ZoneInfo) -> dict[str, Any]:
    return {"ts": message.ts, "user": message.user, "bot": message.user == slack.bot_user_id, "text": message.text,
            "blocks": message.blocks or [], "pinned": message.ts in channel.pins,
            "ephemeral": message.ephemeral_to is not None, "edited": message.edited is not None,
            "time": datetime.fromtimestamp(float(message.ts), tz).strftime("%H:%M"),
            "date": datetime.fromtimestamp(float(message.ts), tz).strftime("%a %d %b")}


def _modal(slack: SlackEmulator, user: str, closed: set[str]) -> dict[str, Any] | None:
    for root, stack in reversed(list(slack.modal_stacks.items())):
        if root in closed or slack.view_users.get(root) != user or not stack:
            continue
        view = slack.views[stack[-1]]
        return {"id": view["id"], "root": root, "title": (view.get("title") or {}).get("text", ""),
                "submit": (view.get("submit") or {}).get("text"), "close": (view.get("close") or {}).get("text"),
                "blocks": view["blocks"], "hash": view["hash"]}
    return None


def _home(slack: SlackEmulator, user: str) -> dict[str, Any] | None:
    view_id = slack.home_views.get(user)
    view = slack.views.get(view_id or "")
    return {"id": view["id"], "blocks": view["blocks"]} if view else None
