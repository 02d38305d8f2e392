"""Pure Block Kit builders: snapshots (models/deals/snapshots.py) in, ``Message``/view dicts out.

Modules: ``markup`` (escaping, cutting, limits), ``words`` (the domain's sentences and words as mrkdwn:
the only way domain text becomes Slack text), ``text`` (the ``Message`` type, ``tr``/``mtr``, block helpers;
re-exports both), ``cards`` (pinned card, stage-change card, topic, welcome), ``timeline`` (history pages),
``modals``, ``replies``, and one module per feature (digests, reports, pool, approvals, territories…).
Every builder applies Slack's limits itself, so it never raises on user data;
tests/blocklimits.py checks the output.
"""

from bot.blocks.text import Message, Mrkdwn, escape, escape_keep_mentions, fmt, user

__all__ = ["Message", "Mrkdwn", "escape", "escape_keep_mentions", "fmt", "user"]
