"""Read-only pictures of a deal, handed from the domain to the renderers (bot/blocks).

They carry everything a card or a timeline needs, so renderers never touch the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class StageInfo:
    key: str
    name: str
    number: int  # 1-based position in the pipeline
    probability: int
    closed: str | None = None  # "won" | "lost" | None


@dataclass(frozen=True)
class FollowUpInfo:
    id: int
    due_at: datetime  # aware, UTC
    text: str
    owner_id: str
    overdue: bool = False


@dataclass(frozen=True)
class DealSnapshot:
    number: int  # shown as D-<number>
    title: str
    customer: str | None
    amount: Decimal | None
    stage: StageInfo
    stages: tuple[StageInfo, ...]  # the whole pipeline, in order, for a progress line
    owner_id: str
    close_at: datetime | None  # aware, UTC
    source: str | None
    score: int | None
    score_band: str | None  # "high" | "medium" | "low"
    channel_id: str | None
    custom_fields: dict[str, str] = field(default_factory=dict)
    collaborator_ids: tuple[str, ...] = ()
    next_followup: FollowUpInfo | None = None
    lost_reason: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    awaiting_approval: str | None = None  # the stage a pending approval request would move it to (SPEC 12)

    @property
    def ref(self) -> str:
        return f"D-{self.number}"

    @property
    def is_closed(self) -> bool:
        return self.stage.closed is not None


@dataclass(frozen=True)
class TimelineItem:
    at: datetime  # aware, UTC
    actor_id: str | None  # Slack user id, None for the bot itself
    kind: str  # created | stage | note | followup | field | owner | collaborator | score | won | lost
    text: str  # one line, already worded by the domain, plain (renderers escape it)
    body: dict[str, Any] | None = None  # the sentence with its words (TimelineEntry.body); None before them


@dataclass(frozen=True)
class StageChangeInfo:
    deal: DealSnapshot
    from_stage: StageInfo | None
    to_stage: StageInfo
    actor_id: str
    at: datetime
    backward: bool = False
