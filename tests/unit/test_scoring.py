"""models.scoring: BANT (SPEC 5)."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.deals.scoring import BantScore, score_bant

RICH, POOR = Decimal(100000), Decimal(99999)


def expected_band(total: int) -> tuple[str, int | None, int | None]:
    if total >= 8:
        return "high", 24, None
    if total >= 5:
        return "medium", 48, None
    return "low", None, 90


@pytest.mark.parametrize(("budget_ok", "authority", "need", "soon"), list(itertools.product([True, False], repeat=4)))
def test_all_sixteen_combinations(budget_ok: bool, authority: bool, need: bool, soon: bool) -> None:
    s = score_bant(budget=RICH if budget_ok else POOR, authority=authority, need=need, timing_days=30 if soon else 31)
    parts = {"budget": 2 * budget_ok, "authority": 3 * authority, "need": 2 * need, "timing": 3 * soon}
    total = sum(parts.values())
    assert s.parts == parts
    assert s.total == total
    assert (s.band, s.sla_hours, s.renurture_days) == expected_band(total)


@pytest.mark.parametrize(
    ("kwargs", "total", "band"),
    [
        ({"budget": Decimal(150000), "authority": True, "need": True, "timing_days": 14}, 10, "high"),
        ({"budget": Decimal(150000), "authority": True, "need": False, "timing_days": 14}, 8, "high"),
        ({"budget": Decimal(0), "authority": True, "need": True, "timing_days": 0}, 8, "high"),
        ({"budget": Decimal(150000), "authority": True, "need": False, "timing_days": 90}, 5, "medium"),
        ({"budget": Decimal(150000), "authority": False, "need": True, "timing_days": 90}, 4, "low"),
        ({"budget": Decimal(1), "authority": False, "need": False, "timing_days": 365}, 0, "low"),
    ],
)
def test_examples(kwargs: dict, total: int, band: str) -> None:
    s = score_bant(**kwargs)
    assert (s.total, s.band) == (total, band)


def test_threshold_is_inclusive_and_configurable() -> None:
    assert score_bant(budget=Decimal(100000), authority=False, need=False, timing_days=99).parts["budget"] == 2
    assert score_bant(budget=Decimal("99999.99"), authority=False, need=False, timing_days=99).parts["budget"] == 0
    low = Decimal(50000)
    s = score_bant(budget=Decimal(50000), authority=False, need=False, timing_days=99, budget_threshold=low)
    assert s.parts["budget"] == 2


def test_timing_window_is_inclusive() -> None:
    assert score_bant(budget=POOR, authority=False, need=False, timing_days=30).parts["timing"] == 3
    assert score_bant(budget=POOR, authority=False, need=False, timing_days=31).parts["timing"] == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timing_days": -1},
        {"budget": Decimal(-1)},
        {"budget": Decimal("NaN")},
        {"budget": Decimal("Infinity")},
        {"budget_threshold": Decimal(0)},
        {"timing_days": 1.5},
        {"timing_days": True},
    ],
)
def test_bad_input(kwargs: dict) -> None:
    base = {"budget": RICH, "authority": True, "need": True, "timing_days": 10}
    with pytest.raises(ValueError):
        score_bant(**{**base, **kwargs})


def test_int_budget_is_accepted_and_score_is_hashable() -> None:
    s = score_bant(budget=200000, authority=True, need=True, timing_days=1)  # type: ignore[arg-type]
    assert isinstance(s, BantScore) and s.total == 10
    assert hash(s) == hash(score_bant(budget=Decimal(200000), authority=True, need=True, timing_days=1))


@given(
    budget=st.decimals(min_value=0, max_value=10**12, allow_nan=False, allow_infinity=False, places=2),
    threshold=st.decimals(min_value="0.01", max_value=10**9, allow_nan=False, allow_infinity=False, places=2),
    authority=st.booleans(),
    need=st.booleans(),
    timing=st.integers(min_value=0, max_value=10_000),
)
def test_score_properties(budget: Decimal, threshold: Decimal, authority: bool, need: bool, timing: int) -> None:
    s = score_bant(budget=budget, authority=authority, need=need, timing_days=timing, budget_threshold=threshold)
    assert 0 <= s.total <= 10
    assert s.total == sum(s.parts.values())
    assert set(s.parts) == {"budget", "authority", "need", "timing"}
    assert (s.parts["budget"] == 2) == (budget >= threshold)
    assert (s.parts["timing"] == 3) == (timing <= 30)
    assert (s.band, s.sla_hours, s.renurture_days) == expected_band(s.total)
    # more of anything never lowers the score
    better = score_bant(budget=budget + threshold, authority=True, need=need, timing_days=0, budget_threshold=threshold)
    assert better.total >= s.total
