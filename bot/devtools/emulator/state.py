"""State of the Slack emulator: plain dataclasses and a `Workspace` that tests can inspect directly.

Nothing here knows about HTTP.  The Web API methods in `methods/` read and change this state
synchronously (no `await` inside a method), so every API call is atomic.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_name

MemberJoinedHook = Callable[[str, str, "str | None"], "Awaitable[None] | None"]
MemberLeftHook = Callable[[str, str], "Awaitable[None] | None"]  # (channel id, user id)

CHANNEL_NAME_MAX = 80
TOPIC_MAX = 250
TEXT_MAX = 40_000
MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
MODAL_STACK_MAX = 3
TRIGGER_TTL_SECONDS = 3.0
_CHANNEL_NAME_CHARS = re.compile(r"[a-z0-9_-]+")


class SlackError(Exception):
    """A Web API error: becomes `{"ok": false, "error": error, ...}` with HTTP 200."""

    def __init__(self, error: str, *, messages: list[str] | None = None, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages
        self.extra = extra

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error": self.error, **self.extra}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


def channel_name_error(name: str) -> str | None:
    """The error conversations.create gives for `name`, or None when the name is acceptable."""
    if not name:
        return "invalid_name_required"
    if len(name) > CHANNEL_NAME_MAX:
        return "invalid_name_maxlength"
    if not _CHANNEL_NAME_CHARS.fullmatch(name):
        return "invalid_name_specials"
    if set(name) <= {"-", "_"}:
        return "invalid_name_punctuation"
    return None


def ts_key(ts: str) -> tuple[int, int]:
    """Sort key of a Slack timestamp ("1700000000.000100"); raises ValueError when malformed."""
    seconds, _, micros = ts.partition(".")
    return int(seconds), int(micros or 0)


@dataclass
class User:
    id: str
    name: str
    real_name: str
    tz: str = "UTC"
    is_bot: bool = False
    email: str | None = None
    bot_id: str | None = None
    deleted: bool = False


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_archived: bool = False
    creator: str = ""
    created: int = 0
    members: set[str] = field(default_factory=set)
    topic: str = ""
    purpose: str = ""
    pins: list[str] = field(default_factory=list)  # message ts, in pin order
    is_im: bool = False
    im_user: str | None = None  # the human side of a DM
    topic_set_by: str = ""
    topic_set_at: int = 0
    purpose_set_by: str = ""
    purpose_set_at: int = 0
    pinned_by: dict[str, tuple[str, int]] = field(default_factory=dict)  # ts -> (user, when)


@dataclass
class Message:
    ts: str
    channel: str
    user: str
    text: str
    blocks: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    ephemeral_to: str | None = None
    edited: dict[str, str] | None = None  # {"user": ..., "ts": ...} like Slack, None if never edited
    attachments: list[dict[str, Any]] | None = None
    files: list[str] = field(default_factory=list)
    bot_id: str | None = None
    reply_broadcast: bool = False
    metadata: dict[str, Any] | None = None


@dataclass
class File:
    id: str
    name: str
    length: int
    user: str
    created: int
    title: str = ""
    alt_txt: str | None = None
    snippet_type: str | None = None
    content: bytes | None = None  # None until the bytes are POSTed to the upload URL
    completed: bool = False
    channels: list[str] = field(default_factory=list)


@dataclass
class Trigger:
    user: str | None
    view_id: str | None
    issued_at: float
    used: bool = False


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    ok: bool = False
    error: str | None = None
    status: int = 200  # 0 when the connection was dropped
    at: float = 0.0
    response: dict[str, Any] | None = None


class Workspace:
    """Everything the emulated Slack workspace knows.  Attributes are plain containers."""

    def __init__(
        self,
        *,
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        team_id: str = "T0001",
        bot_token: str = "xoxb-test-token",
        clock: Callable[[], float] | None = None,
        bot_name: str = "dealroom",
        team_name: str = "Emulated Workspace",
        team_domain: str = "emulated",
        app_id: str = "A0001",
    ) -> None:
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.team_id = team_id
        self.bot_token = bot_token
        self.clock: Callable[[], float] = clock or time.time
        self.team_name = team_name
        self.team_url = f"https://{team_domain}.slack.com/"
        self.app_id = app_id
        self.base_url = ""  # set by SlackEmulator.start()

        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, list[Message]] = {}
        self.ims: dict[str, str] = {}  # user id -> D… channel id
        self.views: dict[str, dict[str, Any]] = {}  # view id -> view object as the API returns it
        self.home_views: dict[str, str] = {}  # user id -> view id of the published Home tab
        self.view_users: dict[str, str | None] = {}  # view id -> user it was opened for (if known)
        self.modal_stacks: dict[str, list[str]] = {}  # root view id -> stack of view ids
        self.triggers: dict[str, Trigger] = {}
        self.responses: list[dict[str, Any]] = []  # POSTs to response_urls: {url_key, body, at, ...}
        self.response_urls: dict[str, float] = {}  # url key -> issued at
        self.files: dict[str, File] = {}
        self.calls: list[Call] = []
        self.on_member_joined: list[MemberJoinedHook] = []
        self.on_member_left: list[MemberLeftHook] = []

        self._counters: dict[str, int] = {}
        self._last_ts_us = 0
        self._joined: list[tuple[str, str, str | None]] = []  # drained by the server after each call
        self._left: list[tuple[str, str]] = []

        self.add_user(bot_user_id, bot_name, is_bot=True, real_name=bot_name)
        self.users[bot_user_id].bot_id = bot_id

    # ---- time and ids -------------------------------------------------------------------------

    def now(self) -> float:
        return self.clock()

    def next_number(self, counter: str) -> int:
        n = self._counters.get(counter, 0) + 1
        self._counters[counter] = n
        return n

    def next_id(self, prefix: str) -> str:
        """Deterministic ids per prefix: C0001, C0002, D0001, V0001, F0001, …"""
        return f"{prefix}{self.next_number(prefix):04d}"

    def next_ts(self) -> str:
        """A message timestamp from the clock, strictly greater than every earlier one."""
        us = max(int(self.now() * 1_000_000), self._last_ts_us + 1)
        self._last_ts_us = us
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    # ---- setup helpers for tests (no Web API call, no hooks) --------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        tz: str = "UTC",
        real_name: str | None = None,
        is_bot: bool = False,
        email: str | None = None,
    ) -> None:
        ZoneInfo(tz)  # fail early on a bad zone name
        self.users[user_id] = User(
            id=user_id, name=name, real_name=real_name or name, tz=tz, is_bot=is_bot, email=email
        )

    def add_channel(
        self,
        name: str,
        *,
        is_private: bool = False,
        members: Iterable[str] = (),
        creator: str | None = None,
        is_archived: bool = False,
    ) -> Channel:
        """Create a channel as if a human had made it (the bot is a member only if listed)."""
        members = list(members)
        error = channel_name_error(name)
        if error or self.channel_named(name):
            raise ValueError(f"cannot add channel {name!r}: {error or 'name_taken'}")
        creator = creator or next(iter(members), "")
        channel = self.create_channel(name, is_private=is_private, creator=creator)
        channel.members = set(members)
        channel.is_archived = is_archived
        return channel

    def add_message(
        self,
        channel_id: str,
        user: str,
        text: str,
        *,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> Message:
        """Store a message as if `user` had posted it in Slack."""
        return self.post(self.channels[channel_id], user=user, text=text, blocks=blocks, thread_ts=thread_ts)

    def trigger_id(self, user_id: str | None = None, *, view_id: str | None = None) -> str:
        """Mint a trigger_id (as sent in an interaction payload) for `user_id`, optionally from a view."""
        trigger = f"{self.next_number('trigger')}.{int(self.now())}.emulated"
        self.triggers[trigger] = Trigger(user=user_id, view_id=view_id, issued_at=self.now())
        return trigger

    # ---- lookups ----------------------------------------------------------------------------------

    def channel_named(self, name: str) -> Channel | None:
        return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    def find_message(self, channel_id: str, ts: str) -> Message | None:
        return next((m for m in self.messages.get(channel_id, []) if m.ts == ts), None)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def tz_fields(self, user: User) -> dict[str, Any]:
        moment = datetime.fromtimestamp(self.now(), ZoneInfo(user.tz))
        offset = moment.utcoffset()
        return {
            "tz": user.tz,
            "tz_label": get_timezone_name(moment, width="long", locale="en_US"),
            "tz_offset": int(offset.total_seconds()) if offset else 0,
        }

    # ---- mutations used by the Web API methods -----------------------------------------------

    def create_channel(self, name: str, *, is_private: bool, creator: str) -> Channel:
        channel = Channel(
            id=self.next_id("C"),
            name=name,
            is_private=is_private,
            creator=creator,
            created=int(self.now()),
            members={creator} if creator else set(),
        )
        self.channels[channel.id] = channel
        self.messages[channel.id] = []
        return channel

    def open_im(self, user_id: str) -> tuple[Channel, bool]:
        """The DM between the bot and `user_id`, and whether it already existed."""
        if user_id in self.ims:
            return self.channels[self.ims[user_id]], True
        channel = Channel(
            id=self.next_id("D"),
            name=user_id,
            is_private=True,
            created=int(self.now()),
            members={self.bot_user_id, user_id},
            is_im=True,
            im_user=user_id,
        )
        self.channels[channel.id] = channel
        self.messages[channel.id] = []
        self.ims[user_id] = channel.id
        return channel, False

    def join(self, channel: Channel, user_id: str, inviter: str | None) -> None:
        """Add a member and queue the member_joined notification."""
        channel.members.add(user_id)
        self._joined.append((channel.id, user_id, inviter))

    def leave(self, channel: Channel, user_id: str) -> None:
        """Take a member out and queue the member_left notification (nothing if they were not in it)."""
        if user_id in channel.members:
            channel.members.discard(user_id)
            self._left.append((channel.id, user_id))

    def post(
        self,
        channel: Channel,
        *,
        user: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        attachments: list[dict[str, Any]] | None = None,
        ephemeral_to: str | None = None,
        reply_broadcast: bool = False,
        files: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Message:
        message = Message(
            ts=self.next_ts(),
            channel=channel.id,
            user=user,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            ephemeral_to=ephemeral_to,
            attachments=attachments,
            files=list(files or []),
            bot_id=self.bot_id if user == self.bot_user_id else None,
            reply_broadcast=reply_broadcast,
            metadata=metadata,
        )
        self.messages.setdefault(channel.id, []).append(message)
        return message

    def take_joined(self) -> list[tuple[str, str, str | None]]:
        joined, self._joined = self._joined, []
        return joined

    def take_left(self) -> list[tuple[str, str]]:
        left, self._left = self._left, []
        return left
