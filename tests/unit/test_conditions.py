"""The approval condition grammar (SPEC 12): parsed by hand, never executed."""

from __future__ import annotations

import builtins
import contextlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.pipeline.conditions import (
    Comparison,
    ConditionError,
    Field,
    Literal,
    deal_values,
    evaluate,
    fields_of,
    parse_condition,
)


def holds(text: str, amount: object = None, score: int | None = None, **custom: str) -> bool:
    values = deal_values(Decimal(str(amount)) if amount is not None else None, score, custom)
    return evaluate(parse_condition(text), values)


@pytest.mark.parametrize(
    ("text", "fields", "expected"),
    [
        ("discount > 15", {"discount": "20"}, True),
        ("discount > 15", {"discount": "15"}, False),
        ("discount >= 15", {"discount": "15%"}, True),
        ("amount < floor", {"amount": 70000, "floor": "80k"}, True),
        ("amount < floor", {"amount": 90000, "floor": "80k"}, False),
        ("amount < 1.5m and amount >= 15万", {"amount": 150000}, True),
        ("amount > 150,000", {"amount": 150001}, True),
        ("margin < 0.2 or discount > 30", {"margin": "0.1"}, True),
        ("not (discount > 15)", {"discount": "10"}, True),
        ("NOT discount > 15 AND amount > 1", {"discount": "10", "amount": 5}, True),
        ("score >= 8", {"score": 8}, True),
        ("region == 'EMEA'", {"region": "emea"}, True),
        ('region != "emea"', {"region": "apac"}, True),
        ("discount == 0", {"discount": "0"}, True),
        # an unset field makes its comparison false, whichever the operator
        ("discount > 15", {}, False),
        ("discount != 15", {}, False),
        ("not discount > 15", {}, True),
        ("amount < floor", {"amount": 10}, False),
        # text never orders, and never equals a number
        ("discount > 15", {"discount": "a lot"}, False),
        ("region == 5", {"region": "emea"}, False),
        ("a > 1 or b > 1 and c > 1", {"a": "2"}, True),  # and binds tighter than or
        ("(a > 1 or b > 1) and c > 1", {"a": "2"}, False),
    ],
)
def test_conditions(text: str, fields: dict[str, object], expected: bool) -> None:
    amount = fields.pop("amount", None)
    score = fields.pop("score", None)
    assert holds(text, amount, score, **{k: str(v) for k, v in fields.items()}) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        ("discount", "expected a comparison"),
        ("discount >", "found the end"),
        ("discount >> 15", "expected a field"),
        ("discount = 15", '"=" at column 10 is not a comparison'),
        ("(discount > 15", "is not closed"),
        ("discount > 15)", "unexpected"),
        ("discount > 15 amount > 1", "join comparisons with and / or"),
        ("1 > 2", "compare a field"),
        ("region > 'x'", "only with == or !="),
        ("region == 'x", "no closing"),
        ("__import__('os').system('x')", "neither a field name"),
        ("__import__('os')", "expected a comparison"),
        ("a > 1; import os", "neither a field name nor a number"),
        ("not " * 60 + "a > 1", "nested too deeply"),
        ("(" * 60 + "a > 1" + ")" * 60, "nested too deeply"),
        ("a > 1 and " * 100 + "a > 1", "at most 500 characters"),
    ],
)
def test_bad_conditions_say_what_and_where(text: str, expected: str) -> None:
    with pytest.raises(ConditionError) as info:
        parse_condition(text)
    assert expected in str(info.value) and "\n" not in str(info.value)


def test_fields_of_names_what_a_rule_reads() -> None:
    assert fields_of(parse_condition("amount < floor or discount > 15 and floor > 1")) == (
        "amount", "floor", "discount")


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text_parses_or_raises_the_parse_error_only_and_is_never_executed(text: str) -> None:
    calls: list[str] = []
    real_eval, real_exec, real_import = builtins.eval, builtins.exec, builtins.__import__

    def spy(name: str):  # type: ignore[no-untyped-def]
        def record(*args, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(name)
            return {"eval": real_eval, "exec": real_exec}[name](*args, **kwargs)
        return record

    builtins.eval, builtins.exec = spy("eval"), spy("exec")
    try:
        try:
            tree = parse_condition(text)
        except ConditionError:
            return
        evaluate(tree, deal_values(Decimal(1), 3, {"discount": "20", "region": "emea"}))
    finally:
        builtins.eval, builtins.exec, builtins.__import__ = real_eval, real_exec, real_import
    assert calls == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="andortx()<>=!'\" 0123456789.km万,_", max_size=60))
def test_near_miss_text_raises_only_the_parse_error(text: str) -> None:
    with contextlib.suppress(ConditionError):
        parse_condition(text)


# --------------------------------------------------------------------------- reference evaluation

FIELDS = ("amount", "score", "discount", "floor", "region")
OPS = ("<", "<=", ">", ">=", "==", "!=")
numbers = st.sampled_from([("0", Decimal(0)), ("15", Decimal(15)), ("80k", Decimal(80000)),
                           ("1.5m", Decimal(1500000)), ("15万", Decimal(150000)), ("150,000", Decimal(150000)),
                           ("12.5", Decimal("12.5"))])


@st.composite
def comparisons(draw: st.DrawFn) -> tuple[str, object]:
    left = draw(st.sampled_from(FIELDS))
    op = draw(st.sampled_from(OPS))
    if draw(st.booleans()):
        right_text = draw(st.sampled_from(FIELDS))
        return f"{left} {op} {right_text}", ("cmp", left, op, ("field", right_text))
    if op in ("==", "!=") and draw(st.booleans()):
        word = draw(st.sampled_from(["emea", "apac"]))
        return f"{left} {op} '{word}'", ("cmp", left, op, ("text", word))
    text, value = draw(numbers)
    return f"{left} {op} {text}", ("cmp", left, op, ("number", value))


def expressions() -> st.SearchStrategy[tuple[str, object]]:
    def extend(inner: st.SearchStrategy[tuple[str, object]]) -> st.SearchStrategy[tuple[str, object]]:
        def junction(op: str) -> st.SearchStrategy[tuple[str, object]]:
            return st.tuples(inner, inner).map(lambda p: (f"({p[0][0]}) {op} ({p[1][0]})", (op, p[0][1], p[1][1])))

        return st.one_of(
            inner.map(lambda e: (f"not ({e[0]})", ("not", e[1]))),
            junction("and"), junction("or"),
        )

    return st.recursive(comparisons(), extend, max_leaves=8)


values_strategy = st.fixed_dictionaries({
    "amount": st.one_of(st.none(), st.sampled_from([Decimal(10), Decimal(80000), Decimal(150000)])),
    "score": st.one_of(st.none(), st.integers(0, 10)),
    "discount": st.one_of(st.none(), st.sampled_from(["0", "15", "20%", "12.5", "a lot"])),
    "floor": st.one_of(st.none(), st.sampled_from(["80k", "1.5m", "150000", "n/a"])),
    "region": st.one_of(st.none(), st.sampled_from(["emea", "EMEA", "apac", "15"])),
})


def _reference_value(kind_value: tuple[str, object], fields: dict[str, object]) -> object:
    kind, value = kind_value
    if kind == "field":
        return fields[str(value)]
    return value


def _reference(tree: object, fields: dict[str, object]) -> bool:
    tag = tree[0]  # type: ignore[index]
    if tag == "not":
        return not _reference(tree[1], fields)  # type: ignore[index]
    if tag in ("and", "or"):
        a, b = _reference(tree[1], fields), _reference(tree[2], fields)  # type: ignore[index]
        return (a and b) if tag == "and" else (a or b)
    _, left_name, op, right = tree  # type: ignore[misc]
    left, right_value = fields[left_name], _reference_value(right, fields)
    if left is None or right_value is None:
        return False
    if isinstance(left, Decimal) and isinstance(right_value, Decimal):
        return {"<": left < right_value, "<=": left <= right_value, ">": left > right_value,
                ">=": left >= right_value, "==": left == right_value, "!=": left != right_value}[op]
    if isinstance(left, str) and isinstance(right_value, str) and op in ("==", "!="):
        return (left.lower() == right_value.lower()) == (op == "==")
    return False


def _typed(raw: dict[str, object]) -> dict[str, object]:
    """What the reference sees: the known numeric readings of the sample values."""
    readings = {"0": Decimal(0), "15": Decimal(15), "20%": Decimal(20), "12.5": Decimal("12.5"),
                "80k": Decimal(80000), "1.5m": Decimal(1500000), "150000": Decimal(150000)}
    typed: dict[str, object] = {}
    for key, value in raw.items():
        if value is None or isinstance(value, Decimal):
            typed[key] = value
        elif isinstance(value, int):
            typed[key] = Decimal(value)
        else:
            typed[key] = readings.get(str(value), value)
    return typed


@settings(max_examples=400, deadline=None)
@given(expressions(), values_strategy)
def test_evaluation_agrees_with_a_reference(expression: tuple[str, object], raw: dict[str, object]) -> None:
    text, tree = expression
    custom = {k: str(v) for k, v in raw.items() if k not in ("amount", "score") and v is not None}
    values = deal_values(raw["amount"], raw["score"], custom)  # type: ignore[arg-type]
    assert evaluate(parse_condition(text), values) is _reference(tree, _typed(raw))


def test_the_tree_is_data() -> None:
    assert parse_condition("discount > 15") == Comparison(Field("discount"), ">", Literal(Decimal(15)))
