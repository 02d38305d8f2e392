"""Find English words that leaked into a payload meant for a Chinese workspace (issue 7).

    from tests.leaks import english_leaks, cjk_runs
    assert english_leaks(msg) == []          # a Message, message dict, view dict, block list or Block

Every string a person reads is looked at: the message's fallback ``text`` and every text object
(section text and fields, headers, context elements, button labels, option texts, input labels, hints and
placeholders, a view's title/submit/close). Before looking for Latin words, the checker removes what stays
English by design (SPEC §2 "Chinese (zh-CN)"):

- Slack tokens ``<@U…>``, ``<#C…>``, ``<!…>``, links ``<https://…|label>`` and bare URLs;
- `` `code` `` spans and ```` ``` ```` blocks (command syntax shown as typed);
- ``/deal`` with its subcommand and arguments (``/deal claim D-<n>``, ``/deal role @user cs``);
- option keys ``customer:`` (a lowercase key glued to its value), deal refs ``D-12`` / ``D-<n>``;
- the user's own words quoted back in ``“…”``;
- numbers, dates, times, amounts (``150k``, ``1.5m``), emoji ``:names:``;
- an allowlist of names (Dealroom, Slack, CSV, PNG, ID, CRM, API, …).

Whatever Latin word of two letters or more is left is reported. Tests feed Chinese sample data, so any
such word comes from our own templates.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from typing import Any

ALLOWED = frozenset({
    "Dealroom", "Slack", "CSV", "PNG", "ID", "CRM", "API", "URL", "SLA", "KPI", "PDF", "UTC", "GMT", "OK", "DM",
})

_TEXT_TYPES = ("plain_text", "mrkdwn")

# Order matters: code first (it may hold anything), then Slack tokens, URLs, commands, then the small stuff.
_STRIP = [
    re.compile(r"```.*?```", re.S),
    re.compile(r"`[^`\n]*`"),
    re.compile(r"<(?:[@#!][^<>]*|(?:https?|mailto):[^<>]*)>"),
    re.compile(r"\bhttps?://\S+"),
    # /deal, its subcommand and the ASCII arguments that follow (stops at CJK text or sentence punctuation)
    re.compile(r"/deal(?:[ \t]+[A-Za-z0-9@<>:._/\-…]+)*"),
    re.compile(r"(?<![A-Za-z])[a-z][a-z_]*:(?=[^\s/])"),  # option keys glued to a value: customer:华为
    re.compile(r"\bD-(?:\d+|<n>)"),
    re.compile(r"“[^”]*”"),  # what the user typed, quoted back
    re.compile(r":[a-z0-9_+\-]+:"),  # emoji names
    re.compile(r"\d+(?:[.,:/\-]\d+)*\s?(?:[kKmMwW]\b)?"),  # numbers, dates, times, 150k / 1.5m
]
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def texts(payload: Any) -> Iterator[str]:
    """Every human-readable string of a message, view, block list or single block."""
    if hasattr(payload, "to_dict") and not isinstance(payload, dict):
        payload = payload.to_dict()
    if hasattr(payload, "text") and hasattr(payload, "blocks") and not isinstance(payload, dict):
        payload = {"text": payload.text, "blocks": payload.blocks}
    if isinstance(payload, dict) and isinstance(payload.get("text"), str) and "blocks" in payload:
        yield payload["text"]  # a message's fallback text
        payload = payload["blocks"]
    stack: list[Any] = [payload]
    while stack:
        node = stack.pop()
        if hasattr(node, "to_dict"):
            node = node.to_dict()
        if isinstance(node, dict):
            if node.get("type") in _TEXT_TYPES and isinstance(node.get("text"), str):
                yield node["text"]
            stack.extend(v for v in node.values() if isinstance(v, dict | list | tuple) or hasattr(v, "to_dict"))
        elif isinstance(node, list | tuple):
            stack.extend(node)


def strip_allowed(text: str) -> str:
    """The text with everything that may stay English (see the module doc) blanked out."""
    out = html.unescape(text)
    for pattern in _STRIP:
        out = pattern.sub(" ", out)
    return out


def english_words(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """Latin words left in ``text`` (``allowed``: more words a test knows to be data, e.g. stage keys)."""
    extra = set(allowed)
    return [w for w in _WORD.findall(strip_allowed(text)) if w not in ALLOWED and w not in extra]


def english_leaks(payload: Any) -> list[str]:
    """English words left in any readable string of ``payload`` (``[]`` when none)."""
    found: list[str] = []
    for text in texts(payload):
        found.extend(english_words(text))
    return found


def leak_report(payload: Any) -> list[str]:
    """``word  <-  the string it came from`` for each string with a leak (for assertion messages)."""
    return [f"{', '.join(words)}  <-  {text[:160]!r}" for text in texts(payload) if (words := english_words(text))]


def cjk_runs(payload: Any) -> list[str]:
    """Runs of Chinese characters in any readable string (for the English render)."""
    return [run for text in texts(payload) for run in _CJK.findall(html.unescape(text))]


def foreign_cjk(payload: Any, data: Iterable[str]) -> list[str]:
    """Chinese runs that are not part of any sample data string: they came from our own words."""
    pool = list(data)
    return [run for run in cjk_runs(payload) if not any(run in d for d in pool)]
