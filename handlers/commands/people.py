"""`/deal role` and `/deal team`: who holds which role, who manages whom (the checks and records live in
models.people.teams)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks.text import Mrkdwn, mtr, user
from bot.runtime.deps import Deps
from handlers.commands.spec import Permission, Subcommand
from handlers.context import Request
from handlers.grammar import DealRef, Free, Parsed, Parser, clip, plain_text, user_id
from handlers.replies import mentions, sentences, words
from models.infra.i18n import N_, t
from models.people import permissions, teams
from models.people.users import load_actor

ROLES = ("rep", "manager", "admin", "presales", "legal", "finance", "cs")


@dataclass(frozen=True)
class Team:
    user_id: str
    manager_id: str | None = None
    clear: bool = False  # manager:none


@dataclass(frozen=True)
class Role:
    user_id: str
    role: str
    remove: bool = False


def _parse_team(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> Team:
    if len(free) != 1 or user_id(free[0].raw) is None:
        raise p.error(t("Mention the rep, e.g. /deal team @alice manager:@carol."))
    raw = parsed.options["manager"][0] if "manager" in parsed.options else None
    if raw is not None and plain_text(raw).strip().lower() in _NO_MANAGER:
        return Team(str(user_id(free[0].raw)), None, clear=True)
    manager = p.user("manager", raw) if raw is not None else None
    return Team(str(user_id(free[0].raw)), manager)


_NO_MANAGER = frozenset({"none", "-", "nobody", "无"})


def _parse_role(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> Role:
    if len(free) != 2 or user_id(free[0].raw) is None:
        raise p.error(t("Mention the person and the role, e.g. /deal role @carol manager (or -manager to remove)."))
    said = plain_text(free[1].value).strip().lower()
    remove = said[:1] in ("-", "−")
    role = said[1:] if remove else said
    if role not in ROLES:
        raise p.error(t('The role must be one of {roles}, not "{value}".', roles=", ".join(ROLES), value=clip(role)))
    return Role(str(user_id(free[0].raw)), role, remove)


def _people(ids: tuple[str, ...], locale: str) -> Mrkdwn:
    return mentions(ids, locale) or mtr("nobody", locale)


async def role(deps: Deps, req: Request, cmd: Role, session: AsyncSession) -> str:
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


async def team(deps: Deps, req: Request, cmd: Team, session: AsyncSession) -> str:
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


# Changing a team or a role is for admins (admin_refusal); anyone may look at someone's team.
TEAM = Subcommand("team", Team, _parse_team, team, usage="/deal team @rep [manager:@user|none]",
                  example="/deal team @alice manager:@carol",
                  permission=Permission((permissions.admin_refusal,), "admins"), options=frozenset({"manager"}),
                  ref=False,
                  notes=N_("Admins only for changes. `manager:@user` makes that user the rep's manager (and gives them "
                           "the manager role); `manager:none` leaves the rep without one. Without `manager:` it shows "
                           "the person's manager, roles and who reports to them (anyone may look). A manager sees and "
                           "changes their team's deals and is invited to their reps' new deal channels.\ne.g. "
                           "`/deal team @alice` · `/deal team @alice manager:none`"))
ROLE = Subcommand("role", Role, _parse_role, role, usage=f"/deal role @user [-]<role> (roles: {', '.join(ROLES)})",
                  example="/deal role @carol manager", permission=Permission((permissions.admin_refusal,), "admins"),
                  ref=False,
                  notes=N_("Admins only. `role` adds a role, `-role` removes it. rep (the default), manager, admin; "
                           "presales, legal, finance and cs are brought into deal channels by /deal invite and by the "
                           "pipeline's stages.\ne.g. `/deal role @dan legal` · `/deal role @dan -legal`"))
