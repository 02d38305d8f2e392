"""The objects the Web API answers with (a channel, a user, a message, a file), shaped as Slack's own."""

from __future__ import annotations

import mimetypes
from typing import Any
from urllib.parse import quote

from bot.devtools.emulator.state import Channel, File, Message, User, Workspace


def channel_obj(ws: Workspace, ch: Channel, *, num_members: bool = False) -> dict[str, Any]:
    if ch.is_im:
        return {
            "id": ch.id,
            "created": ch.created,
            "is_archived": False,
            "is_im": True,
            "is_org_shared": False,
            "context_team_id": ws.team_id,
            "updated": ch.created * 1000,
            "user": ch.im_user,
            "is_user_deleted": False,
            "priority": 0,
        }
    obj: dict[str, Any] = {
        "id": ch.id,
        "name": ch.name,
        "is_channel": True,
        "is_group": False,
        "is_im": False,
        "is_mpim": False,
        "is_private": ch.is_private,
        "created": ch.created,
        "is_archived": ch.is_archived,
        "is_general": False,
        "unlinked": 0,
        "name_normalized": ch.name,
        "is_shared": False,
        "is_org_shared": False,
        "is_pending_ext_shared": False,
        "pending_shared": [],
        "context_team_id": ws.team_id,
        "updated": ch.created * 1000,
        "parent_conversation": None,
        "creator": ch.creator,
        "is_ext_shared": False,
        "shared_team_ids": [ws.team_id],
        "pending_connected_team_ids": [],
        "is_member": ws.bot_user_id in ch.members,
        "topic": {"value": ch.topic, "creator": ch.topic_set_by, "last_set": ch.topic_set_at},
        "purpose": {"value": ch.purpose, "creator": ch.purpose_set_by, "last_set": ch.purpose_set_at},
        "previous_names": [],
    }
    if num_members:
        obj["num_members"] = len(ch.members)
    return obj


def user_obj(ws: Workspace, user: User) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "title": "",
        "phone": "",
        "skype": "",
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": user.name,
        "display_name_normalized": user.name,
        "fields": None,
        "status_text": "",
        "status_emoji": "",
        "avatar_hash": "",
        "first_name": user.real_name.split(" ")[0],
        "last_name": " ".join(user.real_name.split(" ")[1:]),
        "team": ws.team_id,
    }
    if user.email:
        profile["email"] = user.email
    if user.bot_id:
        profile.update({"bot_id": user.bot_id, "api_app_id": ws.app_id, "always_active": True})
    return {
        "id": user.id,
        "team_id": ws.team_id,
        "name": user.name,
        "deleted": user.deleted,
        "color": "9f69e7",
        "real_name": user.real_name,
        **ws.tz_fields(user),
        "profile": profile,
        "is_admin": False,
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": int(ws.now()),
    }


def permalink(ws: Workspace, msg: Message) -> str:
    link = f"{ws.team_url}archives/{msg.channel}/p{msg.ts.replace('.', '')}"
    if msg.thread_ts and msg.thread_ts != msg.ts:
        link += f"?thread_ts={msg.thread_ts}&cid={msg.channel}"
    return link


def message_obj(ws: Workspace, msg: Message, *, with_metadata: bool = True) -> dict[str, Any]:
    obj: dict[str, Any] = {"type": "message", "ts": msg.ts, "user": msg.user, "text": msg.text, "team": ws.team_id}
    if msg.bot_id:
        obj["bot_id"] = msg.bot_id
        obj["app_id"] = ws.app_id
        obj["bot_profile"] = {
            "id": msg.bot_id,
            "app_id": ws.app_id,
            "name": ws.users[ws.bot_user_id].name,
            "deleted": False,
            "team_id": ws.team_id,
            "icons": {},
            "updated": 0,
        }
    if msg.blocks is not None:
        obj["blocks"] = msg.blocks
    if msg.attachments:
        obj["attachments"] = msg.attachments
    if msg.thread_ts:
        obj["thread_ts"] = msg.thread_ts
    replies = [
        m
        for m in ws.messages.get(msg.channel, [])
        if m.thread_ts == msg.ts and m.ts != msg.ts and m.ephemeral_to is None
    ]
    if replies:  # a thread parent
        users = sorted({m.user for m in replies})
        obj.update(
            thread_ts=msg.ts,
            reply_count=len(replies),
            reply_users=users,
            reply_users_count=len(users),
            latest_reply=replies[-1].ts,
        )
    if msg.reply_broadcast:
        obj["subtype"] = "thread_broadcast"
    if msg.edited:
        obj["edited"] = dict(msg.edited)
    if msg.files:
        obj["files"] = [file_obj(ws, ws.files[f]) for f in msg.files]
        obj["upload"] = False
    if msg.metadata and with_metadata:  # conversations.history only with include_all_metadata
        obj["metadata"] = msg.metadata
    channel = ws.channels.get(msg.channel)
    if channel and msg.ts in channel.pins:
        obj["pinned_to"] = [channel.id]
    return obj


def file_obj(ws: Workspace, f: File) -> dict[str, Any]:
    mimetype = mimetypes.guess_type(f.name)[0] or "application/octet-stream"
    filetype = f.name.rsplit(".", 1)[-1].lower() if "." in f.name else "binary"
    shares: dict[str, dict[str, list[dict[str, Any]]]] = {}
    public: list[str] = []
    private: list[str] = []
    ims: list[str] = []
    for channel_id, messages in ws.messages.items():
        for m in messages:
            if f.id not in m.files:
                continue
            ch = ws.channels[channel_id]
            kind = "private" if ch.is_private or ch.is_im else "public"
            share = {
                "ts": m.ts,
                "channel_name": ch.name,
                "team_id": ws.team_id,
                "share_user_id": m.user,
                "reply_users": [],
                "reply_users_count": 0,
                "reply_count": 0,
                "source": "UNKNOWN",
                "is_silent_share": False,
            }
            if m.thread_ts:
                share["thread_ts"] = m.thread_ts
            shares.setdefault(kind, {}).setdefault(channel_id, []).append(share)
            (ims if ch.is_im else private if ch.is_private else public).append(channel_id)
    url = f"https://files.slack.com/files-pri/{ws.team_id}-{f.id}/{quote(f.name)}"
    obj: dict[str, Any] = {
        "id": f.id,
        "created": f.created,
        "timestamp": f.created,
        "name": f.name,
        "title": f.title,
        "mimetype": mimetype,
        "filetype": filetype,
        "pretty_type": filetype.upper(),
        "user": f.user,
        "user_team": ws.team_id,
        "editable": False,
        "size": len(f.content) if f.content is not None else f.length,
        "mode": "hosted",
        "is_external": False,
        "external_type": "",
        "is_public": bool(public),
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "url_private": url,
        "url_private_download": url + "?download=1",
        "permalink": f"{ws.team_url}files/{f.user}/{f.id}/{quote(f.name)}",
        "permalink_public": f"https://slack-files.com/{ws.team_id}-{f.id}-0000000000",
        "comments_count": 0,
        "is_starred": False,
        "shares": shares,
        "channels": sorted(set(public)),
        "groups": sorted(set(private)),
        "ims": sorted(set(ims)),
        "has_more_shares": False,
        "has_rich_preview": False,
        "file_access": "visible",
    }
    if f.alt_txt:
        obj["alt_txt"] = f.alt_txt
    return obj

