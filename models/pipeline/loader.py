"""Reading a pipeline from a TOML file or a built-in template (SPEC 4).

``load_pipeline`` validates the whole file and raises :class:`PipelineError` with ONE line naming the
file, the stage and what is wrong, so ``dealroom run`` can print it and exit non-zero without a traceback.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from models.infra.limits import SLACK_ID, STAGE_KEY
from models.pipeline.conditions import ConditionError, parse_condition
from models.pipeline.stages import (
    APPROVER_ROLES,
    ASSIGN_CRITERIA,
    INVITE_ROLES,
    ApprovalRule,
    AssignRule,
    Pipeline,
    PipelineError,
    Stage,
)
from models.pipeline.territories import Territory, parse_territory

__all__ = ["DEFAULT_TEMPLATE", "TEMPLATES", "load_pipeline", "loads_pipeline"]

TEMPLATES: tuple[str, ...] = ("standard", "b2b8", "project")
DEFAULT_TEMPLATE = "standard"

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

_STAGE_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_FIELD_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


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
        error: PipelineError = fail(f"approvals #{position}: {problem}")
        return error

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
    return int(value)


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
