"""Amounts as users type them (SPEC 2); they are shown by models/infra/formats.py.

``150000``, ``150,000``, ``150k``, ``1.5m``, ``2bn``, ``$150,000``, ``¥150,000``, ``15万``, ``1.5亿``,
full-width digits. Pure: no Slack, no I/O; a reading error is an :class:`AmountError`.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from models.infra.i18n import t
from models.values.errors import AmountError
from models.values.reading import nfkc, show

__all__ = ["MAX_AMOUNT", "parse_amount"]

MAX_AMOUNT = Decimal(10) ** 15
_CENT = Decimal("0.01")
_MAX_AMOUNT_TEXT = 64

_MULTIPLIERS: dict[str, Decimal] = {
    "": Decimal(1),
    "k": Decimal(10) ** 3,
    "千": Decimal(10) ** 3,
    "w": Decimal(10) ** 4,  # Chinese shorthand for 万 ("15w")
    "万": Decimal(10) ** 4,
    "萬": Decimal(10) ** 4,
    "m": Decimal(10) ** 6,
    "mm": Decimal(10) ** 6,
    "mn": Decimal(10) ** 6,
    "百万": Decimal(10) ** 6,
    "百萬": Decimal(10) ** 6,
    "千万": Decimal(10) ** 7,
    "千萬": Decimal(10) ** 7,
    "亿": Decimal(10) ** 8,
    "億": Decimal(10) ** 8,
    "b": Decimal(10) ** 9,
    "bn": Decimal(10) ** 9,
}

_AMOUNT_RE = re.compile(
    r"""
    (?P<sign>[-+])?\s*
    (?:[$¥€£]|us\$|usd|eur|cny|rmb|gbp)?\s*
    (?P<sign2>[-+])?\s*
    (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)
    \s*(?P<suf>mm|mn|bn|k|m|b|w|千万|千萬|百万|百萬|千|万|萬|亿|億)?
    \s*(?:元|块|usd|eur|cny|rmb|gbp)?
    """,
    re.VERBOSE,
)


def parse_amount(text: str) -> Decimal:
    """Read a positive amount (see module doc); return it quantized to 2 places.

    Raises :class:`AmountError` for anything else: empty, garbage, zero, negative,
    non-finite, or above :data:`MAX_AMOUNT` (10^15).
    """
    if not isinstance(text, str):
        raise AmountError(t("I could not read that as an amount."))
    raw = text
    s = nfkc(text).strip().lower()
    if not s:
        raise AmountError(t("Give an amount, e.g. 150000, 150k, 1.5m or 15万."))
    if len(s) > _MAX_AMOUNT_TEXT:
        raise AmountError(t('I could not read "{text}" as an amount; it is too long.', text=show(raw)))
    m = _AMOUNT_RE.fullmatch(s)
    if m is None:
        raise AmountError(t('I could not read "{text}" as an amount; try 150000, 150,000, 150k, 1.5m or 15万.',
                                  text=show(raw)))
    if "-" in (m.group("sign") or "", m.group("sign2") or ""):
        raise AmountError(t('The amount must be positive, and "{text}" is not.', text=show(raw)))
    try:
        value = Decimal(m.group("num").replace(",", "")) * _MULTIPLIERS[m.group("suf") or ""]
    except (InvalidOperation, KeyError):  # pragma: no cover - the regex only lets numbers through
        raise AmountError(t('I could not read "{text}" as an amount.', text=show(raw))) from None
    if not value.is_finite() or value > MAX_AMOUNT:
        raise AmountError(t('The amount "{text}" is too large; the limit is 1,000,000,000,000,000.', text=show(raw)))
    value = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    if value <= 0:
        raise AmountError(t('The amount must be more than zero, and "{text}" is not.', text=show(raw)))
    return value
