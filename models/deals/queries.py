"""Finding deals and picturing them for renderers (set-based reads; no writes)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from sqlalchemy import func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from models.deals.snapshots import DealSnapshot, FollowUpInfo, StageInfo, TimelineItem
from models.infra.errors import NotFound
from models.infra.i18n import t
from models.infra.tables import ApprovalRequest, Deal, DealCollaborator, FollowUp, TimelineEntry
from models.people.permissions import Actor, DealAccess, list_scope
from models.pipeline import Pipeline, Stage

HISTORY_PAGE_SIZE = 20
DEAL_CHANNEL = re.compile(r"^deal-(\d+)(?:-|$)")


def stage_info(stage: Stage, locale: str) -> StageInfo:
    return StageInfo(
        key=stage.key, name=stage.display_name(locale), number=stage.number,
        probability=stage.probability, closed=stage.closed,
    )


async def find_deal(
    session: AsyncSession, *, number: int | None, channel_id: str | None, here_channel_id: str | None
) -> Deal:
    """The deal a command names (D-42 or a channel mention), else the deal of the channel it runs in."""
    if number is not None:
        deal = await session.get(Deal, number)
        if deal is None:
            raise NotFound(t("There is no deal D-{number}.", number=number))
        return deal
    target = channel_id or here_channel_id
    deal = await session.scalar(select(Deal).where(Deal.channel_id == target)) if target else None
    if deal is None:
        if channel_id:
            raise NotFound(t("That channel is not a deal channel."))
        raise NotFound(t("Which deal? Run this in the deal's channel, or name it right after the subcommand, "
                         "e.g. D-42."))
    return deal


async def deal_for_channel(session: AsyncSession, channel_id: str) -> Deal | None:
    return await session.scalar(select(Deal).where(Deal.channel_id == channel_id))


async def access_of(session: AsyncSession, deal: Deal) -> DealAccess:
    collaborators = await session.scalars(
        select(DealCollaborator.user_id).where(DealCollaborator.deal_id == deal.id)
    )
    return DealAccess(owner_id=deal.owner_id, collaborator_ids=frozenset(collaborators))


async def next_followup(session: AsyncSession, deal_id: int, now: datetime) -> FollowUpInfo | None:
    row = await session.scalar(
        select(FollowUp)
        .where(FollowUp.deal_id == deal_id, FollowUp.done_at.is_(None))
        .order_by(FollowUp.due_at, FollowUp.id)
        .limit(1)
    )
    return _followup_info(row, now) if row else None


def _followup_info(row: FollowUp, now: datetime) -> FollowUpInfo:
    return FollowUpInfo(id=row.id, due_at=row.due_at, text=row.text, owner_id=row.owner_id, overdue=row.due_at < now)


async def snapshot(
    session: AsyncSession, deal: Deal, pipeline: Pipeline, *, now: datetime, locale: str = "en"
) -> DealSnapshot:
    access = await access_of(session, deal)
    picture = _snapshot(deal, pipeline, locale, access.collaborator_ids, await next_followup(session, deal.id, now))
    awaiting = await session.scalar(select(ApprovalRequest.to_stage).where(
        ApprovalRequest.deal_id == deal.id, ApprovalRequest.status == "pending").limit(1))
    if awaiting is not None:
        name = pipeline.stage(awaiting).display_name(locale) if awaiting in pipeline else awaiting
        picture = replace(picture, awaiting_approval=name)
    return picture


def brief_snapshot(deal: Deal, pipeline: Pipeline, *, locale: str = "en") -> DealSnapshot:
    """The deal without collaborators and follow-ups (no query): enough to name it in a DM."""
    return _snapshot(deal, pipeline, locale, frozenset(), None)


def _snapshot(
    deal: Deal, pipeline: Pipeline, locale: str, collaborators: frozenset[str], followup: FollowUpInfo | None
) -> DealSnapshot:
    return DealSnapshot(
        number=deal.id, title=deal.title, customer=deal.customer, amount=deal.amount,
        stage=stage_info(pipeline.stage(deal.stage_key), locale),
        stages=tuple(stage_info(s, locale) for s in pipeline.stages),
        owner_id=deal.owner_id, close_at=deal.close_at, source=deal.source, score=deal.score,
        score_band=deal.score_band, channel_id=deal.channel_id, custom_fields=dict(deal.custom_fields or {}),
        collaborator_ids=tuple(sorted(collaborators)), next_followup=followup, lost_reason=deal.lost_reason,
        created_at=deal.created_at, updated_at=deal.updated_at,
    )


async def history(session: AsyncSession, deal_id: int, *, page: int) -> tuple[list[TimelineItem], bool]:
    """One page of the timeline, newest first, and whether older entries exist."""
    offset = (max(page, 1) - 1) * HISTORY_PAGE_SIZE
    rows = (
        await session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.deal_id == deal_id)
            .order_by(TimelineEntry.id.desc())
            .offset(offset)
            .limit(HISTORY_PAGE_SIZE + 1)
        )
    ).all()
    items = [TimelineItem(at=r.at, actor_id=r.actor_id, kind=r.kind, text=r.text, body=r.body) for r in rows]
    return items[:HISTORY_PAGE_SIZE], len(items) > HISTORY_PAGE_SIZE


async def list_deals(
    session: AsyncSession, actor: Actor, pipeline: Pipeline, *, scope: str, user_id: str | None,
    now: datetime, locale: str = "en", limit: int = 100,
) -> list[DealSnapshot]:
    """Open deals the actor may see (and closed ones with open follow-ups), by next follow-up.

    One query: the earliest open follow-up per deal comes from a grouped subquery.
    """
    open_keys = [s.key for s in pipeline.stages if s.closed is None]
    next_due = (
        select(FollowUp.deal_id, func.min(FollowUp.due_at).label("due_at"))
        .where(FollowUp.done_at.is_(None))
        .group_by(FollowUp.deal_id)
        .subquery()
    )
    query = (
        select(Deal, next_due.c.due_at)
        .outerjoin(next_due, next_due.c.deal_id == Deal.id)
        .where(or_(Deal.stage_key.in_(open_keys), next_due.c.due_at.is_not(None)))
    )
    query = query.where(_scope_filter(actor, scope, user_id))
    query = query.order_by(next_due.c.due_at.is_(None), next_due.c.due_at, Deal.updated_at.desc()).limit(limit)
    rows = (await session.execute(query)).all()
    deal_ids = [deal.id for deal, _ in rows]
    followups = await _first_followups(session, deal_ids)
    pictures = []
    for deal, _ in rows:
        first = followups.get(deal.id)
        pictures.append(_snapshot(deal, pipeline, locale, frozenset(), _followup_info(first, now) if first else None))
    return pictures


def _scope_filter(actor: Actor, scope: str, user_id: str | None):  # type: ignore[no-untyped-def]
    """The SQL of models.permissions.list_scope: the decision is made there."""
    shown = list_scope(actor, scope, user_id)
    if shown.owner_ids is None:
        return true()
    owned = Deal.owner_id.in_(shown.owner_ids)
    if not shown.collaborated:
        return owned
    collaborating = select(DealCollaborator.deal_id).where(DealCollaborator.user_id == actor.user_id)
    return or_(owned, Deal.id.in_(collaborating))


async def _first_followups(session: AsyncSession, deal_ids: list[int]) -> dict[int, FollowUp]:
    if not deal_ids:
        return {}
    rows = await session.scalars(
        select(FollowUp)
        .where(FollowUp.deal_id.in_(deal_ids), FollowUp.done_at.is_(None))
        .order_by(FollowUp.deal_id, FollowUp.due_at, FollowUp.id)
    )
    first: dict[int, FollowUp] = {}
    for row in rows:
        first.setdefault(row.deal_id, row)
    return first
