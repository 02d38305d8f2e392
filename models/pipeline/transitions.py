"""Stage moves (SPEC 2 and 4), decided without touching Slack or the database.

A handler gathers :class:`DealFacts` about a deal, asks ``plan_move`` / ``plan_next`` /
``plan_close``, and gets either a :class:`Move` to carry out or a :class:`Refusal` to show.

Rules
-----
* Moving to the stage the deal is in is refused ("already in X").
* Forward (to a later open stage): the target's ``requires`` and those of every open stage
  skipped on the way must be met; a refusal names every missing field and how to set it.
* Backward: always allowed, marked ``backward=True`` so it is recorded as such.
* To a closed stage (``/deal stage won``) = ``plan_close``: requirements do not apply; a
  lost reason is the caller's business. A deal that is already closed must be reopened first.
* Reopen (closed → open stage): judged as a move from ``last_open_stage_key`` (the stage the
  deal was in when it closed; the first open stage when unknown). Going back to or behind
  that stage needs nothing; going past it needs the requirements of the target and of the
  stages skipped after it, so closing and reopening never bypasses exit criteria.
  ``backward`` is True when the target is before that stage; ``reopen`` is always True.
* ``invite_roles`` are the roles of every stage entered: the target plus, on a forward move,
  the skipped stages (in pipeline order, de-duplicated). Closing as won also brings ``cs``
  (SPEC 7: the customer-success handoff).
* ``Move.entered`` is what approval rules (SPEC 12) look at: skipped stages and the target.

Refusal reasons are one friendly sentence, in English or Chinese (``locale="zh-CN"``);
``Refusal.code`` and ``Refusal.missing`` let a caller word its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from models.infra.i18n import N_, Text, normalize_locale, pt, render, t, translate
from models.infra.tables import Deal
from models.pipeline.stages import BUILTIN_REQUIREMENTS, Pipeline, Stage

__all__ = [
    "DealFacts",
    "Move",
    "Refusal",
    "facts_of",
    "plan_close",
    "plan_move",
    "plan_next",
]

# Refusal codes
SAME_STAGE = "same_stage"
REQUIREMENTS = "requirements"
NO_NEXT = "no_next"
CLOSED = "closed"
ALREADY_CLOSED = "already_closed"
NO_OUTCOME = "no_outcome"


@dataclass(frozen=True)
class DealFacts:
    """What a move needs to know about a deal."""

    stage_key: str
    amount_set: bool = False
    close_set: bool = False
    score_set: bool = False
    customer_set: bool = False
    source_set: bool = False
    custom_keys: frozenset[str] = frozenset()
    last_open_stage_key: str | None = None  # the open stage the deal was in when it closed

    def has(self, field: str) -> bool:
        """Is the field a requirement names set? Built-in names map to the flags; any
        other name is a custom field key (case-insensitive)."""
        name = field.lower()
        if name in BUILTIN_REQUIREMENTS:
            return bool(getattr(self, f"{name}_set"))
        return name in {k.lower() for k in self.custom_keys}


def facts_of(deal: Deal) -> DealFacts:
    """The facts of a deal row that its moves are planned on."""
    return DealFacts(
        stage_key=deal.stage_key, amount_set=deal.amount is not None, close_set=deal.close_at is not None,
        score_set=deal.score is not None, customer_set=bool(deal.customer), source_set=bool(deal.source),
        custom_keys=frozenset((deal.custom_fields or {}).keys()), last_open_stage_key=deal.last_open_stage_key,
    )


@dataclass(frozen=True)
class Move:
    from_stage: Stage
    to_stage: Stage
    backward: bool
    reopen: bool
    invite_roles: tuple[str, ...]
    skipped: tuple[Stage, ...] = ()  # open stages passed over on a forward move, in order

    @property
    def closes(self) -> str | None:
        """ "won" / "lost" when the move closes the deal, else None."""
        return self.to_stage.closed

    @property
    def entered(self) -> tuple[Stage, ...]:
        """Every stage the deal enters: skipped ones, then the target (SPEC 12)."""
        return (*self.skipped, self.to_stage)


@dataclass(frozen=True)
class Refusal:
    reason: str  # one friendly sentence: what is missing and how to set it
    missing: tuple[str, ...] = ()  # requirement names not met, in pipeline order
    code: str = REQUIREMENTS  # same_stage | requirements | no_next | closed | already_closed | no_outcome


# --------------------------------------------------------------------------- planning


def plan_move(facts: DealFacts, target: Stage, pipeline: Pipeline, *, locale: str = "en") -> Move | Refusal:
    """Move the deal to ``target`` (``/deal stage``)."""
    current = pipeline.stage(facts.stage_key)
    target = _own(pipeline, target)
    t = _Texts(locale)
    if target.key == current.key:
        return Refusal(t.already_in(target), code=SAME_STAGE)
    if target.closed is not None:
        return _close(facts, current, target, pipeline, t)

    reopen = current.closed is not None
    origin = _reopen_origin(facts, pipeline) if reopen else current
    origin_index = pipeline.index(origin.key)
    target_index = pipeline.index(target.key)

    if target_index <= origin_index:
        return Move(
            from_stage=current,
            to_stage=target,
            backward=target_index < origin_index,
            reopen=reopen,
            invite_roles=target.invite_roles,
        )

    skipped = pipeline.open_stages_between(origin.key, target.key)
    missing: dict[str, list[Stage]] = {}
    for stage in (*skipped, target):
        for field in stage.requires:
            if not facts.has(field):
                missing.setdefault(field, []).append(stage)
    if missing:
        return Refusal(t.needs(target, missing), missing=tuple(missing), code=REQUIREMENTS)
    return Move(
        from_stage=current,
        to_stage=target,
        backward=False,
        reopen=reopen,
        invite_roles=_roles((*skipped, target)),
        skipped=skipped,
    )


def plan_next(facts: DealFacts, pipeline: Pipeline, *, locale: str = "en") -> Move | Refusal:
    """Move to the next open stage (``/deal next``)."""
    current = pipeline.stage(facts.stage_key)
    t = _Texts(locale)
    if current.closed is not None:
        return Refusal(t.closed_no_next(current, _reopen_origin(facts, pipeline)), code=CLOSED)
    nxt = pipeline.next_open_stage(current.key)
    if nxt is None:
        return Refusal(t.last_open(current), code=NO_NEXT)
    return plan_move(facts, nxt, pipeline, locale=locale)


def plan_close(
    facts: DealFacts, outcome: Literal["won", "lost"], pipeline: Pipeline, *, locale: str = "en"
) -> Move | Refusal:
    """Close the deal as won or lost (``/deal won``, ``/deal lost``): from any open stage,
    requirements do not apply. A lost reason is checked by the caller."""
    if outcome not in ("won", "lost"):
        raise ValueError(f'outcome must be "won" or "lost", not {outcome!r}')
    current = pipeline.stage(facts.stage_key)
    t = _Texts(locale)
    target = pipeline.won_stage if outcome == "won" else pipeline.lost_stage
    if target is None:
        return Refusal(t.no_outcome(outcome), code=NO_OUTCOME)
    return _close(facts, current, target, pipeline, t)


def _close(facts: DealFacts, current: Stage, target: Stage, pipeline: Pipeline, t: _Texts) -> Move | Refusal:
    if current.key == target.key:
        return Refusal(t.already_in(target), code=SAME_STAGE)
    if current.closed is not None:
        return Refusal(t.already_closed(current, _reopen_origin(facts, pipeline)), code=ALREADY_CLOSED)
    roles = target.invite_roles
    if target.closed == "won" and "cs" not in roles:
        roles = (*roles, "cs")
    return Move(from_stage=current, to_stage=target, backward=False, reopen=False, invite_roles=roles)


# --------------------------------------------------------------------------- helpers


def _own(pipeline: Pipeline, target: Stage) -> Stage:
    try:
        own = pipeline.stage(target.key)
    except KeyError:
        raise ValueError(f"stage {target.key!r} is not in pipeline {pipeline.source}") from None
    return own


def _reopen_origin(facts: DealFacts, pipeline: Pipeline) -> Stage:
    """The open stage a closed deal counts as coming from."""
    key = facts.last_open_stage_key
    if key and key in pipeline:
        stage = pipeline.stage(key)
        if stage.closed is None:
            return stage
    return pipeline.first_open_stage


def _roles(stages: tuple[Stage, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for stage in stages:
        for role in stage.invite_roles:
            if role not in out:
                out.append(role)
    return tuple(out)


# --------------------------------------------------------------------------- wording

_FIELDS = {
    "amount": N_("an amount"),
    "close": N_("a close date"),
    "score": N_("a lead score"),
    "customer": N_("a customer"),
    "source": N_("a source"),
}
_SET_EXAMPLES = {
    "amount": "amount:150k",
    "close": "close:2026-12-31",
    "customer": 'customer:"Acme Corp"',
    "source": "source:referral",
}
_SCORE_EXAMPLE = "/deal score budget:150k authority:yes need:yes timing:30"


class _Texts:
    """The refusals of a move, in the workspace's language (the catalogue of models/infra/i18n.py)."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.zh = normalize_locale(locale) == "zh-CN"

    def say(self, text: Text) -> str:
        return render(text, self.locale)

    def name(self, stage: Stage) -> str:
        return stage.display_name(self.locale)

    def field(self, field: str) -> str:
        if field in _FIELDS:
            return translate(_FIELDS[field], self.locale)
        return self.say(pt("a custom field's name, quoted", '"{field}"', field=field))

    def listing(self, items: list[str]) -> str:
        if self.zh:
            return "、".join(items)
        return _and(items)

    def how(self, fields: list[str]) -> str:
        sets = [_SET_EXAMPLES.get(f, f"{f}:…") for f in fields if f != "score"]
        parts = []
        if sets:
            parts.append("/deal set " + " ".join(sets))
        if "score" in fields:
            parts.append(_SCORE_EXAMPLE)
        return self.say(t("{first} and then {second}", first=parts[0], second=parts[1])) if len(parts) == 2 \
            else "".join(parts)

    def needs(self, target: Stage, missing: dict[str, list[Stage]]) -> str:
        fields = list(missing)
        how = self.how(fields)
        if all(target in stages for stages in missing.values()):
            items = [self.field(f) for f in fields]
            return self.say(t("{stage} needs {fields} first: {how}", stage=self.name(target),
                              fields=self.listing(items), how=how))
        items = []
        for f, stages in missing.items():
            label = self.field(f)
            if target not in stages:
                label = self.say(t("{field} (for {stages})", field=label,
                                   stages=self.listing([self.name(s) for s in stages])))
            items.append(label)
        return self.say(t("Moving to {stage} needs {fields} first: {how}", stage=self.name(target),
                          fields=self.listing(items), how=how))

    def already_in(self, stage: Stage) -> str:
        return self.say(t("This deal is already in {stage}.", stage=self.name(stage)))

    def last_open(self, stage: Stage) -> str:
        return self.say(t("{stage} is the last open stage: use /deal won or /deal lost <reason> to close the deal.",
                          stage=self.name(stage)))

    def closed_no_next(self, stage: Stage, origin: Stage) -> str:
        return self.say(t("This deal is closed ({stage}), so there is no next stage; to reopen it, use "
                          "/deal stage <stage>, e.g. /deal stage {key}", stage=self.name(stage), key=origin.key))

    def already_closed(self, stage: Stage, origin: Stage) -> str:
        return self.say(t("This deal is already closed ({stage}); reopen it first with /deal stage <stage>, "
                          "e.g. /deal stage {key}", stage=self.name(stage), key=origin.key))

    def no_outcome(self, outcome: str) -> str:
        if outcome == "won":
            return self.say(t("This pipeline has no won stage."))
        return self.say(t("This pipeline has no lost stage."))


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
