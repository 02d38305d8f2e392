"""The public pool (SPEC 6): `/deal pool` lists it, `/deal claim` takes a deal from it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks import pool as pool_blocks
from bot.blocks.text import mtr
from bot.runtime.deps import Deps
from handlers.commands.common import EVERYONE, deal_for, handed_over
from handlers.commands.spec import Reply, Subcommand
from handlers.context import Request
from handlers.grammar import DealRef, Free, Parsed, Parser, clip
from handlers.replies import mentions, sentences
from models.deals import moves, pool
from models.infra.dms import enqueue_rendered_dm
from models.infra.i18n import t


@dataclass(frozen=True)
class Pool:
    pass


@dataclass(frozen=True)
class Claim:
    ref: DealRef | None = None


def _parse_pool(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> Pool:
    p.no_text(free)
    return Pool()


def _parse_claim(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> Claim:
    if free:
        raise p.error(t('Name the deal to claim as D-<n>, not "{text}".', text=clip(p.text(free))))
    return Claim(ref)


async def _pool(deps: Deps, req: Request, cmd: Pool, session: AsyncSession) -> Reply:
    page = await pool.pool_page(session, deps.ws.pipeline, locale=deps.ws.locale)
    return pool_blocks.pool_reply(page, tz=req.tz, locale=deps.ws.locale)


async def _claim(deps: Deps, req: Request, cmd: Claim, session: AsyncSession) -> Reply:
    actor, deal = await deal_for(deps, req, cmd.ref, session)
    claimed = await pool.claim(session, deps.ws, actor, deal, now=req.now)
    if claimed.former_owner_id != req.user_id:
        told = pool_blocks.claimed_dm(deal.id, deal.title, claimant_id=req.user_id, locale=deps.ws.locale)
        await enqueue_rendered_dm(session, claimed.former_owner_id, text=told.text, blocks=told.blocks, now=req.now,
                                  deal_id=deal.id)
    locale = deps.ws.locale
    said: list[str] = [mtr("You own D-{n} now; you are invited to its channel.", locale, n=deal.id)]
    if claimed.handover is not None:
        said += handed_over(deps, claimed.handover)
    if isinstance(claimed.reopened, moves.Asked):
        asked = claimed.reopened
        said.append(mtr(
            "Reopening it at *{stage}* needs approval ({rules}): asked {approvers} by DM. It stays lost until then.",
            locale, stage=asked.to_stage.display_name(locale), rules="; ".join(asked.conditions),
            approvers=mentions(asked.approvers, locale)))
    elif claimed.reopened is not None:
        said.append(mtr("It is reopened at *{stage}*.", locale,
                        stage=claimed.reopened.to_stage.display_name(locale)))
    return sentences(said, locale)


# The pool is open to every rep (SPEC 6); models.deals.pool checks the deal is in it.
POOL = Subcommand("pool", Pool, _parse_pool, _pool, usage="/deal pool", example="/deal pool", permission=EVERYONE,
                  ref=False)
CLAIM = Subcommand("claim", Claim, _parse_claim, _claim, usage="/deal claim D-<n>", example="/deal claim D-42",
                   permission=EVERYONE)
