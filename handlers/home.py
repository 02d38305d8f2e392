"""App Home: the Home tab is drawn afresh each time someone opens it (`app_home_opened`)."""

from __future__ import annotations

import logging

from bot.blocks.home import home_view
from bot.delivery.gateway import SlackFailure
from bot.runtime.deps import Deps
from bot.runtime.runner import Unit
from models.people.users import load_actor
from models.reporting.home import home_picture

log = logging.getLogger(__name__)


async def publish_home(deps: Deps, unit: Unit, user_id: str) -> None:
    tz = await deps.directory.tz_of(user_id)
    async with unit.reading() as session:
        actor = await load_actor(session, user_id, deps.ws.admin_ids)
        picture = await home_picture(session, actor, deps.ws.pipeline, now=deps.clock.now(), locale=deps.ws.locale)
    try:
        await deps.gateway.publish_home(user_id, home_view(picture, tz=tz, locale=deps.ws.locale))
    except SlackFailure as failure:  # the next visit draws it again
        log.warning("views.publish failed for the Home tab: %s", failure)
