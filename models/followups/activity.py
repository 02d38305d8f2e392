"""Notes, follow-ups and scores: what reps log on a deal."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from models.deals.scoring import BantScore, score_bant
from models.followups import nudges
from models.infra import effects
from models.infra.errors import Refused
from models.infra.i18n import N_, Text, t
from models.infra.tables import Deal, FollowUp
from models.infra.timeline import log
from models.infra.words import Moment, Money
from models.people.access import require_edit
from models.people.permissions import Actor
from models.people.users import user_tz
from models.pipeline.workspace import Workspace

EARLY_REMINDER = timedelta(hours=24)
VIA = ("call", "email", "meeting", "demo", "chat")
# how a timeline entry names a logged contact (`via:` keys stay English in commands)
_VIA_WORDS = {"call": N_("call"), "email": N_("email"), "meeting": N_("meeting"), "demo": N_("demo"),
              "chat": N_("chat")}
_BANDS = {"high": N_("high"), "medium": N_("medium"), "low": N_("low")}


async def add_followup(session: AsyncSession, ws: Workspace, actor: Actor, deal: Deal, *, due_at: datetime,
                       text: str, now: datetime, caller_tz: str, source: str = "followup") -> FollowUp:
    """A follow-up for the deal's owner, with what the reminders will need (a later issue sends them)."""
    await require_edit(session, actor, deal)
    return await _schedule(session, ws, actor, deal, due_at=due_at, text=text, now=now, caller_tz=caller_tz,
                           source=source)


async def _schedule(session: AsyncSession, ws: Workspace, actor: Actor, deal: Deal, *, due_at: datetime,
                    text: str, now: datetime, caller_tz: str, source: str) -> FollowUp:
    if due_at <= now:
        raise Refused(t("That time is in the past ({when}).", when=Moment(due_at, ZoneInfo(caller_tz).key)))
    if not text.strip():
        raise Refused(t("Say what the follow-up is."), "/deal followup <when> <what>")
    owner_tz = await user_tz(session, deal.owner_id) or caller_tz
    followup = FollowUp(
        deal_id=deal.id, owner_id=deal.owner_id, due_at=due_at, text=text.strip(), tz=owner_tz,
        early_reminder_at=due_at - EARLY_REMINDER if due_at - now > EARLY_REMINDER else None,
        created_by=actor.user_id, created_at=now, source=source,
    )
    session.add(followup)
    deal.updated_at = now
    log(session, deal, actor.user_id, "followup",
        t("scheduled a follow-up for {when}: {text}", when=Moment(due_at, ZoneInfo(owner_tz).key), text=followup.text),
        now, locale=ws.locale, data={"due_at": due_at.isoformat()})
    await effects.refresh_card(session, deal, now=now)
    return followup


async def add_note(session: AsyncSession, ws: Workspace, actor: Actor, deal: Deal, *, text: str, via: str | None,
                   next_at: datetime | None, now: datetime, caller_tz: str) -> FollowUp | None:
    await require_edit(session, actor, deal)
    if not text.strip():
        raise Refused(t("A note needs some text."),
                      "/deal note <text> [via:call|email|meeting|demo|chat] [next:<when>]")
    if via is not None and via not in VIA:
        raise Refused(t("via: is one of {choices}.", choices=", ".join(VIA)))
    deal.updated_at = now
    nudges.contacted(deal, now=now)
    entry = t("logged a {via}: {text}", via=Text(_VIA_WORDS[via]), text=text.strip()) if via else \
        t("noted: {text}", text=text.strip())
    log(session, deal, actor.user_id, "note", entry, now, locale=ws.locale, data={"via": via})
    if next_at is None:
        await effects.refresh_card(session, deal, now=now)
        return None
    follow = t("follow up on: {text}", text=text.strip()).render(ws.locale)[:500]
    return await _schedule(session, ws, actor, deal, due_at=next_at, text=follow,
                           now=now, caller_tz=caller_tz, source="note")


async def score_deal(session: AsyncSession, ws: Workspace, actor: Actor, deal: Deal, *, budget: Decimal,
                     authority: bool, need: bool, timing_days: int, now: datetime) -> BantScore:
    await require_edit(session, actor, deal)
    score = score_bant(budget=budget, authority=authority, need=need, timing_days=timing_days,
                       budget_threshold=ws.pipeline.budget_threshold)
    deal.score = score.total
    deal.score_band = score.band
    deal.scored_at = now
    nudges.start_sla(deal, score, now=now)
    deal.bant = {"budget": str(budget), "authority": authority, "need": need, "timing_days": timing_days,
                 "parts": score.parts, "sla_hours": score.sla_hours}
    deal.updated_at = now
    yes_no = {True: t("yes"), False: t("no")}
    log(session, deal, actor.user_id, "score", t(
        "scored {total} ({band}): budget {budget}, authority {authority}, need {need}, timing {days} days",
        total=score.total, band=Text(_BANDS.get(score.band, score.band)), budget=Money(budget),
        authority=yes_no[authority], need=yes_no[need], days=timing_days), now, locale=ws.locale, data=deal.bant)
    await effects.refresh_card(session, deal, now=now)
    return score
