"""Modals: a new deal (``/deal new`` without a title) and logging a note (the card's button).

Each input's element uses its block_id as action_id, so a submission reads
``view["state"]["values"][BlockId.X][BlockId.X]``; :func:`read_inputs` does that for you.
Values are returned raw: the handler parses amounts and times (models.values) and answers
``response_action: errors`` keyed by the same BlockId.
"""

from __future__ import annotations

import json
import re
from typing import Any

from slack_sdk.models.blocks import (
    ContextBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.ids import BlockId, CallbackId
from bot.blocks.text import fmt, mrkdwn, one_line, plain, say, tr, truncate
from models.infra.i18n import t

TITLE_MAX_INPUT = 150  # the card header is "D-42 · <title>" in 150 chars
SHORT_INPUT_MAX = 200
NOTE_MAX_INPUT = 3000  # plain_text_input max_length is at most 3,000
PLACEHOLDER_MAX = 150
_VIA_NAMES = {"call": t("Call"), "email": t("Email"), "meeting": t("Meeting"), "demo": t("Demo"), "chat": t("Chat")}
VIA_CHOICES = tuple(_VIA_NAMES)
_PLAUSIBLE_ID = re.compile(r"^[A-Z][A-Z0-9]{1,40}$")


def _text_input(
    block_id: BlockId,
    name: str,
    *,
    optional: bool,
    max_length: int,
    hint: str | None = None,
    placeholder: str | None = None,
    multiline: bool = False,
    initial_value: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=plain(name, 2000),
        optional=optional,
        hint=plain(hint, 2000) if hint else None,
        element=PlainTextInputElement(
            action_id=block_id,
            multiline=multiline or None,
            max_length=max_length,
            placeholder=plain(placeholder, PLACEHOLDER_MAX) if placeholder else None,
            initial_value=initial_value or None,
        ),
    )


def new_deal_modal(*, channel_id: str | None, initial_title: str = "", locale: str = "en") -> dict[str, Any]:
    """The "New deal" modal; ``private_metadata`` is ``{"channel_id": …}`` (where /deal was typed)."""
    meta_channel = channel_id if channel_id and _PLAUSIBLE_ID.match(channel_id) else None
    title = truncate(one_line(initial_title), TITLE_MAX_INPUT)
    view = View(
        type="modal",
        callback_id=CallbackId.NEW_DEAL,
        title=plain(tr("New deal", locale), 24),
        submit=plain(tr("Create", locale), 24),
        close=plain(tr("Cancel", locale), 24),
        private_metadata=json.dumps({"channel_id": meta_channel}),
        blocks=[
            _text_input(
                BlockId.TITLE,
                tr("Title", locale),
                optional=False,
                max_length=TITLE_MAX_INPUT,
                initial_value=title,
            ),
            _text_input(BlockId.CUSTOMER, tr("Customer", locale), optional=True, max_length=SHORT_INPUT_MAX),
            _text_input(
                BlockId.AMOUNT,
                tr("Amount", locale),
                optional=True,
                max_length=60,
                hint=tr("150k, 1.5m, 15万", locale),
                placeholder=tr("150k, 1.5m, 15万", locale),
            ),
            _text_input(
                BlockId.CLOSE,
                tr("Expected close", locale),
                optional=True,
                max_length=60,
                placeholder=tr("2026-12-01 or in 3w", locale),
            ),
            _text_input(
                BlockId.SOURCE,
                tr("Source", locale),
                optional=True,
                max_length=SHORT_INPUT_MAX,
                placeholder=tr("referral, website, event…", locale),
            ),
        ],
    )
    return view.to_dict()


def log_note_modal(deal_number: int, title: str, *, locale: str = "en") -> dict[str, Any]:
    """The "Log note" modal for deal ``deal_number``; ``private_metadata`` is ``{"deal": 42}``."""
    view = View(
        type="modal",
        callback_id=CallbackId.LOG_NOTE,
        title=plain(tr("Log note", locale), 24),
        submit=plain(tr("Save", locale), 24),
        close=plain(tr("Cancel", locale), 24),
        private_metadata=json.dumps({"deal": int(deal_number)}),
        blocks=[
            ContextBlock(elements=[mrkdwn(fmt("*D-{}* · {}", int(deal_number), truncate(one_line(title), 300)))]),
            _text_input(
                BlockId.NOTE_TEXT,
                tr("Note", locale),
                optional=False,
                max_length=NOTE_MAX_INPUT,
                multiline=True,
                placeholder=tr("What happened, what was agreed", locale),
            ),
            InputBlock(
                block_id=BlockId.NOTE_VIA,
                label=plain(tr("Via", locale), 2000),
                optional=True,
                element=StaticSelectElement(
                    action_id=BlockId.NOTE_VIA,
                    options=[Option(value=v, text=plain(say(_VIA_NAMES[v], locale), 75)) for v in VIA_CHOICES],
                ),
            ),
            _text_input(
                BlockId.NOTE_NEXT,
                tr("Next follow-up", locale),
                optional=True,
                max_length=100,
                placeholder=tr("tomorrow 10:00, in 3d, 2026-12-01 14:00", locale),
            ),
        ],
    )
    return view.to_dict()


def read_inputs(view: dict[str, Any]) -> dict[str, str | None]:
    """``{block_id: value}`` from a submitted view: text inputs give their (stripped) text,
    selects their option value; empty or missing inputs give None."""
    values = (view.get("state") or {}).get("values") or {}
    out: dict[str, str | None] = {}
    for block_id, actions in values.items():
        if not isinstance(actions, dict):
            continue
        element = actions.get(block_id) or next(iter(actions.values()), None) or {}
        value = element.get("value")
        if value is None and isinstance(element.get("selected_option"), dict):
            value = element["selected_option"].get("value")
        out[block_id] = (value.strip() or None) if isinstance(value, str) else None
    return out


def read_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """The view's ``private_metadata`` as a dict (``{}`` when absent or not JSON)."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
