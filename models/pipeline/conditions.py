"""Approval conditions (SPEC 12): a tiny language, read by a hand-written tokenizer and a
recursive-descent parser into a tree that is evaluated against a deal's fields. Nothing in a
rule is ever executed: the tree only knows comparisons, ``and``, ``or`` and ``not``.

    condition  := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | "(" or ")" | comparison
    comparison := operand ("<" | "<=" | ">" | ">=" | "==" | "!=") operand
    operand    := field | number | "text" | 'text'

A number is read like an amount (``80k``, ``1.5m``, ``15万``, ``150,000``) or plainly (``0``,
``12.5``). A field is ``amount``, ``score`` or a custom field (``discount``, ``floor``,
``margin``, anything set with ``/deal set key:value``); a custom field is a number when its
value reads as one (``20%`` reads as 20), else text, which only ``==`` and ``!=`` compare
(case-insensitively). A comparison that cannot be made (an unset field, text against a
number, text ordered) is false.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from models.values import InputError, parse_amount

__all__ = [
    "Comparison",
    "Condition",
    "ConditionError",
    "Field",
    "Junction",
    "Literal",
    "Not",
    "deal_values",
    "evaluate",
    "fields_of",
    "number_of",
    "parse_condition",
]

MAX_LENGTH = 500
MAX_DEPTH = 40  # nesting of parentheses and `not`: deeper is surely a mistake, and bounds recursion
OPERATORS = ("<=", ">=", "==", "!=", "<", ">")
KEYWORDS = ("and", "or", "not")
BUILTIN_FIELDS = ("amount", "score")

_IDENT_RE = re.compile(r"^[a-z_][a-z0-9_-]*$")
_PLAIN_NUMBER_RE = re.compile(r"^\d+(\.\d+)?$")
_WORD_STOP = set(" \t\r\n()<>=!\"'")


class ConditionError(ValueError):
    """A condition that cannot be read; ``str()`` is one line saying what and where."""


# --------------------------------------------------------------------------- tree


@dataclass(frozen=True)
class Field:
    name: str  # lower case


@dataclass(frozen=True)
class Literal:
    value: Decimal | str


Operand = Field | Literal


@dataclass(frozen=True)
class Comparison:
    left: Operand
    op: str
    right: Operand


@dataclass(frozen=True)
class Not:
    operand: Condition


@dataclass(frozen=True)
class Junction:
    op: str  # "and" | "or"
    operands: tuple[Condition, ...]


Condition = Comparison | Not | Junction


# --------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class _Token:
    kind: str  # "op" | "(" | ")" | "kw" | "field" | "number" | "text" | "end"
    value: object
    at: int  # 1-based column, for messages


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()":
            out.append(_Token(c, c, i + 1))
            i += 1
        elif c in "<>=!":
            op = text[i:i + 2] if text[i:i + 2] in OPERATORS else c
            if op not in OPERATORS:
                raise ConditionError(f'"{op}" at column {i + 1} is not a comparison (use ==, !=, <, <=, > or >=)')
            out.append(_Token("op", op, i + 1))
            i += len(op)
        elif c in "\"'":
            end = text.find(c, i + 1)
            if end < 0:
                raise ConditionError(f"the text starting at column {i + 1} has no closing {c}")
            out.append(_Token("text", text[i + 1:end], i + 1))
            i = end + 1
        else:
            start = i
            while i < n and text[i] not in _WORD_STOP and not text[i].isspace():
                i += 1
            out.append(_word(text[start:i], start + 1))
    out.append(_Token("end", None, n + 1))
    return out


def _word(word: str, at: int) -> _Token:
    folded = word.lower()
    if folded in KEYWORDS:
        return _Token("kw", folded, at)
    if _IDENT_RE.match(folded):
        return _Token("field", folded, at)
    number = number_of(word)
    if number is None:
        raise ConditionError(f'"{_clip(word)}" at column {at} is neither a field name nor a number like 80k')
    return _Token("number", number, at)


def number_of(text: str) -> Decimal | None:
    """A number in amount syntax, or a plain one (zero too, and ``20%``); None when it is not one."""
    s = unicodedata.normalize("NFKC", text).strip().rstrip("%").strip()
    if _PLAIN_NUMBER_RE.match(s):
        try:
            return Decimal(s)
        except InvalidOperation:  # pragma: no cover - the pattern lets only numbers through
            return None
    try:
        return parse_amount(s)
    except InputError:
        return None


# --------------------------------------------------------------------------- parser


def parse_condition(text: str) -> Condition:
    """The condition ``text`` means; raises :class:`ConditionError` (only) when it is not one."""
    if not isinstance(text, str):
        raise ConditionError("a condition must be text, e.g. \"discount > 15\"")
    if len(text) > MAX_LENGTH:
        raise ConditionError(f"a condition is at most {MAX_LENGTH} characters")
    if not text.strip():
        raise ConditionError('the condition is empty; write one like "discount > 15"')
    return _Parser(_tokens(text)).parse()


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    @property
    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self) -> Condition:
        tree = self.either()
        if self.peek.kind != "end":
            raise ConditionError(f"unexpected {_show(self.peek)} at column {self.peek.at}; "
                                 "join comparisons with and / or")
        return tree

    def either(self) -> Condition:
        parts = [self.both()]
        while self.peek.kind == "kw" and self.peek.value == "or":
            self.take()
            parts.append(self.both())
        return parts[0] if len(parts) == 1 else Junction("or", tuple(parts))

    def both(self) -> Condition:
        parts = [self.negation()]
        while self.peek.kind == "kw" and self.peek.value == "and":
            self.take()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else Junction("and", tuple(parts))

    def negation(self) -> Condition:
        token = self.peek
        if token.kind == "kw" and token.value == "not":
            self.take()
            with_depth = self._deeper(token)
            operand = self.negation()
            self.depth = with_depth
            return Not(operand)
        if token.kind == "(":
            self.take()
            with_depth = self._deeper(token)
            inner = self.either()
            self.depth = with_depth
            if self.peek.kind != ")":
                raise ConditionError(f"the ( at column {token.at} is not closed (found {_show(self.peek)})")
            self.take()
            return inner
        return self.comparison()

    def _deeper(self, token: _Token) -> int:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConditionError(f"nested too deeply at column {token.at} (at most {MAX_DEPTH} levels)")
        return self.depth - 1

    def comparison(self) -> Comparison:
        left = self.operand()
        op = self.peek
        if op.kind != "op":
            raise ConditionError(f"expected a comparison (>, >=, <, <=, ==, !=) after {_describe(left)}, "
                                 f"found {_show(op)} at column {op.at}")
        self.take()
        right = self.operand()
        if isinstance(left, Literal) and isinstance(right, Literal):
            raise ConditionError(f"column {op.at}: compare a field, not two fixed values")
        texts = [o for o in (left, right) if isinstance(o, Literal) and isinstance(o.value, str)]
        if texts and op.value not in ("==", "!="):
            raise ConditionError(f'column {op.at}: text is compared only with == or != (not {op.value})')
        return Comparison(left, str(op.value), right)

    def operand(self) -> Operand:
        token = self.take()
        if token.kind == "field":
            return Field(str(token.value))
        if token.kind in ("number", "text"):
            return Literal(token.value)  # type: ignore[arg-type]
        raise ConditionError(f"expected a field, a number or quoted text at column {token.at}, found {_show(token)}")


def _show(token: _Token) -> str:
    if token.kind == "end":
        return "the end"
    if token.kind == "text":
        return f'"{_clip(str(token.value))}"'
    return f'"{_clip(str(token.value))}"'


def _describe(operand: Operand) -> str:
    return operand.name if isinstance(operand, Field) else f'"{_clip(str(operand.value))}"'


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 30 else text[:29] + "…"


# --------------------------------------------------------------------------- evaluation

Value = Decimal | str | None


def deal_values(amount: Decimal | None, score: int | None, custom: Mapping[str, str] | None) -> dict[str, Value]:
    """The values a condition sees: amount and score, and every custom field (number when it reads as one)."""
    values: dict[str, Value] = {}
    for key, raw in (custom or {}).items():
        text = str(raw).strip()
        if text:
            number = number_of(text)
            values[key.lower()] = number if number is not None else text
    values["amount"] = Decimal(amount) if amount is not None else None
    values["score"] = Decimal(score) if score is not None else None
    return values


def evaluate(condition: Condition, values: Mapping[str, Value]) -> bool:
    if isinstance(condition, Comparison):
        return _compare(_value(condition.left, values), condition.op, _value(condition.right, values))
    if isinstance(condition, Not):
        return not evaluate(condition.operand, values)
    if condition.op == "and":
        return all(evaluate(part, values) for part in condition.operands)
    return any(evaluate(part, values) for part in condition.operands)


def _value(operand: Operand, values: Mapping[str, Value]) -> Value:
    if isinstance(operand, Field):
        return values.get(operand.name)
    return operand.value


def _compare(left: Value, op: str, right: Value) -> bool:
    if left is None or right is None:
        return False
    if isinstance(left, Decimal) and isinstance(right, Decimal):
        return {
            "<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right,
            "==": left == right, "!=": left != right,
        }[op]
    if isinstance(left, str) and isinstance(right, str) and op in ("==", "!="):
        same = left.casefold() == right.casefold()
        return same if op == "==" else not same
    return False


def fields_of(condition: Condition) -> tuple[str, ...]:
    """The fields a condition reads, in order of first use (to show the figures behind a request)."""
    found: list[str] = []

    def walk(node: Condition) -> None:
        if isinstance(node, Comparison):
            for side in (node.left, node.right):
                if isinstance(side, Field) and side.name not in found:
                    found.append(side.name)
        elif isinstance(node, Not):
            walk(node.operand)
        else:
            for part in node.operands:
                walk(part)

    walk(condition)
    return tuple(found)
