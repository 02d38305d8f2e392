"""Private replies to the caller: through response_url (slash commands, buttons) or chat.postEphemeral."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.blocks.replies import Message, error_reply
from bot.blocks.text import Mrkdwn, user
from bot.runtime.runner import Tell
from models.infra.i18n import Text, normalize_locale

log = logging.getLogger(__name__)


async def send(respond: AsyncRespond, message: Message, *, replace_original: bool = False) -> None:
    try:
        await respond(text=message.text, blocks=message.blocks, response_type="ephemeral",
                      replace_original=replace_original)
    except Exception as exc:  # a reply that cannot be delivered must not undo committed work
        log.warning("private reply failed: %s", type(exc).__name__)


def replying(respond: AsyncRespond) -> Tell:
    """Tell the person through the request's response_url (slash commands, buttons)."""
    return lambda message: send(respond, message)


async def say_error(respond: AsyncRespond, message: str | Text, usage: str | None = None, *,
                    locale: str) -> None:
    await send(respond, error_reply(message, usage, locale=locale))


def sentences(parts: Iterable[str], locale: str) -> Mrkdwn:
    """Whole translated sentences one after another: a space between them in English, none after a
    Chinese full stop."""
    return Mrkdwn(("" if normalize_locale(locale) == "zh-CN" else " ").join(p for p in parts if p))


def mentions(user_ids: Iterable[str], locale: str) -> Mrkdwn:
    """``<@U1>, <@U2>`` (``、`` between them in Chinese)."""
    return Mrkdwn(("、" if normalize_locale(locale) == "zh-CN" else ", ").join(user(u) for u in user_ids))


def words(items: Iterable[str], locale: str) -> str:
    """Plain words listed: ``a, b`` (``、`` in Chinese)."""
    return ("、" if normalize_locale(locale) == "zh-CN" else ", ").join(items)
