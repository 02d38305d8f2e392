"""One renderer per outbox kind, by family; the deliverer (bot/delivery/outbox.py) looks a row's kind up here.

channels: the deal's channel set up and closed; cards: what is posted in it; dms: direct messages;
notices: typed digests and notices worded at delivery; approvals; charts. Each renderer gets a
:class:`~bot.delivery.context.DeliveryContext` and nothing else.
"""

from __future__ import annotations

from bot.delivery.context import Renderer
from bot.delivery.kinds import approvals, cards, channels, charts, dms, notices

RENDERERS: dict[str, Renderer] = {
    **channels.KINDS, **cards.KINDS, **dms.KINDS, **notices.KINDS, **approvals.KINDS, **charts.KINDS,
}
