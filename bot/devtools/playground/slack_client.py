"""What Slack's servers do when a person uses the client: signed requests to the bot's /slack/events.

Commands carry a response_url served by the local Slack; replies posted there are kept per person
(`Replies`) so the page shows them only to whoever typed or clicked.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bot.devtools.emulator import SlackEmulator


def escape_command_text(text: str, slack: SlackEmulator) -> str:
    """Slack's escaping of a slash command with `should_escape: true`: & < > as entities, then
    @name and #channel as mentions (`@ana` -> `<@U0REP1|ana>`)."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    people = {u.name.lower(): u for u in slack.users.values() if not u.is_bot and not u.deleted}
    channels = {c.name: c for c in slack.channels.values() if not c.is_im}

    def person(match: re.Match[str]) -> str:
        user = people.get(match.group(1).lower())
        return f"<@{user.id}|{user.name}>" if user else match.group(0)

    def channel(match: re.Match[str]) -> str:
        found = channels.get(match.group(1).lower())
        return f"<#{found.id}|{found.name}>" if found else match.group(0)

    escaped = re.sub(r"(?<![\w<])@([\w.-]+)", person, escaped)
    return re.sub(r"(?<![\w<&])#([a-z0-9_-]+)", channel, escaped)


@dataclass
class Ephemeral:
    """A reply only one person sees (through a response_url), shown in the channel it was asked from."""

    id: str
    user: str
    channel: str
    text: str
    blocks: list[dict[str, Any]]
    at: float


@dataclass
class Origin:
    user: str
    channel: str
    ephemeral_id: str | None = None  # the reply a button was clicked in (replace_original replaces it)
    message_ts: str | None = None


@dataclass
class Replies:
    slack: SlackEmulator
    items: list[Ephemeral] = field(default_factory=list)
    origins: dict[str, Origin] = field(default_factory=dict)
    _seen: int = 0

    def collect(self) -> bool:
        """Turn new response_url posts into ephemerals (or replace/delete the original); True if any."""
        fresh = self.slack.responses[self._seen:]
        self._seen = len(self.slack.responses)
        for response in fresh:
            origin = self.origins.get(response["url_key"])
            body = response["body"]
            if origin is None or response["status"] != 200 or not isinstance(body, dict):
                continue
            self._apply(origin, body, response["at"])
        return bool(fresh)

    def _apply(self, origin: Origin, body: dict[str, Any], at: float) -> None:
        """Like Slack: replace_original / delete_original act on the message the button was in."""
        original = self.slack.find_message(origin.channel, origin.message_ts) if origin.message_ts else None
        if body.get("delete_original"):
            self.items = [e for e in self.items if e.id != origin.ephemeral_id]
            if original is not None:
                self.slack.messages[origin.channel].remove(original)
            return
        text, blocks = body.get("text") or "", body.get("blocks") or []
        if body.get("replace_original"):
            for item in self.items:
                if item.id == origin.ephemeral_id:
                    item.text, item.blocks = text, blocks
                    return
            if original is not None:
                original.text, original.blocks = text, blocks
                return
        if body.get("response_type") == "in_channel" and origin.channel in self.slack.channels:
            self.slack.post(self.slack.channels[origin.channel], user=self.slack.bot_user_id, text=text, blocks=blocks)
            return
        self.items.append(Ephemeral(id=f"E{uuid.uuid4().hex[:10]}", user=origin.user, channel=origin.channel,
                                    text=text, blocks=blocks, at=at))

    def visible_to(self, user: str, channel: str) -> list[Ephemeral]:
        return [e for e in self.items if e.user == user and e.channel == channel]


class SlackClient:
    """Sends what a person does to the bot, signed like Slack; returns the bot's HTTP answer."""

    def __init__(self, slack: SlackEmulator, replies: Replies, events_url: str, signing_secret: str) -> None:
        self.slack = slack
        self.team = {"id": slack.team_id, "domain": "playground"}  # the installed workspace: the bot serves no other
        self.replies = replies
        self.events_url = events_url
        self._verifier = SignatureVerifier(signing_secret)
        self._http: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    async def _post(self, body: str, content_type: str) -> tuple[int, str]:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        timestamp = str(int(time.time()))  # real time, whatever the page jumped to: Bolt checks it so
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": self._verifier.generate_signature(timestamp=timestamp, body=body) or "",
        }
        async with self._http.post(self.events_url, data=body.encode(), headers=headers,
                                   timeout=aiohttp.ClientTimeout(total=10)) as response:
            return response.status, await response.text()

    def _response_url(self, origin: Origin) -> str:
        key = f"pg{uuid.uuid4().hex[:12]}"
        self.replies.origins[key] = origin
        return self.slack.response_url(key)

    def _user(self, user_id: str) -> dict[str, Any]:
        return {"id": user_id, "username": self.slack.users[user_id].name, "name": self.slack.users[user_id].name,
                "team_id": self.team["id"]}

    async def command(self, user_id: str, channel_id: str, text: str) -> tuple[int, str]:
        channel = self.slack.channels[channel_id]
        body = urllib.parse.urlencode({
            "token": "playground", "team_id": self.team["id"], "team_domain": self.team["domain"],
            "channel_id": channel_id,
            "channel_name": "directmessage" if channel.is_im else channel.name, "user_id": user_id,
            "user_name": self.slack.users[user_id].name, "command": "/deal",
            "text": escape_command_text(text, self.slack), "api_app_id": self.slack.app_id,
            "is_enterprise_install": "false", "response_url": self._response_url(Origin(user_id, channel_id)),
            "trigger_id": self.slack.trigger_id(user_id),
        })
        return await self._post(body, "application/x-www-form-urlencoded")

    async def click(self, user_id: str, channel_id: str, action: dict[str, Any], *, message_ts: str | None = None,
                    ephemeral_id: str | None = None, view_id: str | None = None,
                    ephemeral: bool = False) -> tuple[int, str]:
        """A button (or select) in a message, an ephemeral reply, a modal or the Home tab."""
        payload: dict[str, Any] = {
            "type": "block_actions", "user": self._user(user_id), "api_app_id": self.slack.app_id,
            "token": "playground", "team": self.team, "trigger_id": self.slack.trigger_id(user_id, view_id=view_id),
            "actions": [dict(action, action_ts=f"{self.slack.now():.6f}")],
        }
        if view_id is not None:
            payload["container"] = {"type": "view", "view_id": view_id}
            payload["view"] = self.slack.views.get(view_id)
        else:
            payload["container"] = {"type": "message", "message_ts": message_ts or "", "channel_id": channel_id,
                                    "is_ephemeral": ephemeral or ephemeral_id is not None}
            payload["channel"] = {"id": channel_id, "name": self.slack.channels[channel_id].name}
            payload["response_url"] = self._response_url(Origin(user_id, channel_id, ephemeral_id, message_ts))
            message = self.slack.find_message(channel_id, message_ts) if message_ts else None
            if message is not None and message.ephemeral_to is None:  # Slack sends no ephemeral's content
                payload["message"] = {"type": "message", "ts": message.ts, "user": message.user,
                                      "text": message.text, "blocks": message.blocks or []}
        return await self._interact(payload)

    async def submit(self, user_id: str, view_id: str, values: dict[str, dict[str, Any]]) -> tuple[int, str]:
        view = dict(self.slack.views[view_id], state={"values": values})
        payload = {"type": "view_submission", "team": self.team, "user": self._user(user_id),
                   "api_app_id": self.slack.app_id, "token": "playground",
                   "trigger_id": self.slack.trigger_id(user_id, view_id=view_id), "view": view}
        return await self._interact(payload)

    async def close_view(self, user_id: str, view_id: str) -> None:
        view = self.slack.views[view_id]
        if view.get("notify_on_close"):
            await self._interact({"type": "view_closed", "team": self.team, "user": self._user(user_id),
                                  "api_app_id": self.slack.app_id, "token": "playground", "view": view,
                                  "is_cleared": False})

    async def _interact(self, payload: dict[str, Any]) -> tuple[int, str]:
        return await self._post("payload=" + urllib.parse.quote(json.dumps(payload), safe=""),
                                "application/x-www-form-urlencoded")

    async def event(self, event: dict[str, Any]) -> tuple[int, str]:
        body = json.dumps({
            "token": "playground", "team_id": self.team["id"], "api_app_id": self.slack.app_id, "event": event,
            "type": "event_callback", "event_id": f"Ev{uuid.uuid4().hex[:16].upper()}",
            "event_time": int(self.slack.now()),
            "authorizations": [{"team_id": self.team["id"], "user_id": self.slack.bot_user_id, "is_bot": True,
                                "is_enterprise_install": False}],
        })
        return await self._post(body, "application/json")

    async def member_joined(self, channel_id: str, user_id: str, inviter: str | None) -> tuple[int, str]:
        channel = self.slack.channels[channel_id]
        event: dict[str, Any] = {"type": "member_joined_channel", "user": user_id, "channel": channel_id,
                                 "channel_type": "G" if channel.is_private else "C", "team": self.team["id"],
                                 "event_ts": f"{self.slack.now():.6f}"}
        if inviter:
            event["inviter"] = inviter
        return await self.event(event)

    async def member_left(self, channel_id: str, user_id: str) -> tuple[int, str]:
        channel = self.slack.channels[channel_id]
        return await self.event({"type": "member_left_channel", "user": user_id, "channel": channel_id,
                                 "channel_type": "G" if channel.is_private else "C", "team": self.team["id"],
                                 "event_ts": f"{self.slack.now():.6f}"})

    async def home_opened(self, user_id: str) -> tuple[int, str]:
        return await self.event({"type": "app_home_opened", "user": user_id, "tab": "home",
                                 "channel": self.slack.ims.get(user_id, ""), "event_ts": f"{self.slack.now():.6f}"})
