"""Slack's Block Kit limits as test assertions, for any test that builds a message or a view.

slack_sdk's model classes validate some limits when ``to_dict()`` runs, but not all (not the
50 blocks of a message), and not at all for plain dicts. This checker walks the final JSON
shape, so it works on whatever a builder returns:

    from tests.blocklimits import assert_message_within_limits, assert_view_within_limits
    assert_message_within_limits(msg)        # Message, {"text", "blocks"} dict, or (text, blocks)
    assert_view_within_limits(view)          # a views.open/update/push payload dict or View

Every problem is reported at once, each with its JSON path.

The numbers are copied from ``shared/slack/limits.md`` section 6 ("Message, Block Kit and view
limits"), whose sources are the Slack docs (docs.slack.dev block-kit reference,
chat.postMessage) and slack_sdk's model classes (``slack_sdk.models.blocks``, ``.views``).
Tests must not read the shared folder, hence the copy.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

# --- limits.md §6 -------------------------------------------------------------------------
MESSAGE_TEXT_MAX = 4000  # top-level `text`: keep <= 4,000 (DOCS chat.postMessage)
MESSAGE_BLOCKS_MAX = 50  # blocks per message (DOCS block-kit/blocks); slack_sdk does not check
VIEW_BLOCKS_MAX = 100  # blocks per modal / Home tab (DOCS; slack_sdk View)
BLOCK_ID_MAX = 255  # slack_sdk Block.block_id_max_length
ACTION_ID_MAX = 255  # slack_sdk InteractiveElement; unique within its block
SECTION_TEXT_MAX = 3000  # slack_sdk SectionBlock (min 1)
SECTION_FIELDS_MAX = 10  # slack_sdk SectionBlock
FIELD_TEXT_MAX = 2000  # each section field (slack_sdk docstring, Slack docs)
HEADER_TEXT_MAX = 150  # slack_sdk HeaderBlock, plain_text only
CONTEXT_ELEMENTS_MAX = 10  # slack_sdk ContextBlock
ACTIONS_ELEMENTS_MAX = 25  # slack_sdk ActionsBlock
INPUT_LABEL_MAX = 2000  # slack_sdk InputBlock
INPUT_HINT_MAX = 2000  # slack_sdk InputBlock
BUTTON_TEXT_MAX = 75  # slack_sdk ButtonElement
BUTTON_VALUE_MAX = 2000  # slack_sdk ButtonElement
BUTTON_URL_MAX = 3000  # slack_sdk ButtonElement
PLACEHOLDER_MAX = 150  # slack_sdk InputInteractiveElement
SELECT_OPTIONS_MAX = 100  # slack_sdk StaticSelectElement
OPTION_TEXT_MAX = 75  # DOCS option object; slack_sdk Option
OPTION_VALUE_MAX = 150  # DOCS option object (node types' 75 is stale)
PLAIN_TEXT_INPUT_MAX_LENGTH = 3000  # SDK-NODE block-elements.ts
TEXT_OBJECT_MAX = 3000  # any text object (DOCS text object: 1..3000)
VIEW_TITLE_MAX = 24  # slack_sdk View: title 1..24
VIEW_SUBMIT_MAX = 24
VIEW_CLOSE_MAX = 24
VIEW_PRIVATE_METADATA_MAX = 3000
VIEW_CALLBACK_ID_MAX = 255
# Undocumented: `msg_blocks_too_long` seen at ~13.2k chars of block text (limits.md §6, bolt-js#2509).
# Checked with a margin; pass total_text_max=None to skip.
TOTAL_BLOCK_TEXT_SOFT_MAX = 12_000

_TEXT_TYPES = ("plain_text", "mrkdwn")


class _Report:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def check(self, ok: bool, path: str, what: str) -> None:
        if not ok:
            self.problems.append(f"{path}: {what}")

    def raise_if_any(self, subject: str) -> None:
        if self.problems:
            listing = "\n  ".join(self.problems)
            raise AssertionError(f"{subject} breaks Slack limits ({len(self.problems)}):\n  {listing}")


def _text_of(obj: Any) -> str | None:
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        return obj["text"]
    return None


def _check_text(r: _Report, obj: Any, path: str, limit: int, *, plain_only: bool = False) -> None:
    r.check(isinstance(obj, dict) and obj.get("type") in _TEXT_TYPES, path, f"not a text object: {obj!r:.80}")
    if not isinstance(obj, dict):
        return
    if plain_only:
        r.check(obj.get("type") == "plain_text", path, "must be plain_text")
    text = _text_of(obj)
    r.check(text is not None and len(text) >= 1, path, "text must have at least 1 character")
    if text is not None:
        r.check(len(text) <= limit, path, f"text is {len(text)} chars > {limit}")


def _check_element(r: _Report, el: Any, path: str) -> None:
    if not isinstance(el, dict):
        r.check(False, path, "element is not an object")
        return
    kind = el.get("type")
    if "action_id" in el:
        aid = el["action_id"]
        ok = isinstance(aid, str) and 1 <= len(aid) <= ACTION_ID_MAX
        r.check(ok, path, f"action_id length not 1..{ACTION_ID_MAX}")
    if "placeholder" in el:
        _check_text(r, el["placeholder"], f"{path}.placeholder", PLACEHOLDER_MAX, plain_only=True)
    if kind == "button":
        _check_text(r, el.get("text"), f"{path}.text", BUTTON_TEXT_MAX, plain_only=True)
        if el.get("value") is not None:
            r.check(len(el["value"]) <= BUTTON_VALUE_MAX, path, f"button value > {BUTTON_VALUE_MAX}")
        if el.get("url") is not None:
            r.check(len(el["url"]) <= BUTTON_URL_MAX, path, f"button url > {BUTTON_URL_MAX}")
        r.check(el.get("style") in (None, "primary", "danger"), path, f"bad button style {el.get('style')!r}")
    elif kind in ("static_select", "multi_static_select", "radio_buttons", "checkboxes", "overflow"):
        options = el.get("options") or []
        groups = el.get("option_groups") or []
        r.check(bool(options) or bool(groups), path, "select without options")
        r.check(len(options) <= SELECT_OPTIONS_MAX, path, f"{len(options)} options > {SELECT_OPTIONS_MAX}")
        all_options = list(options) + [o for g in groups for o in (g.get("options") or [])]
        for i, opt in enumerate(all_options):
            _check_text(r, opt.get("text"), f"{path}.options[{i}].text", OPTION_TEXT_MAX)
            value = opt.get("value")
            r.check(isinstance(value, str) and len(value) <= OPTION_VALUE_MAX, f"{path}.options[{i}]",
                    f"option value missing or > {OPTION_VALUE_MAX}")
    elif kind == "plain_text_input":
        max_length = el.get("max_length")
        if max_length is not None:
            r.check(1 <= max_length <= PLAIN_TEXT_INPUT_MAX_LENGTH, path, "max_length not 1..3000")
        initial = el.get("initial_value")
        if initial is not None and max_length is not None:
            r.check(len(initial) <= max_length, path, "initial_value longer than max_length")


def _check_blocks(r: _Report, blocks: Any, where: str, max_blocks: int) -> None:
    if not isinstance(blocks, list):
        r.check(False, where, "blocks is not a list")
        return
    r.check(len(blocks) <= max_blocks, where, f"{len(blocks)} blocks > {max_blocks}")
    block_ids = [b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("block_id") is not None]
    for bid, n in Counter(block_ids).items():
        r.check(n == 1, where, f"block_id {bid!r} used {n} times (must be unique)")
    for i, block in enumerate(blocks):
        path = f"{where}[{i}]"
        if not isinstance(block, dict):
            r.check(False, path, "block is not an object")
            continue
        kind = block.get("type")
        path = f"{path}<{kind}>"
        if block.get("block_id") is not None:
            r.check(len(block["block_id"]) <= BLOCK_ID_MAX, path, f"block_id > {BLOCK_ID_MAX}")
        if kind == "section":
            text, fields = block.get("text"), block.get("fields")
            r.check(text is not None or bool(fields), path, "section needs text or fields")
            if text is not None:
                _check_text(r, text, f"{path}.text", SECTION_TEXT_MAX)
            if fields is not None:
                r.check(len(fields) <= SECTION_FIELDS_MAX, path, f"{len(fields)} fields > {SECTION_FIELDS_MAX}")
                for j, f in enumerate(fields):
                    _check_text(r, f, f"{path}.fields[{j}]", FIELD_TEXT_MAX)
            if block.get("accessory") is not None:
                _check_element(r, block["accessory"], f"{path}.accessory")
        elif kind == "header":
            _check_text(r, block.get("text"), f"{path}.text", HEADER_TEXT_MAX, plain_only=True)
        elif kind == "context":
            elements = block.get("elements") or []
            r.check(1 <= len(elements) <= CONTEXT_ELEMENTS_MAX, path, f"{len(elements)} elements not 1..10")
            for j, el in enumerate(elements):
                if isinstance(el, dict) and el.get("type") in _TEXT_TYPES:
                    _check_text(r, el, f"{path}.elements[{j}]", TEXT_OBJECT_MAX)
        elif kind == "actions":
            elements = block.get("elements") or []
            r.check(1 <= len(elements) <= ACTIONS_ELEMENTS_MAX, path, f"{len(elements)} elements not 1..25")
            ids = [el.get("action_id") for el in elements if isinstance(el, dict) and el.get("action_id")]
            for aid, n in Counter(ids).items():
                r.check(n == 1, path, f"action_id {aid!r} used {n} times in one block")
            for j, el in enumerate(elements):
                _check_element(r, el, f"{path}.elements[{j}]")
        elif kind == "input":
            _check_text(r, block.get("label"), f"{path}.label", INPUT_LABEL_MAX, plain_only=True)
            if block.get("hint") is not None:
                _check_text(r, block["hint"], f"{path}.hint", INPUT_HINT_MAX, plain_only=True)
            r.check(isinstance(block.get("element"), dict), path, "input without element")
            _check_element(r, block.get("element"), f"{path}.element")


def total_block_text(blocks: Iterable[Any]) -> int:
    """Sum of every text object's ``text`` length inside the blocks."""
    total = 0
    stack: list[Any] = list(blocks)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") in _TEXT_TYPES and isinstance(node.get("text"), str):
                total += len(node["text"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return total


def _as_message(msg: Any) -> tuple[Any, Any]:
    if isinstance(msg, tuple) and len(msg) == 2:
        return msg
    if isinstance(msg, dict):
        return msg.get("text"), msg.get("blocks", [])
    return getattr(msg, "text", None), getattr(msg, "blocks", None)


def assert_message_within_limits(msg: Any, *, total_text_max: int | None = TOTAL_BLOCK_TEXT_SOFT_MAX) -> None:
    """Assert a message (chat.postMessage / postEphemeral / update / respond) keeps Slack's limits.

    Accepts an object with ``text`` and ``blocks`` (bot.blocks Message), a dict, or a
    ``(text, blocks)`` pair. Blocks must be plain dicts (JSON-serialisable)."""
    text, blocks = _as_message(msg)
    r = _Report()
    r.check(isinstance(text, str) and text.strip() != "", "text", "top-level fallback text missing or blank")
    if isinstance(text, str):
        r.check(len(text) <= MESSAGE_TEXT_MAX, "text", f"{len(text)} chars > {MESSAGE_TEXT_MAX}")
    blocks = blocks or []
    _check_json(r, blocks, "blocks")
    _check_blocks(r, blocks, "blocks", MESSAGE_BLOCKS_MAX)
    if total_text_max is not None and isinstance(blocks, list):
        total = total_block_text(blocks)
        r.check(total <= total_text_max, "blocks", f"{total} chars of block text > soft limit {total_text_max}")
    r.raise_if_any("message")


def assert_view_within_limits(view: Any) -> None:
    """Assert a modal/Home view payload (dict or slack_sdk View) keeps Slack's limits."""
    if hasattr(view, "to_dict") and not isinstance(view, dict):
        view = view.to_dict()
    r = _Report()
    if not isinstance(view, dict):
        raise AssertionError(f"view is not a dict: {type(view).__name__}")
    _check_json(r, view, "view")
    kind = view.get("type")
    r.check(kind in ("modal", "home"), "view.type", f"unexpected view type {kind!r}")
    if kind == "modal":
        _check_text(r, view.get("title"), "view.title", VIEW_TITLE_MAX, plain_only=True)
    for key, limit in (("submit", VIEW_SUBMIT_MAX), ("close", VIEW_CLOSE_MAX)):
        if view.get(key) is not None:
            _check_text(r, view[key], f"view.{key}", limit, plain_only=True)
    has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or [])
    if kind == "modal" and has_input:
        r.check(view.get("submit") is not None, "view.submit", "a modal with inputs needs a submit button")
    meta = view.get("private_metadata")
    if meta is not None:
        r.check(isinstance(meta, str) and len(meta) <= VIEW_PRIVATE_METADATA_MAX, "view.private_metadata",
                f"private_metadata not a string of <= {VIEW_PRIVATE_METADATA_MAX} chars")
    cid = view.get("callback_id")
    if cid is not None:
        r.check(isinstance(cid, str) and len(cid) <= VIEW_CALLBACK_ID_MAX, "view.callback_id",
                f"callback_id > {VIEW_CALLBACK_ID_MAX}")
    blocks = view.get("blocks")
    r.check(isinstance(blocks, list) and len(blocks) >= 1, "view.blocks", "a view needs 1..100 blocks")
    _check_blocks(r, blocks or [], "view.blocks", VIEW_BLOCKS_MAX)
    r.raise_if_any("view")


def _check_json(r: _Report, obj: Any, path: str) -> None:
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError (lone surrogates) is a ValueError
        r.check(False, path, f"not JSON-serialisable as UTF-8: {exc}")


def all_strings(obj: Any) -> Iterable[str]:
    """Every string inside a message/view (text, blocks, values), for content assertions."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from all_strings(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            yield from all_strings(v)
    elif hasattr(obj, "text") and hasattr(obj, "blocks"):
        yield from all_strings(obj.text)
        yield from all_strings(obj.blocks)


def mrkdwn_strings(obj: Any) -> Iterable[str]:
    """The strings Slack parses as mrkdwn: a message's top-level ``text`` and every text object of
    type ``mrkdwn``. (``plain_text`` is shown literally: ``<!channel>`` there is inert text.)"""
    if hasattr(obj, "text") and hasattr(obj, "blocks") and not isinstance(obj, dict):
        obj = {"text": obj.text, "blocks": obj.blocks}
    if isinstance(obj, dict) and "blocks" in obj and isinstance(obj.get("text"), str):
        yield obj["text"]
    stack: list[Any] = [obj]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                yield node["text"]
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list | tuple):
            stack.extend(node)


def assert_no_broadcast(obj: Any) -> None:
    """Assert no ``<!channel>``, ``<!here>``, ``<!everyone>`` or ``<!subteam^…>`` token appears in
    any mrkdwn of a message or view: Dealroom never notifies a whole channel or group."""
    bad = [s for s in mrkdwn_strings(obj) if "<!" in s]
    if bad:
        raise AssertionError(f"special mention token in output: {bad[0][:200]!r}")
