"""`/deal role` and `/deal team`: the routes (admin checks and records live in models.teams)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.container import Deps
from handlers import grammar as g
from handlers.context import Request
from models import teams
from models.people import load_actor


def _people(ids: tuple[str, ...]) -> str:
    return ", ".join(f"<@{u}>" for u in ids) or "nobody"


async def role(deps: Deps, req: Request, cmd: g.Role, session: AsyncSession) -> str:
    actor = await load_actor(session, req.user_id, deps.ws.admin_ids)
    if cmd.remove:
        await teams.remove_role(session, deps.ws, actor, cmd.user_id, cmd.role, now=req.now)
        verb = f"Took the role {cmd.role} from <@{cmd.user_id}>."
    else:
        await teams.add_role(session, deps.ws, actor, cmd.user_id, cmd.role, now=req.now)
        verb = f"Gave <@{cmd.user_id}> the role {cmd.role}."
    roles = await teams.roles_of(session, deps.ws, cmd.user_id)
    return f"{verb} Their roles now: {', '.join(roles)}."


async def team(deps: Deps, req: Request, cmd: g.Team, session: AsyncSession) -> str:
    actor = await load_actor(session, req.user_id, deps.ws.admin_ids)
    if cmd.clear:
        previous = await teams.clear_manager(session, deps.ws, actor, cmd.user_id, now=req.now)
        return f"<@{cmd.user_id}> no longer has a manager (was <@{previous}>)."
    if cmd.manager_id:
        picture = await teams.picture(session, deps.ws, cmd.user_id)
        promoted = await teams.set_manager(session, deps.ws, actor, cmd.user_id, cmd.manager_id, now=req.now)
        was = f" (was <@{picture.manager_id}>)" if picture.manager_id else ""
        text = f"<@{cmd.manager_id}> now manages <@{cmd.user_id}>{was}."
        if promoted:
            text += f" <@{cmd.manager_id}> has the manager role now."
        return text + " They are invited to the rep's new deal channels."
    picture = await teams.picture(session, deps.ws, cmd.user_id)
    manager = f"<@{picture.manager_id}>" if picture.manager_id else "nobody"
    return (f"<@{cmd.user_id}>: manager {manager}; roles {', '.join(picture.roles)}; "
            f"reports to them: {_people(picture.reports)}.")
