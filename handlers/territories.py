"""`/deal territory`: list the territories; admins change a territory's reps and manager (models.territory_admin)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks import replies
from bot.blocks.territories import territories_reply, territory_section
from bot.blocks.text import Mrkdwn, fmt, mtr
from bot.runtime.deps import Deps
from handlers import grammar as g
from handlers.context import Request
from handlers.replies import mentions
from models.people.users import load_actor
from models.territories import admin as territories


async def territory(deps: Deps, req: Request, cmd: g.Territory, session: AsyncSession) -> replies.Message | str:
    locale = deps.ws.locale
    if cmd.action == "list":
        return territories_reply(await territories.territory_states(session, deps.ws.pipeline.territories),
                                 locale=locale)
    default = territories.find_territory(deps.ws.pipeline.territories, cmd.key or "")
    if cmd.action == "show":
        return territories_reply(await territories.territory_states(session, (default,)), locale=locale)
    actor = await load_actor(session, req.user_id, deps.ws.admin_ids)
    people = mentions(cmd.user_ids, locale)
    if cmd.action == "add":
        await territories.add_reps(session, deps.ws, actor, default.key, cmd.user_ids, now=req.now)
        done = mtr("Added {people} to the reps of territory {name}; its new deals take turns among them.", locale,
                   people=people, name=default.name)
    elif cmd.action == "remove":
        await territories.remove_rep(session, deps.ws, actor, default.key, cmd.user_ids[0], now=req.now)
        done = mtr("Took {people} out of the reps of territory {name}; their deals stay theirs.", locale,
                   people=people, name=default.name)
    else:
        _, previous = await territories.set_manager(session, deps.ws, actor, default.key, cmd.user_ids[0],
                                                    now=req.now)
        done = mtr("{people} now manages territory {name} (was {previous}): invited to its new deal channels, "
                   "its report and its digest.", locale, people=people, name=default.name,
                   previous=Mrkdwn(f"<@{previous}>") if previous else "—")
    [state] = await territories.territory_states(session, (default,))
    return fmt("{}\n{}", done, territory_section(state, locale))
