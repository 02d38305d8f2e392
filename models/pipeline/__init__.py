"""The pipeline: ordered stages read from a TOML file or a built-in template (SPEC 4).

Pure domain code: no Slack, no database I/O (a key's length limit is its column's, models.limits).
``load_pipeline`` validates the whole file and raises :class:`PipelineError` with ONE line naming the
file, the stage and what is wrong, so ``dealroom run`` can print it and exit non-zero without a traceback.

``Pipeline.resolve`` turns what a user typed after ``/deal stage`` into a stage (SPEC 2).
"""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from models.infra.i18n import Text, t
from models.infra.limits import SLACK_ID, STAGE_KEY
from models.pipeline.conditions import Condition, ConditionError, parse_condition
from models.pipeline.territories import Territory, parse_territory

__all__ = [
    "APPROVER_ROLES",
    "BUILTIN_REQUIREMENTS",
    "DEFAULT_TEMPLATE",
    "INVITE_ROLES",
    "MAX_STAGES",
    "MIN_STAGES",
    "TEMPLATES",
    "AmbiguousStage",
    "ApprovalRule",
    "AssignRule",
    "Pipeline",
    "PipelineError",
    "Stage",
    "StageLookupError",
    "UnknownStage",
    "describe_stages",
    "load_pipeline",
    "loads_pipeline",
]

TEMPLATES: tuple[str, ...] = ("standard", "b2b8", "project")
DEFAULT_TEMPLATE = "standard"

MIN_STAGES = 2
MAX_STAGES = 20

#: Fields a stage may require that every deal has a slot for; any other identifier
#: in ``requires`` is a custom field key (``/deal set discount:20``).
BUILTIN_REQUIREMENTS: tuple[str, ...] = ("amount", "close", "score", "customer", "source")
#: Roles a stage may bring into the deal channel on entry.
INVITE_ROLES: tuple[str, ...] = ("presales", "legal", "finance", "cs", "manager")
#: Who may decide an approval (SPEC 12): the owner's manager, an admin, or a functional role.
APPROVER_ROLES: tuple[str, ...] = ("manager", "admin", "presales", "legal", "finance", "cs")

_TOP_KEYS = ("stages", "archive_lost_after_days", "pool_after_days", "budget_threshold", "assign", "territories")
_STAGE_KEYS = (
    "key",
    "name",
    "name_zh",
    "probability",
    "requires",
    "invite_roles",
    "stale_after_days",
    "closed",
    "approvals",
)
_APPROVAL_KEYS = ("when", "approvers", "expire_after_hours", "remind_before_hours")
_CLOSED_VALUES = ("won", "lost")

_USER_ID_RE = re.compile(rf"^[UW][A-Z0-9]{{2,{SLACK_ID - 1}}}$")
#: What an ``[[assign]]`` rule may match on: the deal's source, and the custom fields region and product.
ASSIGN_CRITERIA: tuple[str, ...] = ("source", "region", "product")

_STAGE_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_FIELD_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


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


class StageLookupError(ValueError):
    """What the user typed does not name exactly one stage. ``message`` is a friendly one-liner (a
    :class:`~models.i18n.Text`, rendered in the workspace's language); ``str()`` is the English one."""

    def __init__(self, text: str, message: Text) -> None:
        self.text = text
        self.message = message
        super().__init__(str(message))


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


def describe_stages(pipeline: Pipeline, locale: str = "en") -> str:
    """One line per stage, for replies and help: ``1. lead — Lead (线索)``; in Chinese ``1. `lead` — 线索``
    (the key is what a Chinese user types, as command syntax; the name is the localized one, SPEC 2)."""
    lines = []
    for s in pipeline.stages:
        if _is_chinese(locale):
            lines.append(f"{s.number}. `{s.key}` — {s.name_zh or s.name}")
            continue
        label = f"{s.name} ({s.name_zh})" if s.name_zh and s.name_zh != s.name else s.name
        lines.append(f"{s.number}. {s.key} — {label}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- loading


def load_pipeline(spec: str) -> Pipeline:
    """A built-in template by name (``standard``, ``b2b8``, ``project``; case-insensitive)
    or a ``.toml`` file by path. An empty spec means the default template."""
    spec = (spec or "").strip() or DEFAULT_TEMPLATE
    if spec.lower() in TEMPLATES:
        name = spec.lower()
        text = resources.files("models.pipeline").joinpath("templates", f"{name}.toml").read_text("utf-8")
        return loads_pipeline(text, source=name)

    path = Path(spec).expanduser()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        known = ", ".join(TEMPLATES)
        raise PipelineError(spec, f"no such file, and not a built-in template ({known})") from None
    except IsADirectoryError:
        raise PipelineError(spec, "is a directory, not a pipeline file") from None
    except OSError as exc:
        raise PipelineError(spec, f"cannot read the file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PipelineError(spec, f"not UTF-8 text (byte {exc.start})") from None
    return loads_pipeline(text, source=spec)


def loads_pipeline(text: str, source: str = "<string>") -> Pipeline:
    """Parse and validate pipeline TOML text; ``source`` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PipelineError(source, f"not valid TOML: {exc}") from None
    return _parse(data, source)


def _parse(data: Mapping[str, Any], source: str) -> Pipeline:
    _reject_unknown(data, _TOP_KEYS, source, None, "top-level key")
    if "stages" not in data:
        raise PipelineError(source, "no stages: add [[stages]] tables, each with key, name and probability")
    raw_stages = data["stages"]
    if not isinstance(raw_stages, list) or not all(isinstance(s, dict) for s in raw_stages):
        raise PipelineError(source, '"stages" must be a list of [[stages]] tables')

    stages = tuple(_parse_stage(raw, i, source) for i, raw in enumerate(raw_stages, 1))
    kwargs: dict[str, Any] = {}
    for key in ("archive_lost_after_days", "pool_after_days"):
        if key in data:
            kwargs[key] = _positive_int(data[key], key, source, None)
    if "budget_threshold" in data:
        kwargs["budget_threshold"] = _threshold(data["budget_threshold"], source)
    if "assign" in data:
        raw_rules = data["assign"]
        if not isinstance(raw_rules, list) or not all(isinstance(r, dict) for r in raw_rules):
            raise PipelineError(source, '"assign" must be a list of [[assign]] tables')
        kwargs["assign"] = tuple(_parse_assign(r, i, source) for i, r in enumerate(raw_rules, 1))
    if "territories" in data:
        kwargs["territories"] = _parse_territories(data["territories"], source)
    return Pipeline(stages=stages, source=source, **kwargs)


def _parse_territories(raw: Any, source: str) -> tuple[Territory, ...]:
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise PipelineError(source, '"territories" must be a list of [[territories]] tables')

    def fail(where: str, problem: str) -> PipelineError:
        return PipelineError(source, problem, where)

    found: list[Territory] = []
    for i, table in enumerate(raw, 1):
        territory = parse_territory(table, i, fail)
        if any(t.key.casefold() == territory.key.casefold() for t in found):
            raise fail(f'territory "{territory.key}"', "duplicate key")
        found.append(territory)
    return tuple(found)


def _parse_assign(raw: Mapping[str, Any], position: int, source: str) -> AssignRule:
    def fail(problem: str) -> PipelineError:
        return PipelineError(source, problem, f"assign #{position}")

    _reject_unknown(raw, ("to", *ASSIGN_CRITERIA), source, f"assign #{position}", "key")
    if "to" not in raw:
        raise fail('missing "to": a Slack user ID or a list of them, e.g. to = ["U012ABC", "U034DEF"]')
    to = raw["to"]
    people = _names([to] if isinstance(to, str) else to, "to", fail)
    if not people:
        raise fail('"to" must name at least one person')
    for person in people:
        if not isinstance(person, str) or not _USER_ID_RE.match(person.strip()):
            raise fail(f"to: {_show(person)} is not a Slack user ID (like U012ABC; find it in the person's profile)")
    criteria: dict[str, tuple[str, ...]] = {}
    for name in ASSIGN_CRITERIA:
        if name in raw:
            value = raw[name]
            values = [value] if isinstance(value, str) else value
            criteria[name] = tuple(v.strip().casefold() for v in _names(values, name, fail))
    return AssignRule(to=tuple(p.strip() for p in people), number=position, **criteria)


def _parse_stage(raw: Mapping[str, Any], position: int, source: str) -> Stage:
    key = raw.get("key")
    label = f"stage {_show(key)}" if isinstance(key, str) and key.strip() else f"stage #{position}"

    def fail(problem: str) -> PipelineError:
        return PipelineError(source, problem, label)

    _reject_unknown(raw, _STAGE_KEYS, source, label, "key")
    for required in ("key", "name", "probability"):
        if required not in raw:
            raise fail(f'missing "{required}"')

    if not isinstance(key, str) or not _STAGE_KEY_RE.match(key):
        raise fail(f"key must be a word of letters, digits, - or _ (got {_show(key)})")
    if key.isdigit():
        raise fail("key must not be a number (numbers pick stages by position)")
    if len(key) > STAGE_KEY:
        raise fail(f"key must be at most {STAGE_KEY} characters (has {len(key)})")

    name = _text(raw["name"], "name", fail)
    name_zh = _text(raw["name_zh"], "name_zh", fail) if "name_zh" in raw else None

    probability = raw["probability"]
    if not _is_int(probability) or not 0 <= probability <= 100:
        raise fail(f"probability must be a whole number from 0 to 100 (got {_show(probability)})")

    closed = raw.get("closed")
    if closed is not None and closed not in _CLOSED_VALUES:
        raise fail(f'closed must be "won" or "lost" (got {_show(closed)})')

    requires = _names(raw.get("requires", []), "requires", fail)
    for req in requires:
        if not _FIELD_NAME_RE.match(req):
            raise fail(f"requires: {_show(req)} is not a field name")
    requires = tuple(f.lower() for f in requires)

    invite_roles = tuple(r.lower() for r in _names(raw.get("invite_roles", []), "invite_roles", fail))
    for role in invite_roles:
        if role not in INVITE_ROLES:
            raise fail(f"invite_roles: unknown role {_show(role)} (one of: {', '.join(INVITE_ROLES)})")

    stale = raw.get("stale_after_days")
    if stale is not None and (not _is_int(stale) or stale < 1):
        raise fail(f"stale_after_days must be a whole number of days, at least 1 (got {_show(stale)})")

    raw_rules = raw.get("approvals", [])
    if not isinstance(raw_rules, list) or not all(isinstance(r, dict) for r in raw_rules):
        raise fail("approvals must be [[stages.approvals]] tables")
    approvals = tuple(_parse_rule(r, i, fail) for i, r in enumerate(raw_rules, 1))

    if closed is not None:
        if requires:
            raise fail("requires does not apply to a closed stage (/deal won and /deal lost skip requirements)")
        if stale is not None:
            raise fail("stale_after_days does not apply to a closed stage")
        if approvals:
            raise fail("approvals do not apply to a closed stage (won/lost are never held for approval)")

    return Stage(
        key=key,
        name=name,
        name_zh=name_zh,
        probability=probability,
        requires=requires,
        invite_roles=invite_roles,
        stale_after_days=stale,
        closed=closed,
        approvals=approvals,
        number=position,
    )


def _parse_rule(raw: Mapping[str, Any], position: int, fail: Any) -> ApprovalRule:
    def rule_fail(problem: str) -> PipelineError:
        return fail(f"approvals #{position}: {problem}")

    unknown = [k for k in raw if k not in _APPROVAL_KEYS]
    if unknown:
        raise rule_fail(_unknown_message(unknown[0], _APPROVAL_KEYS, "key"))
    for required in ("when", "approvers"):
        if required not in raw:
            raise rule_fail(f'missing "{required}"')
    when = raw["when"]
    if not isinstance(when, str) or not when.strip():
        raise rule_fail('"when" must be a non-empty condition, e.g. "discount > 15"')
    try:
        condition = parse_condition(when)
    except ConditionError as exc:
        raise rule_fail(f'bad condition "{_clip(when)}": {exc}') from None
    approvers = _names(raw["approvers"], "approvers", rule_fail)
    if not approvers:
        raise rule_fail('"approvers" must name at least one role, e.g. ["manager"]')
    approvers = tuple(a.lower() for a in approvers)
    for role in approvers:
        if role not in APPROVER_ROLES:
            raise rule_fail(f"unknown approver {_show(role)} (one of: {', '.join(APPROVER_ROLES)})")
    expire = raw.get("expire_after_hours", 48)
    if not _is_int(expire) or expire < 1:
        raise rule_fail(f"expire_after_hours must be a whole number of hours, at least 1 (got {_show(expire)})")
    remind = raw.get("remind_before_hours", 4)
    if not _is_int(remind) or remind < 0:
        raise rule_fail(f"remind_before_hours must be a whole number of hours, 0 or more (got {_show(remind)})")
    if remind >= expire:
        raise rule_fail(f"remind_before_hours ({remind}) must be less than expire_after_hours ({expire})")
    return ApprovalRule(when=when.strip(), approvers=approvers, expire_after_hours=expire, remind_before_hours=remind,
                        condition=condition)


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


def _reject_unknown(
    raw: Mapping[str, Any], allowed: tuple[str, ...], source: str, stage: str | None, what: str
) -> None:
    for k in raw:
        if k not in allowed:
            raise PipelineError(source, _unknown_message(k, allowed, what), stage)


def _unknown_message(key: str, allowed: tuple[str, ...], what: str) -> str:
    guess = difflib.get_close_matches(key, allowed, n=1)
    hint = f'did you mean "{guess[0]}"?' if guess else f"expected one of: {', '.join(allowed)}"
    return f'unknown {what} "{key}" ({hint})'


def _text(value: Any, key: str, fail: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{key} must be non-empty text (got {_show(value)})")
    return value.strip()


def _names(value: Any, key: str, fail: Any) -> tuple[str, ...]:
    """A list of non-empty strings, de-duplicated in order."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise fail(f'{key} must be a list of names, e.g. {key} = ["…"] (got {_show(value)})')
    out: list[str] = []
    for v in value:
        v = v.strip()
        if v.lower() not in (o.lower() for o in out):
            out.append(v)
    return tuple(out)


def _positive_int(value: Any, key: str, source: str, stage: str | None) -> int:
    if not _is_int(value) or value < 1:
        raise PipelineError(source, f"{key} must be a whole number, at least 1 (got {_show(value)})", stage)
    return value


def _threshold(value: Any, source: str) -> Decimal:
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise InvalidOperation
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount <= 0:
        raise PipelineError(source, f"budget_threshold must be a positive number (got {_show(value)})")
    return amount


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _show(value: Any) -> str:
    shown = f'"{value}"' if isinstance(value, str) else repr(value)
    shown = _one_line(shown)
    return shown if len(shown) <= 60 else shown[:57] + "..."


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
