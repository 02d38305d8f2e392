"""Stable identifiers shared by the Block Kit builders (bot/blocks) and the listeners (handlers/).

Slack echoes these strings back in interaction payloads, and messages posted weeks ago still
carry them, so values are short, stable and never reworded: rename a member, never a value.

Button ``value``s carry typed metadata as plain strings (Slack limit: 2,000 chars):

- deal buttons (next stage, log note, open channel): the deal number, ``"42"``;
- history paging: ``"<deal number>:<page>"``, ``"42:3"`` = deal 42, page 3 (1-based);
- reminder buttons (done, snooze): ``"<follow-up id>:<e|d>:<microseconds since the epoch>"``, the
  reminder (early or at due) and the moment it was for, so a click on a superseded reminder is told so.

Use the helpers below on both sides so the format lives in one place.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Literal


class ActionId(StrEnum):
    """``action_id`` of interactive elements in messages."""

    NEXT_STAGE = "deal_next_stage"
    LOG_NOTE = "deal_log_note"
    HISTORY_PAGE = "deal_history_page"
    # A url button: Slack opens the link *and* still sends a block_actions payload,
    # which the app must acknowledge (a no-op listener).
    OPEN_CHANNEL = "deal_open_channel"
    REMINDER_DONE = "reminder_done"
    SNOOZE_HOUR = "reminder_snooze_hour"
    SNOOZE_DAY = "reminder_snooze_day"
    APPROVE = "approval_approve"  # value: the approval request id
    REJECT = "approval_reject"  # opens the reason modal


class CallbackId(StrEnum):
    """``callback_id`` of modals (view_submission / view_closed routing)."""

    NEW_DEAL = "deal_new_modal"
    LOG_NOTE = "deal_note_modal"
    REJECT_APPROVAL = "approval_reject_modal"  # private_metadata: {"request": 7}


class BlockId(StrEnum):
    """``block_id`` of modal inputs.

    The input element inside each block uses the same string as its ``action_id``, so a
    submitted value is at ``view["state"]["values"][block_id][block_id]``
    (see ``bot.blocks.modals.read_inputs``).
    """

    TITLE = "title"
    CUSTOMER = "customer"
    AMOUNT = "amount"
    CLOSE = "close"
    SOURCE = "source"
    NOTE_TEXT = "note_text"
    NOTE_VIA = "note_via"
    NOTE_NEXT = "note_next"
    REJECT_REASON = "reject_reason"


def deal_value(number: int) -> str:
    """Button value naming a deal: ``"42"``."""
    return str(int(number))


def parse_deal_value(value: str) -> int:
    """``"42"`` -> 42. Raises ValueError on anything else (payloads are untrusted input)."""
    text = value.strip()
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"not a deal number: {value!r}")
    number = int(text)
    if number < 1:
        raise ValueError(f"not a deal number: {value!r}")
    return number


def history_value(number: int, page: int) -> str:
    """Button value of a history page: ``history_value(42, 3) == "42:3"``."""
    return f"{int(number)}:{max(1, int(page))}"


def parse_history_value(value: str) -> tuple[int, int]:
    """``"42:3"`` -> ``(42, 3)``. Raises ValueError on anything else."""
    number, sep, page = value.partition(":")
    if not sep:
        raise ValueError(f"not a history page value: {value!r}")
    try:
        return parse_deal_value(number), parse_deal_value(page)
    except ValueError:
        raise ValueError(f"not a history page value: {value!r}") from None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_WHICH = {"early": "e", "due": "d"}
_READ_WHICH: dict[str, Literal["early", "due"]] = {"e": "early", "d": "due"}


def reminder_value(followup_id: int, which: str, at: datetime) -> str:
    """``reminder_value(7, "due", t) == "7:d:1795424400000000"``."""
    return f"{int(followup_id)}:{_WHICH[which]}:{(at - _EPOCH) // timedelta(microseconds=1)}"


def parse_reminder_value(value: str) -> tuple[int, Literal["early", "due"], datetime]:
    """The inverse of :func:`reminder_value`. Raises ValueError on anything else."""
    parts = value.split(":")
    which = _READ_WHICH.get(parts[1]) if len(parts) == 3 else None
    if which is None or not parts[2].isascii() or not parts[2].isdigit():
        raise ValueError(f"not a reminder value: {value!r}")
    try:
        at = _EPOCH + timedelta(microseconds=int(parts[2]))
    except OverflowError:
        raise ValueError(f"not a reminder value: {value!r}") from None
    return parse_deal_value(parts[0]), which, at
