"""What was done and what comes next: `/deal note`, `followup`, `score` (SPEC 4, 5)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks.text import mtr, say, tr, user
from bot.runtime.deps import Deps
from handlers.commands.common import WRITERS, deal_for
from handlers.commands.spec import Reply, Subcommand
from handlers.context import Request
from handlers.grammar import REF, DealRef, Free, Parsed, Parser, clip, message_of, plain_text
from handlers.replies import sentences, words
from models.followups import activity
from models.infra.i18n import pt, t
from models.values import InputError, format_when, split_when

VIA = ("call", "email", "meeting", "demo", "chat")


@dataclass(frozen=True)
class Note:
    ref: DealRef | None
    text: str
    via: str | None = None
    next_at: datetime | None = None


@dataclass(frozen=True)
class FollowUp:
    ref: DealRef | None
    due_at: datetime
    text: str


@dataclass(frozen=True)
class Score:
    ref: DealRef | None
    budget: Decimal
    authority: bool
    need: bool
    timing_days: int


# --- grammar ---------------------------------------------------------------------------------------


def _parse_note(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> Note:
    o = parsed.options
    text = p.text(free)
    if not text:
        raise p.error(t("Say what happened, e.g. /deal note called the CFO."))
    via = None
    if "via" in o:
        via = plain_text(o["via"][0]).strip().lower()
        if via not in VIA:
            raise p.error(t('via: must be one of {choices}, not "{value}".', choices=", ".join(VIA),
                            value=clip(o["via"][0])))
    next_at = p.when(o["next"][0], future_only=True) if "next" in o else None
    return Note(ref, text, via, next_at)


def _parse_followup(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> FollowUp:
    said = [w for token in free for w in [plain_text(token.value)] if w.strip()]
    if not said:
        raise p.error(t("Say when and what, e.g. /deal followup tomorrow 10:00 send the contract."))
    try:
        due, rest = split_when(said, now=p.now, tz=p.tz, locale=p.locale)
    except InputError as e:
        raise p.error(message_of(e)) from e
    return FollowUp(ref, due, " ".join(rest).strip())


_TIMING = re.compile(r"(\d{1,5})\s*(d|day|days|天|w|wk|week|weeks|周)?")


def _parse_score(p: Parser, parsed: Parsed, ref: DealRef | None, free: Free) -> Score:
    p.no_text(free)
    o = parsed.options
    missing = [k for k in ("budget", "authority", "need", "timing") if k not in o]
    if missing:
        raise p.error(t("A score needs all four of budget, authority, need and timing; missing: {missing}.",
                        missing=", ".join(missing)))
    timing_text = plain_text(o["timing"][0]).strip().lower()
    m = _TIMING.fullmatch(timing_text)
    if m is None:
        raise p.error(t('timing: must be a number of days, e.g. 30 or 30d, not "{value}".',
                        value=clip(o["timing"][0])))
    days = int(m.group(1)) * (7 if (m.group(2) or "d")[0] in "w周" else 1)
    return Score(ref, budget=p.amount(o["budget"][0]), authority=p.yes_no("authority", o["authority"][0]),
                 need=p.yes_no("need", o["need"][0]), timing_days=days)


# --- use cases -------------------------------------------------------------------------------------


async def _note(deps: Deps, req: Request, cmd: Note, session: AsyncSession) -> Reply:
    actor, deal = await deal_for(deps, req, cmd.ref, session)
    followup = await activity.add_note(session, deps.ws, actor, deal, text=cmd.text, via=cmd.via,
                                       next_at=cmd.next_at, now=req.now, caller_tz=req.tz_name)
    return noted(deal.id, followup.due_at if followup is not None else None, req, deps.ws.locale)


def noted(number: int, next_due: datetime | None, req: Request, locale: str) -> str:
    """The reply to a note, typed or from the card's form."""
    said = [mtr("Noted on D-{n}.", locale, n=number)]
    if next_due is not None:
        said.append(mtr("Next follow-up: {when}.", locale, when=format_when(next_due, req.tz, locale)))
    return sentences(said, locale)


async def _followup(deps: Deps, req: Request, cmd: FollowUp, session: AsyncSession) -> Reply:
    actor, deal = await deal_for(deps, req, cmd.ref, session)
    followup = await activity.add_followup(session, deps.ws, actor, deal, due_at=cmd.due_at, text=cmd.text,
                                           now=req.now, caller_tz=req.tz_name)
    locale = deps.ws.locale
    when = format_when(followup.due_at, req.tz, locale)
    if deal.owner_id == req.user_id:
        return mtr("Follow-up for you on D-{n}: {when} — {text}", locale, n=deal.id, when=when, text=followup.text)
    return mtr("Follow-up for {owner} on D-{n}: {when} — {text}", locale, owner=user(deal.owner_id), n=deal.id,
               when=when, text=followup.text)


async def _score(deps: Deps, req: Request, cmd: Score, session: AsyncSession) -> Reply:
    actor, deal = await deal_for(deps, req, cmd.ref, session)
    score = await activity.score_deal(session, deps.ws, actor, deal, budget=cmd.budget, authority=cmd.authority,
                                      need=cmd.need, timing_days=cmd.timing_days, now=req.now)
    locale = deps.ws.locale
    band = say(_BANDS[score.band], locale) if score.band in _BANDS else score.band
    parts = words([tr("{name} +{points}", locale, name=_BANT.get(name, name), points=points)
                   for name, points in score.parts.items() if points], locale)
    said = [mtr("D-{n} scores *{total}* ({band}): {parts}.", locale, n=deal.id, total=score.total, band=band,
                parts=parts) if parts else
            mtr("D-{n} scores *{total}* ({band}).", locale, n=deal.id, total=score.total, band=band)]
    if score.sla_hours:
        said.append(mtr("Contact within {hours} hours.", locale, hours=score.sla_hours))
    else:
        said.append(mtr("Nurture: re-score in 90 days.", locale))
    return sentences(said, locale)


_BANDS = {"high": pt("score band", "high"), "medium": pt("score band", "medium"), "low": pt("score band", "low")}
_BANT = {"budget": pt("score part", "budget"), "authority": pt("score part", "authority"),
         "need": pt("score part", "need"), "timing": pt("score part", "timing")}


# --- declarations ----------------------------------------------------------------------------------

NOTE = Subcommand("note", Note, _parse_note, _note,
                  usage=f"/deal note {REF} <text> [via:{'|'.join(VIA)}] [next:<when>]",
                  example="/deal note D-42 called the CFO via:call next:tomorrow 10:00", permission=WRITERS,
                  options=frozenset({"via", "next"}), hint="note <text>")
FOLLOWUP = Subcommand("followup", FollowUp, _parse_followup, _followup, usage=f"/deal followup {REF} <when> <what>",
                      example="/deal followup tomorrow 10:00 send the contract", permission=WRITERS,
                      aliases=("follow-up", "follow_up"))
SCORE = Subcommand("score", Score, _parse_score, _score,
                   usage=f"/deal score {REF} budget:<amount> authority:<yes|no> need:<yes|no> timing:<days>",
                   example="/deal score budget:200k authority:yes need:yes timing:30", permission=WRITERS,
                   options=frozenset({"budget", "authority", "need", "timing"}))
