"""Pure Block Kit builders: snapshots (models/deals/snapshots.py) in, ``Message``/view dicts out.

Modules: ``text`` (escaping, limits, labels, the ``Message`` type), ``cards`` (pinned card,
stage-change card, topic, welcome), ``timeline`` (history pages), ``modals``, ``replies``.
Every builder applies Slack's limits itself, so it never raises on user data;
tests/blocklimits.py checks the output.
"""

from bot.blocks.text import Message, Mrkdwn, escape, escape_keep_mentions, fmt, user

__all__ = ["Message", "Mrkdwn", "escape", "escape_keep_mentions", "fmt", "user"]
