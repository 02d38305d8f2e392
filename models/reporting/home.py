"""What a person's App Home shows (read only): their open deals by next follow-up, their overdue
follow-ups and, for managers and admins, the team pipeline by stage with its weighted forecast."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.deals.queries import list_deals, stage_info
from models.deals.snapshots import DealSnapshot, StageInfo
from models.infra.tables import Deal, FollowUp
from models.people.permissions import Actor, visible_owner_ids
from models.pipeline import Pipeline

DEALS_SHOWN = 15
OVERDUE_SHOWN = 10


@dataclass(frozen=True)
class Overdue:
    deal_number: int
    deal_title: str
    channel_id: str | None
    due_at: datetime
    text: str


@dataclass(frozen=True)
class StageTotal:
    stage: StageInfo
    deals: int
    amount: Decimal
    weighted: Decimal  # amount x the stage's probability


@dataclass(frozen=True)
class TeamPipeline:
    stages: tuple[StageTotal, ...]  # every open stage in pipeline order, empty ones too

    @property
    def amount(self) -> Decimal:
        return sum((s.amount for s in self.stages), Decimal(0))

    @property
    def forecast(self) -> Decimal:
        return sum((s.weighted for s in self.stages), Decimal(0))

    @property
    def deals(self) -> int:
        return sum(s.deals for s in self.stages)


@dataclass(frozen=True)
class HomePicture:
    deals: tuple[DealSnapshot, ...]
    more_deals: bool
    overdue: tuple[Overdue, ...]
    overdue_total: int
    team: TeamPipeline | None  # None for people who manage nobody


async def home_picture(session: AsyncSession, actor: Actor, pipeline: Pipeline, *, now: datetime,
                       locale: str = "en") -> HomePicture:
    listed = await list_deals(session, actor, pipeline, scope="mine", user_id=None, now=now, locale=locale,
                              limit=DEALS_SHOWN + 1)
    mine = [d for d in listed if not d.is_closed]  # a closed deal's open follow-up is under "overdue" if late
    overdue_filter = (FollowUp.owner_id == actor.user_id, FollowUp.done_at.is_(None), FollowUp.due_at < now)
    overdue_rows = (await session.execute(
        select(Deal.id, Deal.title, Deal.channel_id, FollowUp.due_at, FollowUp.text)
        .join(Deal, Deal.id == FollowUp.deal_id).where(*overdue_filter)
        .order_by(FollowUp.due_at, FollowUp.id).limit(OVERDUE_SHOWN)
    )).all()
    overdue_total = await session.scalar(select(func.count()).select_from(FollowUp).where(*overdue_filter)) or 0
    manages = actor.is_admin or bool(actor.managed_ids)
    return HomePicture(
        deals=tuple(mine[:DEALS_SHOWN]), more_deals=len(mine) > DEALS_SHOWN,
        overdue=tuple(Overdue(*row) for row in overdue_rows), overdue_total=int(overdue_total),
        team=await team_pipeline(session, actor, pipeline, locale=locale) if manages else None,
    )


async def team_pipeline(session: AsyncSession, actor: Actor, pipeline: Pipeline, *, locale: str = "en") -> TeamPipeline:
    """One grouped query over the team's open deals (everyone's for admins); pooled deals belong to nobody."""
    open_stages = pipeline.open_stages
    query = (
        select(Deal.stage_key, func.count(), func.coalesce(func.sum(Deal.amount), 0))
        .where(Deal.stage_key.in_([s.key for s in open_stages]), Deal.pooled_at.is_(None))
        .group_by(Deal.stage_key)
    )
    owners = visible_owner_ids(actor)
    if owners is not None:
        query = query.where(Deal.owner_id.in_(owners))
    totals = {key: (int(count), Decimal(str(amount))) for key, count, amount in (await session.execute(query)).all()}
    stages = []
    for stage in open_stages:
        count, amount = totals.get(stage.key, (0, Decimal(0)))
        stages.append(StageTotal(stage=stage_info(stage, locale), deals=count, amount=amount,
                                 weighted=(amount * stage.probability / 100).quantize(Decimal("0.01"))))
    return TeamPipeline(stages=tuple(stages))
