"""Lists: `/deal list` (open deals, by scope) and `/deal approvals` (the requests one may decide or waits on)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks import approvals as approval_blocks
from bot.blocks import replies
from bot.blocks.text import mtr, user
from bot.runtime.deps import Deps
from handlers.commands.common import EVERYONE
from handlers.commands.spec import Permission, Reply, Subcommand
from handlers.context import Request
from handlers.grammar import DealRef, Free, Parsed, Parser, clip, plain_text, user_id
from models.approvals import requests as approvals
from models.deals.queries import brief_snapshot, list_deals
from models.infra.errors import Forbidden
from models.infra.i18n import N_, t
from models.people.permissions import list_refusal
from models.people.users import load_actor


@dataclass(frozen=True)
class List:
    scope: str = "mine"  # "mine" | "all" | "team" | "user"
    user_id: str | None = None


@dataclass(frozen=True)
class Approvals:
    pass


def _parse_list(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> List:
    if not free:
        return List("mine")
    if len(free) > 1:
        raise p.error(t("List takes one of all, team or a @mention."))
    uid = user_id(free[0].raw)
    if uid:
        return List("user", uid)
    said = plain_text(free[0].value).strip().lower()
    if said in ("all", "team", "mine"):
        return List(said)
    raise p.error(t('List takes all, team or a @mention, not "{value}".', value=clip(free[0].raw)))


def _parse_approvals(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> Approvals:
    p.no_text(free)
    return Approvals()


async def _list(deps: Deps, req: Request, cmd: List, session: AsyncSession) -> Reply:
    actor = await load_actor(session, req.user_id, deps.ws.admin_ids)
    if refusal := list_refusal(actor, cmd.scope, cmd.user_id):
        raise Forbidden(refusal, "/deal list")
    found = await list_deals(session, actor, deps.ws.pipeline, scope=cmd.scope, user_id=cmd.user_id,
                             now=req.now, locale=deps.ws.locale)
    locale = deps.ws.locale
    title = mtr(_LIST_TITLES.get(cmd.scope, _LIST_TITLES["mine"]), locale)
    if cmd.scope == "user":
        title = mtr("Open deals of {user}", locale, user=user(cmd.user_id))
    return replies.deal_list_reply(found, tz=req.tz, locale=locale, title=title)


_LIST_TITLES = {"all": N_("All open deals"), "team": N_("Your team's open deals"), "mine": N_("Your open deals")}


async def _approvals(deps: Deps, req: Request, cmd: Approvals, session: AsyncSession) -> Reply:
    actor = await load_actor(session, req.user_id, deps.ws.admin_ids)
    rows = [(approvals.info_of(request, deps.ws, approvers=deciders),
             brief_snapshot(deal, deps.ws.pipeline, locale=deps.ws.locale), why)
            for request, deal, why, deciders in await approvals.visible_pending(session, deps.ws, actor)]
    return approval_blocks.approvals_list(rows, tz=req.tz, locale=deps.ws.locale)


LIST = Subcommand("list", List, _parse_list, _list, usage="/deal list [all|team|@user]", example="/deal list team",
                  permission=Permission((list_refusal,), "everyone"), ref=False,
                  notes=N_("`/deal list` your deals and those you collaborate on; `team` your team's (managers); "
                           "`@user` that person's (themselves, their manager or an admin); `all` every open deal "
                           "(admins)."))
# Each sees what they may decide (models.people.permissions.decide_refusal) or wait on.
APPROVALS = Subcommand("approvals", Approvals, _parse_approvals, _approvals, usage="/deal approvals",
                       example="/deal approvals", permission=EVERYONE, ref=False)
