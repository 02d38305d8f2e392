"""`/deal role` and `/deal team`: the routes (admin checks and records live in models.teams)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks.text import Mrkdwn, mtr, user
from bot.runtime.deps import Deps
from handlers import grammar as g
from handlers.context import Request
from handlers.replies import mentions, sentences, words
from models.people import teams
from models.people.users import load_actor


def _people(ids: tuple[str, ...], locale: str) -> Mrkdwn:
    return mentions(ids, locale) or mtr("nobody", locale)


async def role(deps: Deps, req: Request, cmd: g.Role, session: AsyncSession) -> str:
    locale = deps.ws.locale
    actor = await load_actor(session, req.user_id, deps.ws.admin_ids)
    if cmd.remove:
        await teams.remove_role(session, deps.ws, actor, cmd.user_id, cmd.role, now=req.now)
        verb = mtr("Took the role {role} from {user}.", locale, role=cmd.role, user=user(cmd.user_id))
    else:
        await teams.add_role(session, deps.ws, actor, cmd.user_id, cmd.role, now=req.now)
        verb = mtr("Gave {user} the role {role}.", locale, user=user(cmd.user_id), role=cmd.role)
    roles = await teams.roles_of(session, deps.ws, cmd.user_id)
    return sentences([verb, mtr("Their roles now: {roles}.", locale, roles=words(roles, locale))], locale)


async def team(deps: Deps, req: Request, cmd: g.Team, session: AsyncSession) -> str:
    locale = deps.ws.locale
    actor = await load_actor(session, req.user_id, deps.ws.admin_ids)
    if cmd.clear:
        previous = await teams.clear_manager(session, deps.ws, actor, cmd.user_id, now=req.now)
        return mtr("{user} no longer has a manager (was {previous}).", locale, user=user(cmd.user_id),
                   previous=user(previous))
    if cmd.manager_id:
        picture = await teams.picture(session, deps.ws, cmd.user_id)
        promoted = await teams.set_manager(session, deps.ws, actor, cmd.user_id, cmd.manager_id, now=req.now)
        if picture.manager_id:
            said = [mtr("{manager} now manages {user} (was {previous}).", locale, manager=user(cmd.manager_id),
                        user=user(cmd.user_id), previous=user(picture.manager_id))]
        else:
            said = [mtr("{manager} now manages {user}.", locale, manager=user(cmd.manager_id),
                        user=user(cmd.user_id))]
        if promoted:
            said.append(mtr("{manager} has the manager role now.", locale, manager=user(cmd.manager_id)))
        said.append(mtr("They are invited to the rep's new deal channels.", locale))
        return sentences(said, locale)
    picture = await teams.picture(session, deps.ws, cmd.user_id)
    manager = user(picture.manager_id) if picture.manager_id else mtr("nobody", locale)
    return mtr("{user}: manager {manager}; roles {roles}; reports to them: {reports}.", locale,
               user=user(cmd.user_id), manager=manager, roles=words(picture.roles, locale),
               reports=_people(picture.reports, locale))
