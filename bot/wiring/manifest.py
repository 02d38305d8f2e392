"""The Slack app manifest (v1) that `dealroom manifest` prints.

Pure: no token, no network, no settings object. The structure follows Slack's
manifest JSON Schema (``tests/data/manifest.schema.1.0.0.json``); the unit tests
validate both modes against it.
"""

from __future__ import annotations

from typing import Any

import yaml

from handlers.commands.table import manifest_hint

__all__ = [
    "BOT_EVENTS",
    "BOT_SCOPES",
    "EVENTS_PATH",
    "SLASH_COMMAND",
    "build_manifest",
    "render_manifest",
]

#: Path on which the bot serves every Slack request (commands, events, interactivity).
EVENTS_PATH = "/slack/events"

SLASH_COMMAND = "/deal"

#: Minimum bot scopes covering the Web API calls and events the bot uses
#: (per-method "Bot tokens" scopes, see shared/slack/limits.md section 4).
#: Public channels need the ``channels:*`` scope, private ones the ``groups:*`` one.
BOT_SCOPES: tuple[str, ...] = (
    # the /deal slash command
    "commands",
    # chat.postMessage / chat.postEphemeral / chat.update
    "chat:write",
    # chat.postMessage to public channels the bot has not joined (e.g. the feed channel)
    "chat:write.public",
    # conversations.create / invite / setTopic / setPurpose / archive / unarchive (public)
    "channels:manage",
    # conversations.info / members (public); member_joined_channel / member_left_channel in public channels
    "channels:read",
    # conversations.join (public channels only; private ones cannot be joined)
    "channels:join",
    # conversations.create / invite / setTopic / setPurpose / archive / unarchive (private)
    "groups:write",
    # conversations.info / members (private); member_joined_channel / member_left_channel in private channels
    "groups:read",
    # pins.add (the deal card); already_pinned makes pins.list unnecessary
    "pins:write",
    # users.info (time zone, locale, name)
    "users:read",
    # conversations.open for DMs (reminders, digests, approvals, charts)
    "im:write",
    # files.getUploadURLExternal / files.completeUploadExternal (report charts)
    "files:write",
    # views.open / push / update / publish need no scope; app_home_opened needs none either
)

#: Bot events the app subscribes to.
BOT_EVENTS: tuple[str, ...] = ("member_joined_channel", "member_left_channel", "app_home_opened", "user_change")

_DESCRIPTION = "Every deal gets its own channel, a pinned card and a timeline; drive it from chat with /deal."
_BACKGROUND_COLOR = "#1d4f91"
_COMMAND_DESCRIPTION = "Create and drive deals: stages, notes, follow-ups, reports"
_USAGE_HINT = manifest_hint()  # "new <title> amount:… customer:… | stage <stage> | note <text> | help"


def _events_url(public_url: str) -> str:
    base = public_url.strip().rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise ValueError(f"public_url must start with https:// (got {public_url!r})")
    return base + EVENTS_PATH


def build_manifest(*, public_url: str, socket_mode: bool = False, app_name: str = "Dealroom") -> dict[str, Any]:
    """Return the app manifest as a plain dict (JSON/YAML-serialisable).

    In HTTP mode every request URL (slash command, events, interactivity) is
    ``<public_url>/slack/events``; in Socket Mode they are all omitted and
    ``socket_mode_enabled`` is true.
    """
    url = None if socket_mode else _events_url(public_url)

    command: dict[str, Any] = {"command": SLASH_COMMAND}
    if url:
        command["url"] = url
    command["description"] = _COMMAND_DESCRIPTION
    command["usage_hint"] = _USAGE_HINT
    command["should_escape"] = True

    event_subscriptions: dict[str, Any] = {}
    if url:
        event_subscriptions["request_url"] = url
    event_subscriptions["bot_events"] = list(BOT_EVENTS)

    interactivity: dict[str, Any] = {"is_enabled": True}
    if url:
        interactivity["request_url"] = url

    return {
        "display_information": {
            "name": app_name,
            "description": _DESCRIPTION,
            "background_color": _BACKGROUND_COLOR,
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": "Dealroom", "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": event_subscriptions,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": bool(socket_mode),
            "token_rotation_enabled": False,
        },
    }


def render_manifest(*, public_url: str, socket_mode: bool = False, app_name: str = "Dealroom") -> str:
    """The manifest as YAML, ready to paste into "Create an app → From a manifest"."""
    manifest = build_manifest(public_url=public_url, socket_mode=socket_mode, app_name=app_name)
    return yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=1000)
