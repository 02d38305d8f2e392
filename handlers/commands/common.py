"""What several subcommands share: the deal a command names, and who may run what."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks.text import mtr
from bot.runtime.deps import Deps
from handlers.commands.spec import Permission
from handlers.context import Request
from handlers.grammar import DealRef
from handlers.replies import mentions
from models.approvals import handover
from models.deals.queries import find_deal
from models.infra.i18n import N_
from models.infra.tables import Deal
from models.people import permissions
from models.people.permissions import Actor
from models.people.users import load_actor

EVERYONE = Permission((), "everyone")
READERS = Permission((permissions.can_read,), "readers")
WRITERS = Permission((permissions.can_edit,), "writers")
ADMINS = Permission((permissions.can_administer,), "admins")


async def deal_for(deps: Deps, req: Request, ref: DealRef | None, session: AsyncSession) -> tuple[Actor, Deal]:
    """The deal the command names (else the deal of the channel it was typed in), and who asks."""
    deal = await find_deal(session, number=ref.number if ref else None, channel_id=ref.channel_id if ref else None,
                           here_channel_id=req.channel_id)
    return await load_actor(session, req.user_id, deps.ws.admin_ids), deal


_HANDOVERS = {
    handover.MOVED: N_("The approval request to move it to *{stage}* moved to {approvers}; they are asked by DM."),
    handover.LAPSED: N_("The approval request to move it to *{stage}* lapsed: no one is left to ask."),
    handover.KEPT: N_("The approval request to move it to *{stage}* still waits on {approvers}."),
}


def handed_over(deps: Deps, handed: handover.Handover | None) -> list[str]:
    """What became of the deal's pending approval request when it changed hands (SPEC 12), if there was one."""
    if handed is None or handed.outcome is None:
        return []
    locale, pipeline = deps.ws.locale, deps.ws.pipeline
    stage = pipeline.stage(handed.to_stage).display_name(locale) if handed.to_stage in pipeline else handed.to_stage
    return [mtr(_HANDOVERS[handed.outcome], locale, stage=stage, approvers=mentions(handed.approvers, locale))]
