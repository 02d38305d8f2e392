"""Lead auto-assignment (seed practice): `/deal new` without `owner:` goes to the first matching
`[[assign]]` rule of the pipeline file; a rule listing several people takes turns."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models.infra.db import insert_or_ignore
from models.infra.tables import AssignCounter
from models.pipeline import AssignRule, Pipeline


def matching_rule(pipeline: Pipeline, *, source: str | None, custom: Mapping[str, str] | None) -> AssignRule | None:
    fields = {"source": source, "region": (custom or {}).get("region"), "product": (custom or {}).get("product")}
    return next((rule for rule in pipeline.assign if rule.matches(fields)), None)


async def next_assignee(session: AsyncSession, rule: AssignRule) -> str:
    """The person whose turn it is. One UPDATE … RETURNING bumps the rule's counter, so two processes
    (or two requests) never take the same turn: the second waits on the row until the first commits."""
    if len(rule.to) == 1:
        return rule.to[0]
    await insert_or_ignore(session, AssignCounter, key=rule.key, turns=0)
    turns: int | None = await session.scalar(
        update(AssignCounter).where(AssignCounter.key == rule.key)
        .values(turns=AssignCounter.turns + 1).returning(AssignCounter.turns)
    )
    assert turns is not None
    return rule.to[(turns - 1) % len(rule.to)]
