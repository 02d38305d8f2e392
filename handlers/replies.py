"""Private replies to the caller: through response_url (slash commands, buttons) or chat.postEphemeral."""

from __future__ import annotations

import logging

from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.blocks.replies import Message, error_reply
from models.i18n import Text

log = logging.getLogger(__name__)


async def send(respond: AsyncRespond, message: Message, *, replace_original: bool = False) -> None:
    try:
        await respond(text=message.text, blocks=message.blocks, response_type="ephemeral",
                      replace_original=replace_original)
    except Exception as exc:  # a reply that cannot be delivered must not undo committed work
        log.warning("private reply failed: %s", type(exc).__name__)


async def say_error(respond: AsyncRespond, message: str | Text, usage: str | None = None, *,
                    locale: str = "en") -> None:
    await send(respond, error_reply(message, usage, locale=locale))

