"""HTTP side of the Slack emulator: the aiohttp app, request parsing, fault injection and the Web API methods.

Routes (all on `SlackEmulator.base_url`):

* `/api/<method>`        — Web API; JSON, form or query arguments; token in `Authorization: Bearer …`
                           (or a `token` form/query parameter, as Slack allows).
* `/upload/v1/<file_id>` — the upload URL handed out by files.getUploadURLExternal.
* `/hooks/<key>`         — a response_url (see `SlackEmulator.response_url`).
* `/api/apps.connections.open`, `/socket/<ticket>` — Socket Mode (`SlackEmulator.socket_mode`,
                           in `bot.emulator.socket`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import copy
import inspect
import json
import logging
import math
import mimetypes
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.devtools.emulator.socket import SocketModeServer
from bot.devtools.emulator.state import (
    MESSAGE_BLOCKS_MAX,
    MODAL_STACK_MAX,
    TEXT_MAX,
    TOPIC_MAX,
    TRIGGER_TTL_SECONDS,
    VIEW_BLOCKS_MAX,
    Call,
    Channel,
    Fault,
    File,
    Message,
    SlackError,
    Trigger,
    User,
    Workspace,
    channel_name_error,
    ts_key,
)
from bot.wiring.http_edge import foreign_host

logger = logging.getLogger(__name__)

Handler = Callable[[Workspace, "Args"], dict[str, Any]]
METHODS: dict[str, Handler] = {}

# Non-Web-API endpoints that `fail()` can target by these names.
PSEUDO_METHODS = ("response_url", "file_upload")

RATE_TIERS: dict[str, str] = json.loads(Path(__file__).with_name("rate_limit_tiers.json").read_text())
TIER_PER_MINUTE = {"Tier1": 1, "Tier2": 20, "Tier3": 50, "Tier4": 100}
RESPONSE_URL_MAX_USES = 5
RESPONSE_URL_TTL_SECONDS = 30 * 60


def api_method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name] = handler
        return handler

    return register


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class Args:
    """The merged query/form/JSON arguments of one call, with Slack-style coercions."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def get(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def flag(self, name: str) -> bool:
        value = self.data.get(name)
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("1", "true")

    def number(self, name: str, default: int) -> int:
        value = self.data.get(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SlackError("invalid_arguments", messages=[f"[ERROR] must be an integer: {name}"]) from None

    def ids(self, name: str) -> list[str]:
        value = self.data.get(name)
        if value is None:
            return []
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(item).strip() for item in items if str(item).strip()]

    def json(self, name: str, error: str) -> Any:
        """A JSON-typed argument: native in JSON bodies, a JSON string in forms."""
        value = self.data.get(name)
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise SlackError(error, messages=[f"[ERROR] invalid JSON: {name}"]) from None
        return value


# ---- API object shapes ------------------------------------------------------------------------


def _encode_cursor(kind: str, value: str) -> str:
    return base64.b64encode(f"{kind}:{value}".encode()).decode()


def _paginate(items: list[Any], key: Callable[[Any], str], a: Args, kind: str, *, default: int, maximum: int):
    """Slack cursor pagination: (page, next_cursor); the cursor names the first item of the next page."""
    limit = a.number("limit", default)
    limit = default if limit <= 0 else min(limit, maximum)
    start = 0
    cursor = a.get("cursor")
    if cursor:
        try:
            prefix, _, value = base64.b64decode(cursor, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise SlackError("invalid_cursor") from None
        keys = [key(item) for item in items]
        if prefix != kind or value not in keys:
            raise SlackError("invalid_cursor")
        start = keys.index(value)
    page = items[start : start + limit]
    rest = items[start + limit :]
    return page, (_encode_cursor(kind, key(rest[0])) if rest else "")


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
    public, private, ims = [], [], []
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


# ---- shared checks ---------------------------------------------------------------------------


def _visible(ws: Workspace, ch: Channel) -> bool:
    return not (ch.is_private or ch.is_im) or ws.bot_user_id in ch.members


def _channel(ws: Workspace, a: Args, name: str = "channel") -> Channel:
    """The channel named by argument `name`, as the bot can see it (private ones only as a member)."""
    ch = ws.channels.get(a.get(name) or "")
    if ch is None or not _visible(ws, ch):
        raise SlackError("channel_not_found")
    return ch


def _post_target(ws: Workspace, channel_id: str | None) -> Channel:
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


def _not_archived(ch: Channel) -> None:
    if ch.is_archived:
        raise SlackError("is_archived")


def _bot_is_member(ws: Workspace, ch: Channel) -> None:
    if ws.bot_user_id not in ch.members:
        raise SlackError("not_in_channel")


def _not_im(ch: Channel) -> None:
    if ch.is_im:
        raise SlackError("method_not_supported_for_channel_type")


def _message_content(a: Args, *, required: bool = True):
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


def _visible_message(ws: Workspace, ch: Channel, ts: str | None) -> Message:
    msg = ws.find_message(ch.id, ts or "")
    if msg is None or msg.ephemeral_to is not None:
        raise SlackError("message_not_found")
    return msg


# ---- auth / users -------------------------------------------------------------------------------


@api_method("auth.test")
def auth_test(ws: Workspace, a: Args) -> dict[str, Any]:
    return {
        "ok": True,
        "url": ws.team_url,
        "team": ws.team_name,
        "user": ws.users[ws.bot_user_id].name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


@api_method("users.info")
def users_info(ws: Workspace, a: Args) -> dict[str, Any]:
    user = ws.users.get(a.get("user") or "")
    if user is None:
        raise SlackError("user_not_found")
    obj = user_obj(ws, user)
    if a.flag("include_locale"):
        obj["locale"] = "en-US"
    return {"ok": True, "user": obj}


@api_method("users.lookupByEmail")
def users_lookup_by_email(ws: Workspace, a: Args) -> dict[str, Any]:
    email = (a.get("email") or "").lower()
    user = next((u for u in ws.users.values() if u.email and u.email.lower() == email), None)
    if user is None:
        raise SlackError("users_not_found")
    return {"ok": True, "user": user_obj(ws, user)}


# ---- conversations.* ----------------------------------------------------------------------------


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
    ch = _channel(ws, a)
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
        if kind(ch) in types and _visible(ws, ch) and not (exclude_archived and ch.is_archived)
    ]
    page, next_cursor = _paginate(channels, lambda c: c.id, a, "team", default=100, maximum=1000)
    return {
        "ok": True,
        "channels": [channel_obj(ws, ch) for ch in page],
        "response_metadata": {"next_cursor": next_cursor},
    }


@api_method("conversations.members")
def conversations_members(ws: Workspace, a: Args) -> dict[str, Any]:
    ch = _channel(ws, a)
    page, next_cursor = _paginate(sorted(ch.members), lambda u: u, a, "user", default=100, maximum=1000)
    return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}


@api_method("conversations.invite")
def conversations_invite(ws: Workspace, a: Args) -> dict[str, Any]:
    ch = _channel(ws, a)
    _not_im(ch)
    users = list(dict.fromkeys(a.ids("users")))
    if not users:
        raise SlackError("no_user")
    if len(users) > 1000:
        raise SlackError("too_many_users")
    _not_archived(ch)
    _bot_is_member(ws, ch)
    errors = []
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
    ch = _channel(ws, a)
    _not_im(ch)
    _not_archived(ch)
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
    ch = _channel(ws, a)
    _not_im(ch)
    _not_archived(ch)
    _bot_is_member(ws, ch)
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
    ch = _channel(ws, a)
    _not_im(ch)
    if ch.is_archived:
        raise SlackError("already_archived")
    ch.is_archived = True
    return {"ok": True}


@api_method("conversations.unarchive")
def conversations_unarchive(ws: Workspace, a: Args) -> dict[str, Any]:
    ch = _channel(ws, a)
    _not_im(ch)
    if not ch.is_archived:
        raise SlackError("not_archived")
    ch.is_archived = False
    return {"ok": True}


@api_method("conversations.open")
def conversations_open(ws: Workspace, a: Args) -> dict[str, Any]:
    if a.get("channel"):
        ch = _channel(ws, a)
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
    ch = _channel(ws, a)
    _bot_is_member(ws, ch)
    try:
        oldest = ts_key(a.get("oldest") or "0")
        latest = ts_key(a.get("latest")) if a.get("latest") else None
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
    page, next_cursor = _paginate(messages, lambda m: m.ts, a, "next_ts", default=100, maximum=999)
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


# ---- chat.* ----------------------------------------------------------------------------------


@api_method("chat.postMessage")
def chat_post_message(ws: Workspace, a: Args) -> dict[str, Any]:
    ch = _post_target(ws, a.get("channel"))
    text, blocks, attachments = _message_content(a)
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
    ch = _post_target(ws, a.get("channel"))
    user = a.get("user")
    if not user or user not in ch.members:
        raise SlackError("user_not_in_channel")
    text, blocks, attachments = _message_content(a)
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
    ch = _channel(ws, a)
    msg = ws.find_message(ch.id, a.get("ts") or "")
    if msg is None:
        raise SlackError("message_not_found")
    if msg.ephemeral_to is not None or msg.user != ws.bot_user_id:
        raise SlackError("cant_update_message")
    _not_archived(ch)
    text, blocks, attachments = _message_content(a, required=False)
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
    ch = _channel(ws, a)
    msg = _visible_message(ws, ch, a.get("message_ts"))
    return {"ok": True, "channel": ch.id, "permalink": permalink(ws, msg)}


# ---- pins.* ----------------------------------------------------------------------------------


@api_method("pins.add")
def pins_add(ws: Workspace, a: Args) -> dict[str, Any]:
    ch = _channel(ws, a)
    _bot_is_member(ws, ch)
    if not a.get("timestamp"):
        raise SlackError("no_item_specified")
    msg = _visible_message(ws, ch, a.get("timestamp"))
    if msg.ts in ch.pins:
        raise SlackError("already_pinned")
    ch.pins.append(msg.ts)
    ch.pinned_by[msg.ts] = (ws.bot_user_id, int(ws.now()))
    return {"ok": True}


@api_method("pins.remove")
def pins_remove(ws: Workspace, a: Args) -> dict[str, Any]:
    ch = _channel(ws, a)
    _bot_is_member(ws, ch)
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
    ch = _channel(ws, a)
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


# ---- views.* ---------------------------------------------------------------------------------


def _invalid(message: str) -> SlackError:
    return SlackError("invalid_arguments", messages=[message])


def _trigger(ws: Workspace, a: Args) -> Trigger | None:
    """Check trigger_id.  Triggers minted by `Workspace.trigger_id` expire and are single-use."""
    trigger_id = a.get("trigger_id")
    if not trigger_id:
        raise _invalid("[ERROR] missing required field: trigger_id")
    if trigger_id == "expired":
        raise SlackError("expired_trigger_id")
    trigger = ws.triggers.get(trigger_id)
    if trigger is None:
        return None  # fabricated by a test: accepted, nothing known about it
    if trigger.used:
        raise SlackError("exchanged_trigger_id")
    if ws.now() - trigger.issued_at > TRIGGER_TTL_SECONDS:
        raise SlackError("expired_trigger_id")
    return trigger


def _view_arg(ws: Workspace, a: Args, types: tuple[str, ...], current_id: str | None = None) -> dict[str, Any]:
    view = a.json("view", "invalid_arguments")
    if not isinstance(view, dict):
        raise _invalid("[ERROR] missing required field: view")
    if view.get("type") not in types:
        raise _invalid(f"[ERROR] must be one of {', '.join(types)} [json-pointer:/view/type]")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        raise _invalid("[ERROR] missing required field: blocks [json-pointer:/view]")
    if len(blocks) > VIEW_BLOCKS_MAX:
        raise _invalid(f"[ERROR] no more than {VIEW_BLOCKS_MAX} items allowed [json-pointer:/view/blocks]")
    if view["type"] == "modal":
        title = (view.get("title") or {}).get("text")
        if not title:
            raise _invalid("[ERROR] missing required field: title [json-pointer:/view]")
        for key in ("title", "submit", "close"):
            text = (view.get(key) or {}).get("text") or ""
            if len(text) > 24:
                raise _invalid(f"[ERROR] must be less than 25 characters [json-pointer:/view/{key}/text]")
    if len(view.get("private_metadata") or "") > 3000:
        raise _invalid("[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]")
    external_id = view.get("external_id")
    if external_id and any(v.get("external_id") == external_id and vid != current_id for vid, v in ws.views.items()):
        raise SlackError("duplicate_external_id")
    return view


def _store_view(
    ws: Workspace, view: dict[str, Any], view_id: str, *, root: str | None, previous: str | None
) -> dict[str, Any]:
    is_modal = view["type"] == "modal"
    obj = {
        "id": view_id,
        "team_id": ws.team_id,
        "type": view["type"],
        "blocks": view["blocks"],
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "state": {"values": {}},
        "hash": f"{int(ws.now())}.{ws.next_number('hash'):08x}",
        "title": view.get("title"),
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "close": view.get("close") if is_modal else None,
        "submit": view.get("submit") if is_modal else None,
        "previous_view_id": previous,
        "root_view_id": root or view_id,
        "app_id": ws.app_id,
        "external_id": view.get("external_id", ""),
        "app_installed_team_id": ws.team_id,
        "bot_id": ws.bot_id,
    }
    ws.views[view_id] = obj
    return obj


@api_method("views.open")
def views_open(ws: Workspace, a: Args) -> dict[str, Any]:
    trigger = _trigger(ws, a)
    view = _view_arg(ws, a, ("modal",))
    view_id = ws.next_id("V")
    obj = _store_view(ws, view, view_id, root=None, previous=None)
    ws.modal_stacks[view_id] = [view_id]
    ws.view_users[view_id] = trigger.user if trigger else None
    if trigger:
        trigger.used = True
    return {"ok": True, "view": obj}


@api_method("views.push")
def views_push(ws: Workspace, a: Args) -> dict[str, Any]:
    trigger = _trigger(ws, a)
    view = _view_arg(ws, a, ("modal",))
    root = previous = None
    if trigger and trigger.view_id in ws.views:
        root = ws.views[trigger.view_id]["root_view_id"]
        stack = ws.modal_stacks.setdefault(root, [root])
        if len(stack) >= MODAL_STACK_MAX:
            raise SlackError("push_limit_reached")
        previous = stack[-1]
    view_id = ws.next_id("V")
    obj = _store_view(ws, view, view_id, root=root, previous=previous)
    ws.modal_stacks.setdefault(obj["root_view_id"], []).append(view_id)
    ws.view_users[view_id] = trigger.user if trigger else None
    if trigger:
        trigger.used = True
    return {"ok": True, "view": obj}


@api_method("views.update")
def views_update(ws: Workspace, a: Args) -> dict[str, Any]:
    view_id, external_id = a.get("view_id"), a.get("external_id")
    if not view_id and not external_id:
        raise _invalid("[ERROR] either view_id or external_id is required")
    if view_id:
        current = ws.views.get(view_id)
    else:
        current = next((v for v in ws.views.values() if v.get("external_id") == external_id), None)
    if current is None:
        raise SlackError("not_found")
    view = _view_arg(ws, a, (current["type"],), current_id=current["id"])
    expected_hash = a.get("hash")
    if expected_hash and expected_hash != current["hash"]:
        raise SlackError("hash_conflict")
    obj = _store_view(ws, view, current["id"], root=current["root_view_id"], previous=current["previous_view_id"])
    return {"ok": True, "view": obj}


@api_method("views.publish")
def views_publish(ws: Workspace, a: Args) -> dict[str, Any]:
    user_id = a.get("user_id")
    if not user_id:
        raise _invalid("[ERROR] missing required field: user_id")
    if user_id not in ws.users:
        raise SlackError("user_not_found")
    view = _view_arg(ws, a, ("home",), current_id=ws.home_views.get(user_id))
    current = ws.views.get(ws.home_views.get(user_id, ""))
    expected_hash = a.get("hash")
    if expected_hash and current and expected_hash != current["hash"]:
        raise SlackError("hash_conflict")
    view_id = current["id"] if current else ws.next_id("V")
    obj = _store_view(ws, view, view_id, root=None, previous=None)
    ws.home_views[user_id] = view_id
    ws.view_users[view_id] = user_id
    return {"ok": True, "view": obj}


# ---- files.* ---------------------------------------------------------------------------------


@api_method("files.getUploadURLExternal")
def files_get_upload_url_external(ws: Workspace, a: Args) -> dict[str, Any]:
    filename = a.get("filename")
    if not filename:
        raise _invalid("[ERROR] missing required field: filename")
    if a.get("length") is None:
        raise _invalid("[ERROR] missing required field: length")
    length = a.number("length", 0)
    if length < 1:
        raise _invalid("[ERROR] must be greater than 0: length")
    file = File(
        id=ws.next_id("F"),
        name=filename,
        length=length,
        user=ws.bot_user_id,
        created=int(ws.now()),
        title=filename,
        alt_txt=a.get("alt_txt"),
        snippet_type=a.get("snippet_type"),
    )
    ws.files[file.id] = file
    return {"ok": True, "upload_url": f"{ws.base_url}/upload/v1/{file.id}", "file_id": file.id}


@api_method("files.completeUploadExternal")
def files_complete_upload_external(ws: Workspace, a: Args) -> dict[str, Any]:
    entries = a.json("files", "invalid_arguments")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) and e.get("id") for e in entries):
        raise _invalid("[ERROR] missing required field: files")
    files = []
    for entry in entries:
        file = ws.files.get(str(entry["id"]))
        if file is None or file.content is None or file.completed:
            raise SlackError("file_not_found")
        files.append((file, entry.get("title")))
    channel_ids = list(dict.fromkeys(([a.get("channel_id")] if a.get("channel_id") else []) + a.ids("channels")))
    thread_ts = a.get("thread_ts")
    if thread_ts and len(channel_ids) > 1:
        raise _invalid("[ERROR] thread_ts requires exactly one channel")
    targets = [_post_target(ws, cid) for cid in channel_ids]
    initial_comment = a.get("initial_comment")
    blocks = None if initial_comment else a.json("blocks", "invalid_blocks_format")

    for file, title in files:
        file.completed = True
        if title:
            file.title = str(title)
    for ch in targets:
        ws.post(
            ch,
            user=ws.bot_user_id,
            text=initial_comment or "",
            blocks=blocks,
            thread_ts=thread_ts,
            files=[f.id for f, _ in files],
        )
        for file, _ in files:
            file.channels.append(ch.id)
    return {"ok": True, "files": [file_obj(ws, f) for f, _ in files]}


# ---- the emulator ------------------------------------------------------------------------------


class Hold:
    """A call held after Slack did its work, before the caller hears back (see `SlackEmulator.hold`)."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()
        self.released = asyncio.Event()

    def release(self) -> None:
        self.released.set()


class SlackEmulator(Workspace):
    """A stateful, recording Slack Web API on a local port.

    Extra keyword arguments go to `Workspace`: bot_name ("dealroom"), team_name, team_domain
    ("emulated", giving https://emulated.slack.com/ permalinks) and app_id ("A0001").
    """

    def __init__(
        self,
        *,
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        team_id: str = "T0001",
        bot_token: str = "xoxb-test-token",
        clock: Callable[[], float] | None = None,
        **workspace: Any,
    ) -> None:
        super().__init__(
            bot_user_id=bot_user_id, bot_id=bot_id, team_id=team_id, bot_token=bot_token, clock=clock, **workspace
        )
        self.errors: list[BaseException] = []  # emulator bugs and failing hooks; the fixture fails on them
        self._faults: list[Fault] = []
        self._outage_status: int | None = None
        self._tiers_enabled = False
        self._holds: dict[str, Hold] = {}
        self._windows: dict[tuple[str, ...], deque[float]] = {}
        self._runner: web.AppRunner | None = None
        self.socket_mode = SocketModeServer(self)

    # ---- lifecycle ----------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if self._runner is not None:
            raise RuntimeError("emulator already started")
        app = web.Application(client_max_size=100 * 1024 * 1024, middlewares=[_programs_on_this_machine_only])
        self.socket_mode.add_routes(app)  # before /api/{method}: apps.connections.open takes an xapp- token
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/upload/v1/{file_id}", self._handle_upload)
        app.router.add_post("/hooks/{key}", self._handle_response_url)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        bound_port = runner.addresses[0][1]
        public_host = "127.0.0.1" if host in ("", "0.0.0.0") else host
        self.base_url = f"http://{public_host}:{bound_port}"

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await self.socket_mode.close()
            await runner.cleanup()

    async def __aenter__(self) -> SlackEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def response_url(self, key: str = "") -> str:
        """A response_url served by the emulator; POSTs to it land in `responses` with this key.

        An empty key mints a fresh one (R0001, R0002, …).  Like Slack, each URL takes 5 posts within
        30 minutes (emulator clock); later posts get HTTP 404 `used_url` / `expired_url`.
        """
        if not self.base_url:
            raise RuntimeError("start() the emulator before asking for a response_url")
        key = key or self.next_id("R")
        self.response_urls.setdefault(key, self.now())
        return f"{self.base_url}/hooks/{quote(key, safe='')}"

    async def add_member(self, channel_id: str, user_id: str, inviter: str | None = None) -> None:
        """A human joins (or is added by `inviter`) outside the bot: updates state and fires the hooks."""
        self.join(self.channels[channel_id], user_id, inviter)
        await self._notify_joined(self.take_joined())

    async def remove_member(self, channel_id: str, user_id: str) -> None:
        """A human leaves (or is removed by another human) outside the bot: updates state and fires the
        `on_member_left` hooks, as Slack sends member_left_channel."""
        self.leave(self.channels[channel_id], user_id)
        await self._notify_left(self.take_left())

    # ---- fault injection ----------------------------------------------------------------------

    def fail(
        self,
        method: str | None,
        *,
        error: str | None = None,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
        connection_error: bool = False,
        process: bool = False,
    ) -> None:
        """Make the next `times` calls of `method` (None = any Web API method) fail.

        * `connection_error=True`: the connection is closed without a response.
        * `retry_after=N` or `status=429`: HTTP 429 with `Retry-After: N` (default 1) and
          `{"ok": false, "error": "ratelimited"}`.
        * `status>=400`: that status with `{"ok": false, "error": error}`; error defaults to
          "service_unavailable" for 503 and "fatal_error" otherwise.
        * otherwise: HTTP 200 `{"ok": false, "error": error or "fatal_error"}`.
        `process=True` runs the method first (state changes, hooks fire) and then fails the response —
        the "did my request go through?" case.  `method` may also be "response_url" or "file_upload".
        """
        if method is not None and method not in METHODS and method not in PSEUDO_METHODS:
            raise ValueError(f"fail(): {method!r} is not a method the emulator implements")
        if times < 1:
            raise ValueError("fail(): times must be >= 1")
        self._faults.append(
            Fault(
                method=method,
                error=error,
                status=status,
                retry_after=retry_after,
                times=times,
                connection_error=connection_error,
                process=process,
            )
        )

    def hold(self, method: str) -> Hold:
        """The next call of `method` runs (state changes) and then its answer waits until the test
        calls `release()`, or forever: the window in which a test kills the caller."""
        if method not in METHODS:
            raise ValueError(f"hold(): {method!r} is not a method the emulator implements")
        held = Hold()
        self._holds[method] = held
        return held

    def heal(self) -> None:
        """Slack is back: no outage, no pending injected faults."""
        self._outage_status = None
        self._faults.clear()

    def outage(self, on: bool, *, status: int = 503) -> None:
        """While on, every Web API call fails with `status`."""
        self._outage_status = status if on else None

    def tier_limits(self, enabled: bool) -> None:
        """Enforce Slack's per-method rate tiers (per emulator clock) with 429 + Retry-After."""
        self._tiers_enabled = enabled
        self._windows.clear()

    def _take_fault(self, method: str) -> Fault | None:
        if self._outage_status is not None and method not in PSEUDO_METHODS:
            return Fault(method=None, status=self._outage_status)
        for fault in self._faults:
            if fault.method == method or (fault.method is None and method not in PSEUDO_METHODS):
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
                return fault
        return None

    @staticmethod
    def _fault_reply(fault: Fault) -> tuple[int, dict[str, Any], dict[str, str]]:
        if fault.retry_after is not None or fault.status == 429:
            retry_after = 1 if fault.retry_after is None else fault.retry_after
            return 429, {"ok": False, "error": fault.error or "ratelimited"}, {"Retry-After": str(retry_after)}
        default = "service_unavailable" if fault.status == 503 else "fatal_error"
        return fault.status, {"ok": False, "error": fault.error or default}, {}

    def _enforce_tier(self, method: str, args: dict[str, Any]) -> None:
        if not self._tiers_enabled:
            return
        if method == "chat.postMessage":
            key: tuple[str, ...] = (method, str(args.get("channel")))
            limit, window = 1, 1.0
        else:
            per_minute = TIER_PER_MINUTE.get(RATE_TIERS.get(method, ""))
            if per_minute is None:
                return  # special tiers ("hundreds per minute") are not limited
            key, limit, window = (method,), per_minute, 60.0
        now = self.now()
        recent = self._windows.setdefault(key, deque())
        while recent and recent[0] <= now - window:
            recent.popleft()
        if len(recent) >= limit:
            raise RateLimited(max(1, math.ceil(recent[0] + window - now)))
        recent.append(now)

    # ---- inspection -----------------------------------------------------------------------------

    def describe(self, last: int = 20) -> str:
        """Recent calls and response_url posts, for failure messages."""
        lines = [f"last {min(last, len(self.calls))} of {len(self.calls)} Web API calls:"]
        for call in self.calls[-last:]:
            outcome = "ok" if call.ok else f"error={call.error}"
            args = json.dumps(call.args, default=str, ensure_ascii=False)
            lines.append(f"  {call.method} [{call.status} {outcome}] {args[:240]}")
        if self.responses:
            lines.append(f"{len(self.responses)} response_url posts, last: {self.responses[-1]}")
        if self.errors:
            lines.append(f"emulator errors: {self.errors!r}")
        return "\n".join(lines)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Poll `predicate` every 10 ms; AssertionError with recent calls if it stays false."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() >= deadline:
                name = getattr(predicate, "__name__", "predicate")
                raise AssertionError(f"{name} still false after {timeout}s\n{self.describe()}")
            await asyncio.sleep(0.01)

    # ---- HTTP handlers --------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args, token, parse_error = await _read_api_request(request)
        call = Call(method=method, args=_decoded(args), at=self.now())
        self.calls.append(call)
        fault = self._take_fault(method)

        if fault is None or fault.process:
            status, body, headers = self._dispatch(method, args, token, parse_error)
            call.ok, call.error, call.status, call.response = bool(body.get("ok")), body.get("error"), status, body
            await self._notify_joined(self.take_joined())
            await self._notify_left(self.take_left())
            if fault is None and (held := self._holds.pop(method, None)) is not None:
                held.reached.set()
                await held.released.wait()
            if fault is None:
                return web.json_response(body, status=status, headers=headers)

        assert fault is not None
        if fault.connection_error:
            call.ok, call.error, call.status = False, "connection_dropped", 0
            if request.transport is not None:
                request.transport.close()
            return web.Response()  # never reaches the client
        status, body, headers = self._fault_reply(fault)
        call.ok, call.error, call.status, call.response = False, body["error"], status, body
        return web.json_response(body, status=status, headers=headers)

    def _dispatch(
        self, method: str, args: dict[str, Any], token: str | None, parse_error: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Run one Web API method synchronously (so the state change is atomic)."""
        try:
            handler = METHODS.get(method)
            if handler is None:
                raise SlackError("unknown_method")
            if not token:
                raise SlackError("not_authed")
            if token != self.bot_token:
                raise SlackError("invalid_auth")
            if parse_error:
                raise SlackError(parse_error)
            self._enforce_tier(method, args)
            return 200, handler(self, Args(args)), {}
        except SlackError as exc:
            return 200, exc.body(), {}
        except RateLimited as exc:
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(exc.retry_after)}
        except Exception as exc:  # an emulator bug: make it loud
            logger.exception("emulator failed on %s", method)
            self.errors.append(exc)
            return 500, {"ok": False, "error": "emulator_error", "detail": repr(exc)}, {}

    async def _notify_joined(self, joined: list[tuple[str, str, str | None]]) -> None:
        """Run `on_member_joined` hooks, awaited before the API response is sent."""
        for channel_id, user_id, inviter in joined:
            for hook in list(self.on_member_joined):
                try:
                    result = hook(channel_id, user_id, inviter)
                    if inspect.isawaitable(result):
                        await result
                except Exception as exc:
                    logger.exception("on_member_joined hook failed")
                    self.errors.append(exc)

    async def _notify_left(self, left: list[tuple[str, str]]) -> None:
        """Run `on_member_left` hooks, awaited before the API response is sent."""
        for channel_id, user_id in left:
            for hook in list(self.on_member_left):
                try:
                    result = hook(channel_id, user_id)
                    if inspect.isawaitable(result):
                        await result
                except Exception as exc:
                    logger.exception("on_member_left hook failed")
                    self.errors.append(exc)

    async def _handle_upload(self, request: web.Request) -> web.StreamResponse:
        file_id = request.match_info["file_id"]
        if request.content_type == "multipart/form-data":
            form = await request.post()
            part = next((v for v in form.values() if hasattr(v, "file")), None)
            data = part.file.read() if part is not None else b""  # type: ignore[union-attr]
        else:
            data = await request.read()
        if (faulty := self._injected_fault(request, "file_upload")) is not None:
            return faulty
        file = self.files.get(file_id)
        if file is None or file.completed:
            return web.Response(status=404, text="file_not_found")
        file.content = data
        return web.Response(text=f"OK - {len(data)}")

    def _injected_fault(self, request: web.Request, endpoint: str) -> web.Response | None:
        """The response of a fault injected for this endpoint, if any (a dropped connection too)."""
        fault = self._take_fault(endpoint)
        if fault is None:
            return None
        if fault.connection_error:
            if request.transport is not None:
                request.transport.close()
            return web.Response()
        status, body, headers = self._fault_reply(fault)
        return web.json_response(body, status=status, headers=headers)

    async def _handle_response_url(self, request: web.Request) -> web.StreamResponse:
        key = request.match_info["key"]
        raw = await request.read()
        if (faulty := self._injected_fault(request, "response_url")) is not None:
            return faulty
        now = self.now()
        issued = self.response_urls.setdefault(key, now)
        entry: dict[str, Any] = {"url_key": key, "body": None, "at": now, "status": 200, "error": None}
        try:
            entry["body"] = json.loads(raw or b"null")
        except ValueError:
            entry["body"] = raw.decode(errors="replace")
            entry["status"], entry["error"] = 400, "invalid_payload"
        if entry["error"] is None:
            used = sum(1 for r in self.responses if r["url_key"] == key and r["status"] == 200)
            if now - issued > RESPONSE_URL_TTL_SECONDS:
                entry["status"], entry["error"] = 404, "expired_url"
            elif used >= RESPONSE_URL_MAX_USES:
                entry["status"], entry["error"] = 404, "used_url"
        self.responses.append(entry)
        return web.Response(status=entry["status"], text=entry["error"] or "ok")


_JSON_ARGS = ("blocks", "attachments", "view", "files", "metadata")


@web.middleware
async def _programs_on_this_machine_only(request: web.Request, handler: Any) -> web.StreamResponse:
    """The playground's pretend Slack holds what people typed there, under a token anyone can read in
    the source: no foreign Host (DNS rebinding, as the playground's page refuses), and no web page at
    all, not even an <img> (browsers send `Origin` or `Sec-Fetch-Site`; slack_sdk, Bolt, aiohttp never)."""
    if foreign_host(request):
        raise web.HTTPForbidden(text="the local Slack answers on 127.0.0.1 only")
    if "Origin" in request.headers or "Sec-Fetch-Site" in request.headers:
        raise web.HTTPForbidden(text="the local Slack does not answer web pages")
    return await handler(request)


def _decoded(args: dict[str, Any]) -> dict[str, Any]:
    """A copy of `args` for `Call.args`: JSON-typed arguments decoded whatever the transport."""
    decoded = copy.deepcopy(args)  # never shares objects with the stored state
    for name in _JSON_ARGS:
        if isinstance(decoded.get(name), str):
            with contextlib.suppress(ValueError):
                decoded[name] = json.loads(decoded[name])
    return decoded


async def _read_api_request(request: web.Request) -> tuple[dict[str, Any], str | None, str | None]:
    """(arguments, token, parse error) of a Web API request; query, form and JSON bodies are merged."""
    args: dict[str, Any] = dict(request.query)
    token = args.pop("token", None)
    parse_error = None
    if request.content_type == "application/json":
        raw = await request.read()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            body, parse_error = {}, "invalid_json"
        if not isinstance(body, dict):
            body, parse_error = {}, "json_not_object"
        body.pop("token", None)  # Slack does not read the token from JSON bodies
        args.update(body)
    elif request.can_read_body:
        form = await request.post()
        args.update({k: v for k, v in form.items() if isinstance(v, str)})
        token = args.pop("token", None) or token
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
    return args, token, parse_error
