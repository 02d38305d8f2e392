"""BANT lead score (SPEC 5). Pure arithmetic, no I/O.

Budget at or above the threshold (100,000 unless the pipeline says otherwise): +2.
Authority (talking to a decision maker): +3. Need confirmed: +2. Timing within 30 days: +3.
Total ≥ 8 is high (contact within 24 h), 5–7 medium (48 h), below 5 low (nurture: re-score
after 90 days).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

__all__ = [
    "AUTHORITY_POINTS",
    "BUDGET_POINTS",
    "DEFAULT_BUDGET_THRESHOLD",
    "HIGH_MIN",
    "HIGH_SLA_HOURS",
    "MEDIUM_MIN",
    "MEDIUM_SLA_HOURS",
    "NEED_POINTS",
    "RENURTURE_DAYS",
    "TIMING_POINTS",
    "TIMING_WINDOW_DAYS",
    "BantScore",
    "score_bant",
]

DEFAULT_BUDGET_THRESHOLD = Decimal(100000)
BUDGET_POINTS = 2
AUTHORITY_POINTS = 3
NEED_POINTS = 2
TIMING_POINTS = 3
TIMING_WINDOW_DAYS = 30

HIGH_MIN = 8
MEDIUM_MIN = 5
HIGH_SLA_HOURS = 24
MEDIUM_SLA_HOURS = 48
RENURTURE_DAYS = 90


@dataclass(frozen=True)
class BantScore:
    total: int  # 0–10
    band: str  # "high" | "medium" | "low"
    parts: dict[str, int] = field(hash=False)  # budget, authority, need, timing → points earned
    sla_hours: int | None  # contact within: 24 high, 48 medium, None low
    renurture_days: int | None  # re-score after: 90 for low, else None


def score_bant(
    *,
    budget: Decimal,
    authority: bool,
    need: bool,
    timing_days: int,
    budget_threshold: Decimal = DEFAULT_BUDGET_THRESHOLD,
) -> BantScore:
    """Score a lead. ``budget`` ≥ 0 and finite; ``timing_days`` ≥ 0 (days until the
    customer means to buy); ``budget_threshold`` > 0. Anything else is a ``ValueError``."""
    budget = _decimal(budget, "budget")
    threshold = _decimal(budget_threshold, "budget_threshold")
    if budget < 0:
        raise ValueError(f"budget must not be negative (got {budget})")
    if threshold <= 0:
        raise ValueError(f"budget_threshold must be positive (got {threshold})")
    if isinstance(timing_days, bool) or not isinstance(timing_days, int):
        raise ValueError(f"timing_days must be a whole number of days (got {timing_days!r})")
    if timing_days < 0:
        raise ValueError(f"timing_days must not be negative (got {timing_days})")

    parts = {
        "budget": BUDGET_POINTS if budget >= threshold else 0,
        "authority": AUTHORITY_POINTS if authority else 0,
        "need": NEED_POINTS if need else 0,
        "timing": TIMING_POINTS if timing_days <= TIMING_WINDOW_DAYS else 0,
    }
    total = sum(parts.values())
    if total >= HIGH_MIN:
        return BantScore(total, "high", parts, HIGH_SLA_HOURS, None)
    if total >= MEDIUM_MIN:
        return BantScore(total, "medium", parts, MEDIUM_SLA_HOURS, None)
    return BantScore(total, "low", parts, None, RENURTURE_DAYS)


def _decimal(value: object, name: str) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number (got {value!r})")
    try:
        if isinstance(value, Decimal):
            d = value
        elif isinstance(value, int | float | str):
            d = Decimal(str(value))
        else:
            raise ValueError(f"{name} must be a number (got {value!r})")
    except InvalidOperation:
        raise ValueError(f"{name} must be a number (got {value!r})") from None
    if not d.is_finite():
        raise ValueError(f"{name} must be finite (got {value!r})")
    return d
