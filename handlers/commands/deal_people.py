"""Who works a deal: `/deal assign` (a new owner) and `/deal invite` (people and roles into its channel)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks.text import mtr, user
from bot.runtime.deps import Deps
from handlers.commands.common import WRITERS, deal_for, handed_over
from handlers.commands.spec import Reply, Subcommand
from handlers.context import Request
from handlers.grammar import REF, DealRef, Free, Parsed, Parser, clip, user_id, word
from handlers.replies import mentions, sentences, words
from models.deals import service as deals
from models.infra.i18n import t

INVITE_ROLES = ("presales", "legal", "finance", "cs", "manager")


@dataclass(frozen=True)
class Assign:
    ref: DealRef | None
    user_id: str


@dataclass(frozen=True)
class Invite:
    ref: DealRef | None
    user_ids: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()


def _parse_assign(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> Assign:
    uids = [user_id(token.raw) for token in free]
    if len(free) != 1 or uids[0] is None:
        raise p.error(t("Mention exactly one person to make owner, e.g. /deal assign @alice."))
    return Assign(ref, uids[0])


def _parse_invite(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> Invite:
    users: list[str] = []
    roles: list[str] = []
    for token in free:
        uid = user_id(token.raw)
        said = word(token).rstrip(",")
        if uid:
            users.append(uid)
        elif said in INVITE_ROLES:
            roles.append(said)
        elif said in ("", "and", "&"):
            continue
        else:
            raise p.error(t('Invite people by @mention or a role ({roles}); I did not understand "{value}".',
                            roles=", ".join(INVITE_ROLES), value=clip(token.raw)))
    if not users and not roles:
        raise p.error(t("Say whom to invite: a @mention or a role, e.g. /deal invite @bob legal."))
    return Invite(ref, tuple(dict.fromkeys(users)), tuple(dict.fromkeys(roles)))


async def _assign(deps: Deps, req: Request, cmd: Assign, session: AsyncSession) -> Reply:
    actor, deal = await deal_for(deps, req, cmd.ref, session)
    handed = await deals.assign(session, deps.ws, actor, deal, cmd.user_id, now=req.now)
    locale = deps.ws.locale
    said = [mtr("{user} now owns D-{n}; they are invited to the channel.", locale, user=user(cmd.user_id), n=deal.id)]
    return sentences([*said, *handed_over(deps, handed)], locale)


async def _invite(deps: Deps, req: Request, cmd: Invite, session: AsyncSession) -> Reply:
    actor, deal = await deal_for(deps, req, cmd.ref, session)
    invited, unheld = await deals.invite(session, deps.ws, actor, deal, user_ids=cmd.user_ids, roles=cmd.roles,
                                         now=req.now)
    locale = deps.ws.locale
    parts = []
    if invited:
        parts.append(mtr("Invited {users} to D-{n}.", locale, users=mentions(invited, locale), n=deal.id))
    if unheld:
        parts.append(mtr("Nobody holds the role {roles} yet; an admin can add one with `/deal role @user {role}`.",
                         locale, roles=words(unheld, locale), role=unheld[0]))
    return sentences(parts, locale)


ASSIGN = Subcommand("assign", Assign, _parse_assign, _assign, usage=f"/deal assign {REF} @user",
                    example="/deal assign @alice", permission=WRITERS)
INVITE = Subcommand("invite", Invite, _parse_invite, _invite,
                    usage=f"/deal invite {REF} @user|<role> … (roles: {', '.join(INVITE_ROLES)})",
                    example="/deal invite @bob legal", permission=WRITERS)
