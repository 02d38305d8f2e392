"""The pipeline's model: ordered stages, their approval rules, lead assignment rules (SPEC 4).

Pure domain code: no Slack, no database I/O. A :class:`Pipeline` checks its own structure when made
(:class:`PipelineError`); models/pipeline/loader.py reads one from a TOML file or a built-in template.
``Pipeline.resolve`` turns what a user typed after ``/deal stage`` into a stage (SPEC 2).
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from models.infra.errors import InputError
from models.infra.i18n import Text, t
from models.infra.words import StageName
from models.pipeline.conditions import Condition, parse_condition
from models.pipeline.territories import Territory

MIN_STAGES = 2
MAX_STAGES = 20

#: Fields a stage may require that every deal has a slot for; any other identifier
#: in ``requires`` is a custom field key (``/deal set discount:20``).
BUILTIN_REQUIREMENTS: tuple[str, ...] = ("amount", "close", "score", "customer", "source")
#: Roles a stage may bring into the deal channel on entry.
INVITE_ROLES: tuple[str, ...] = ("presales", "legal", "finance", "cs", "manager")
#: Who may decide an approval (SPEC 12): the owner's manager, an admin, or a functional role.
APPROVER_ROLES: tuple[str, ...] = ("manager", "admin", "presales", "legal", "finance", "cs")
#: What an ``[[assign]]`` rule may match on: the deal's source, and the custom fields region and product.
ASSIGN_CRITERIA: tuple[str, ...] = ("source", "region", "product")
#: The right form of a stage move, shown when what was typed names no stage.
STAGE_USAGE = "/deal stage <stage>"


# --------------------------------------------------------------------------- errors


class PipelineError(Exception):
    """A pipeline file that cannot be used. ``str()`` is one line:

    ``<file>: stage "<key>": <problem>`` or ``<file>: <problem>`` for file-level problems.
    """

    def __init__(self, source: str, problem: str, stage: str | None = None) -> None:
        self.source = source
        self.stage = stage
        self.problem = _one_line(problem)
        where = f"{source}: " if source else ""
        if stage is not None:
            where += f"{stage}: "
        super().__init__(f"{where}{self.problem}")


class StageLookupError(InputError):
    """What the user typed does not name exactly one stage. ``message`` is a friendly one-liner (a
    :class:`~models.infra.i18n.Text`, rendered in the workspace's language); ``str()`` is the English one."""

    def __init__(self, text: str, message: Text) -> None:
        self.text = text
        super().__init__(message, STAGE_USAGE)


class UnknownStage(StageLookupError):
    """No stage matches. ``candidates`` are close spellings (maybe empty), best first."""

    def __init__(self, text: str, candidates: Iterable[Stage] = (), *, stage_count: int | None = None) -> None:
        self.candidates: tuple[Stage, ...] = tuple(candidates)
        shown = _clip(text) or t("(nothing)")
        keys = [s.key for s in self.candidates]
        if stage_count is not None:
            message = t("No stage {text}: stages are numbered 1–{count} (see /deal help stage)",
                        text=shown, count=stage_count)
        elif len(keys) == 1:
            message = t('No stage "{text}" — did you mean "{a}"? See /deal help stage', text=shown, a=keys[0])
        elif len(keys) == 2:
            message = t('No stage "{text}" — did you mean "{a}" or "{b}"? See /deal help stage',
                        text=shown, a=keys[0], b=keys[1])
        elif keys:
            message = t('No stage "{text}" — did you mean "{a}" or "{b}" or "{c}"? See /deal help stage',
                        text=shown, a=keys[0], b=keys[1], c=keys[2])
        else:
            message = t('No stage "{text}": give a stage number, key or name (see /deal help stage)', text=shown)
        super().__init__(text, message)


class AmbiguousStage(StageLookupError):
    """Several stages match (a prefix that is not unique). ``matches`` in pipeline order."""

    def __init__(self, text: str, matches: Iterable[Stage]) -> None:
        self.matches: tuple[Stage, ...] = tuple(matches)
        names = ", ".join(s.key for s in self.matches)
        super().__init__(text, t('"{text}" could be any of {names}: type more of the name',
                                 text=_clip(text), names=names))


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class ApprovalRule:
    """One ``[[stages.approvals]]`` entry. ``when`` is kept as text; its grammar is SPEC 12."""

    when: str
    approvers: tuple[str, ...]
    expire_after_hours: int = 48
    remind_before_hours: int = 4
    # ``when`` read by models.conditions; filled in when the rule is made
    condition: Condition | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.condition is None:
            object.__setattr__(self, "condition", parse_condition(self.when))


@dataclass(frozen=True)
class AssignRule:
    """One ``[[assign]]`` entry: new deals matching every criterion it names go to ``to`` (round-robin
    when it lists several people). Criteria are casefolded; a rule naming none matches every deal."""

    to: tuple[str, ...]
    source: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    product: tuple[str, ...] = ()
    number: int = 0  # 1-based position in the file

    def matches(self, fields: Mapping[str, str | None]) -> bool:
        for name in ASSIGN_CRITERIA:
            wanted = getattr(self, name)
            if wanted and (fields.get(name) or "").strip().casefold() not in wanted:
                return False
        return True

    @property
    def key(self) -> str:
        """Names the rule's round-robin counter; an edited rule starts a new round."""
        digest = hashlib.sha1(repr((self.to, self.source, self.region, self.product)).encode()).hexdigest()
        return f"assign-{self.number}-{digest[:16]}"

    def describe(self) -> Text:
        parts = [f"{name} {'/'.join(getattr(self, name))}" for name in ASSIGN_CRITERIA if getattr(self, name)]
        if parts:
            return t("rule #{number} ({criteria})", number=self.number, criteria=", ".join(parts))
        return t("rule #{number}", number=self.number)


@dataclass(frozen=True)
class Stage:
    key: str
    name: str
    name_zh: str | None = None
    probability: int = 0
    requires: tuple[str, ...] = ()
    invite_roles: tuple[str, ...] = ()
    stale_after_days: int | None = None
    closed: str | None = None  # "won" | "lost" | None
    approvals: tuple[ApprovalRule, ...] = ()
    number: int = 0  # 1-based position; set by Pipeline

    @property
    def is_closed(self) -> bool:
        return self.closed is not None

    @property
    def is_open(self) -> bool:
        return self.closed is None

    def display_name(self, locale: str) -> str:
        """``name_zh`` for a Chinese locale when the stage has one, else ``name``."""
        if self.name_zh and _is_chinese(locale):
            return self.name_zh
        return self.name

    @property
    def word(self) -> StageName:
        """The stage as a sentence mentions it: shown in the reader's language (models/infra/words.py)."""
        return StageName(self.key, self.name, self.name_zh)


@dataclass(frozen=True)
class Pipeline:
    stages: tuple[Stage, ...]
    archive_lost_after_days: int = 30
    pool_after_days: int = 30
    source: str = "<pipeline>"  # file path or template name, for messages
    budget_threshold: Decimal = Decimal(100000)
    assign: tuple[AssignRule, ...] = ()
    territories: tuple[Territory, ...] = ()
    _by_key: dict[str, int] = field(init=False, repr=False, compare=False, hash=False, default_factory=dict)

    def __post_init__(self) -> None:
        stages = tuple(self.stages)
        _check_structure(stages, self.source)
        numbered = tuple(s if s.number == i else replace(s, number=i) for i, s in enumerate(stages, 1))
        object.__setattr__(self, "stages", numbered)
        object.__setattr__(self, "budget_threshold", Decimal(self.budget_threshold))
        object.__setattr__(self, "_by_key", {s.key.casefold(): i for i, s in enumerate(numbered)})

    # ------------------------------------------------------------ lookups

    def stage(self, key: str) -> Stage:
        """The stage with this key (case-insensitive). ``KeyError`` if there is none."""
        return self.stages[self.index(key)]

    def index(self, key: str) -> int:
        """0-based position of the stage with this key (``Stage.number`` is 1-based)."""
        try:
            return self._by_key[key.casefold()]
        except KeyError:
            raise KeyError(f"no stage {key!r} in {self.source}") from None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.casefold() in self._by_key

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.stages)

    @property
    def open_stages(self) -> tuple[Stage, ...]:
        return tuple(s for s in self.stages if s.closed is None)

    @property
    def closed_stages(self) -> tuple[Stage, ...]:
        return tuple(s for s in self.stages if s.closed is not None)

    @property
    def first_open_stage(self) -> Stage:
        return self.open_stages[0]

    @property
    def last_open_stage(self) -> Stage:
        return self.open_stages[-1]

    @property
    def won_stage(self) -> Stage | None:
        return next((s for s in self.stages if s.closed == "won"), None)

    @property
    def lost_stage(self) -> Stage | None:
        return next((s for s in self.stages if s.closed == "lost"), None)

    def next_open_stage(self, key: str) -> Stage | None:
        """The first open stage after ``key`` in pipeline order, or None."""
        i = self.index(key)
        return next((s for s in self.stages[i + 1 :] if s.closed is None), None)

    def open_stages_between(self, from_key: str, to_key: str) -> tuple[Stage, ...]:
        """Open stages strictly between two stages, in pipeline order (either direction)."""
        a, b = sorted((self.index(from_key), self.index(to_key)))
        return tuple(s for s in self.stages[a + 1 : b] if s.closed is None)

    # ------------------------------------------------------------ resolve

    def resolve(self, text: str) -> Stage:
        """The stage a user means by ``text`` (SPEC 2).

        Accepted, case-insensitively, full-width forms read like ASCII: the stage number
        counted from 1, the key, ``name`` or ``name_zh``, or a unique prefix of any of
        them (``_``, ``-`` and spaces are interchangeable). An exact key beats an exact
        name, which beats a prefix. Raises :class:`UnknownStage` / :class:`AmbiguousStage`.
        """
        needle = _norm(text)
        if not needle:
            raise UnknownStage(text)
        if needle.isdigit():
            n = int(needle)
            if 1 <= n <= len(self.stages):
                return self.stages[n - 1]
            raise UnknownStage(text, stage_count=len(self.stages))

        tiers: list[list[Stage]] = [
            [s for s in self.stages if _norm(s.key) == needle],
            [s for s in self.stages if needle in {_norm(s.name), _norm(s.name_zh or "")}],
            [s for s in self.stages if any(label.startswith(needle) for label in _labels(s))],
        ]
        for matches in tiers:
            if len(matches) == 1:
                return matches[0]
            if matches:
                raise AmbiguousStage(text, matches)
        raise UnknownStage(text, self._close_matches(needle))

    def _close_matches(self, needle: str) -> tuple[Stage, ...]:
        by_label: dict[str, Stage] = {}
        for s in self.stages:
            for label in _labels(s):
                by_label.setdefault(label, s)
        found: list[Stage] = []
        for label in difflib.get_close_matches(needle, list(by_label), n=3, cutoff=0.6):
            if by_label[label] not in found:
                found.append(by_label[label])
        return tuple(found)

def _check_structure(stages: tuple[Stage, ...], source: str) -> None:
    """Whole-pipeline rules, also enforced for pipelines built in code."""
    if len(stages) < MIN_STAGES:
        raise PipelineError(source, f"a pipeline needs at least {MIN_STAGES} stages (has {len(stages)})")
    if len(stages) > MAX_STAGES:
        raise PipelineError(source, f"a pipeline has at most {MAX_STAGES} stages (has {len(stages)})")
    seen: dict[str, int] = {}
    for i, s in enumerate(stages, 1):
        folded = s.key.casefold()
        if folded in seen:
            raise PipelineError(source, f"duplicate key (stage #{seen[folded]} has it too)", f'stage "{s.key}"')
        seen[folded] = i
    if not any(s.closed == "won" for s in stages) and not any(s.closed == "lost" for s in stages):
        raise PipelineError(source, 'no won and no lost stage: add a stage with closed = "won" or "lost"')
    if not any(s.closed is None for s in stages):
        raise PipelineError(source, "no open stage: every stage is closed")



# --------------------------------------------------------------------------- helpers


def _clip(text: str) -> str:
    """User text fit for a one-line message."""
    shown = _one_line(text)
    return shown if len(shown) <= 40 else shown[:39] + "…"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _is_chinese(locale: str) -> bool:
    return (locale or "").lower().replace("_", "-").startswith("zh")


def _norm(text: str | None) -> str:
    """Casefolded, NFKC (full-width → ASCII), quotes stripped, ``_``/``-``/spaces unified."""
    t = unicodedata.normalize("NFKC", text or "").casefold().strip()
    t = t.strip("\"'“”‘’「」")
    t = re.sub(r"[\s_\-]+", " ", t)
    return t.strip()


def _labels(stage: Stage) -> tuple[str, ...]:
    return tuple(x for x in (_norm(stage.key), _norm(stage.name), _norm(stage.name_zh)) if x)
