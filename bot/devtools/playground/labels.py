"""The page's own words, from the same catalogue as every builder (DEALROOM_LOCALE picks the language)."""

from __future__ import annotations

from bot.blocks.text import tr
from models.infra.i18n import N_

WORDS = {
    "acting_as": N_("Acting as"),
    "jump_hour": N_("+1 hour"),
    "jump_day": N_("+1 day"),
    "jump_digest": N_("Next digest"),
    "home": N_("Home"),
    "channels": N_("Channels"),
    "direct_messages": N_("Direct messages"),
    "local_only": N_("Everything here runs on this machine; nothing is sent to Slack."),
    "not_member": N_("You are not a member of this channel."),
    "join_channel": N_("Join channel"),
    "send": N_("Send"),
    "only_you": N_("Only visible to you"),
    "pinned": N_("Pinned"),
    "edited": N_("edited"),
    "now": N_("Now"),
    "next_digest": N_("next digest"),
    "no_messages": N_("No messages yet. Try /deal new Pilot customer:Acme amount:150k"),
    "no_home": N_("Opening Home…"),
    "cancel": N_("Cancel"),
    "members": N_("members"),
    "private_channel": N_("Private channel: join it to read it."),
    "ack_error": N_("The bot answered HTTP {status}."),
    "commands_only": N_("In the playground you type /deal commands (try /deal help)."),
    "image": N_("image"),
    "close": N_("Close"),
    "page_title": N_("Dealroom playground"),
}
KEYS = tuple(WORDS)


def page_labels(locale: str) -> dict[str, str]:
    return {key: tr(msgid, locale) for key, msgid in WORDS.items()}
