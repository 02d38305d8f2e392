"""Territories (issue 8): region, industry or product lines with their reps and a manager, read from the
pipeline file's ``[[territories]]``. `/deal new region:…` (or `industry:` / `product:`) without an owner,
and matching no ``[[assign]]`` rule, goes to the territory: round-robin among its reps, or to its manager
to hand on (``routing = "manager"``)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from models.infra.limits import SLACK_ID, TERRITORY_KEY

CRITERIA: tuple[str, ...] = ("region", "industry", "product")
ROUTINGS: tuple[str, ...] = ("round-robin", "manager")
_KEYS = ("key", "name", *CRITERIA, "reps", "manager", "routing")
_USER_ID_RE = re.compile(rf"^[UW][A-Z0-9]{{2,{SLACK_ID - 1}}}$")
_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Territory:
    key: str
    name: str
    reps: tuple[str, ...]
    manager: str | None = None
    routing: str = "round-robin"
    region: tuple[str, ...] = ()
    industry: tuple[str, ...] = ()
    product: tuple[str, ...] = ()

    def matches(self, fields: Mapping[str, str | None]) -> bool:
        """Every line the territory names must match; one naming none matches nothing (no catch-all)."""
        named = [c for c in CRITERIA if getattr(self, c)]
        return bool(named) and all(
            (fields.get(c) or "").strip().casefold() in getattr(self, c) for c in named)

    @property
    def counter_key(self) -> str:
        digest = hashlib.sha1(repr((self.key, self.reps)).encode()).hexdigest()
        return f"territory-{digest[:20]}"


def matching_territory(territories: tuple[Territory, ...], custom: Mapping[str, str] | None) -> Territory | None:
    fields = {c: (custom or {}).get(c) for c in CRITERIA}
    return next((t for t in territories if t.matches(fields)), None)


def parse_territory(raw: Mapping[str, Any], position: int, fail: Callable[[str, str], Exception]) -> Territory:
    """One ``[[territories]]`` table; ``fail(where, problem)`` makes the pipeline's one-line error."""
    where = f"territory #{position}"
    key = raw.get("key")
    if isinstance(key, str) and key.strip():
        where = f'territory "{key if len(key) <= 40 else key[:39] + "…"}"'

    def bad(problem: str) -> Exception:
        return fail(where, problem)

    for k in raw:
        if k not in _KEYS:
            raise bad(f'unknown key "{k}" (expected one of: {", ".join(_KEYS)})')
    if not isinstance(key, str) or not _KEY_RE.match(key):
        raise bad('missing "key": a word naming the territory, e.g. key = "emea"')
    if len(key) > TERRITORY_KEY:
        raise bad(f"key must be at most {TERRITORY_KEY} characters (has {len(key)})")
    name = raw.get("name", key)
    if not isinstance(name, str) or not name.strip():
        raise bad("name must be non-empty text")
    lines: dict[str, tuple[str, ...]] = {}
    for c in CRITERIA:
        if c in raw:
            lines[c] = tuple(v.strip().casefold() for v in _texts(raw[c], c, bad))
    if not any(lines.values()):
        raise bad('name at least one line to match: region, industry or product, e.g. region = ["emea"]')
    reps = tuple(v.strip() for v in _texts(raw.get("reps", []), "reps", bad))
    for rep in reps:
        if not _USER_ID_RE.match(rep):
            raise bad(f'reps: "{rep[:40]}" is not a Slack user ID (like U012ABC)')
    manager = raw.get("manager")
    if manager is not None and (not isinstance(manager, str) or not _USER_ID_RE.match(manager.strip())):
        raise bad("manager must be a Slack user ID (like U012ABC)")
    routing = raw.get("routing", "round-robin")
    if routing not in ROUTINGS:
        raise bad(f'routing must be "round-robin" or "manager" (got {str(routing)[:40]!r})')
    if routing == "manager" and manager is None:
        raise bad('routing = "manager" needs a manager')
    if routing == "round-robin" and not reps:
        raise bad('round-robin routing needs reps = ["U…", …]')
    return Territory(key=key, name=name.strip(), reps=reps, manager=manager.strip() if manager else None,
                     routing=routing, **lines)


def _texts(value: Any, key: str, bad: Callable[[str], Exception]) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise bad(f'{key} must be a name or a list of names, e.g. {key} = ["…"]')
    return tuple(dict.fromkeys(values))
